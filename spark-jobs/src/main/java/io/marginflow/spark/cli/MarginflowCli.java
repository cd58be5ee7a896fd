package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code marginflow} command: {@code train} runs (or resumes) the training job, {@code weights}
 * prints a checkpoint's θ, {@code generate} writes teacher–student data; {@code report}, {@code
 * runs} and {@code export-margins} read run directories (see io.marginflow.spark.report). Bad flags
 * or config values fail before Spark starts, naming the key.
 */
public final class MarginflowCli {

  private MarginflowCli() {}

  /** Entry point; exits non-zero on failure. */
  public static void main(String[] args) {
    int code = run(args, System.out, System.err);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs a command; returns the exit code (0 ok, 2 usage/config error, 1 failure). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      out.println(usage());
      return args.length == 0 ? 2 : 0;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (args[0]) {
        case "train" -> train(rest, out);
        case "weights" -> weights(rest, out);
        case "report" -> ReportCommand.run(rest, out);
        case "runs" -> RunsCommand.run(rest, out);
        case "export-margins" -> ExportMarginsCommand.run(rest, out);
        case "generate" -> GenerateCommand.run(rest, out);
        default -> {
          err.println("marginflow: unknown command '" + args[0] + "'\n" + usage());
          yield 2;
        }
      };
    } catch (ConfigException e) {
      err.println("marginflow: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException | IllegalStateException | IOException e) {
      err.println("marginflow: " + e.getMessage());
      return 1;
    }
  }

  static String usage() {
    return """
        usage: marginflow train [--config FILE.yaml] [--key value ...]   (marginflow train --help)
               marginflow weights RUN_DIR [--step K]
               marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html
               marginflow runs ROOT [--json]
               marginflow export-margins RUN_DIR [--step K] --out FILE.jsonl|FILE.csv
               marginflow generate --rows N --features P --out URI [--format libsvm|parquet]""";
  }

  static int train(String[] args, PrintStream out) throws IOException {
    ConfigLoader.Parsed parsed = ConfigLoader.parse(args);
    if (parsed.helpRequested()) {
      out.println(
          "usage: marginflow train [--config FILE.yaml] [flags]\n\nflags (also config-file keys):");
      out.print(ConfigLoader.helpText());
      return 0;
    }
    if (!parsed.positional().isEmpty()) {
      throw new ConfigException("train: unexpected argument(s) " + parsed.positional());
    }
    TrainConfig config = TrainConfig.from(parsed.settings());
    if (!config.output().resume().isEmpty()) {
      config = ResumeConfig.merge(config, args);
    }
    SparkSession spark = SparkSessions.forRun(config);
    try {
      TrainJob.Outcome o = TrainJob.run(config, spark);
      out.println(
          "marginflow: run finished at step " + o.state().step() + "; outputs in " + o.runDir());
      out.println("  manifest:    " + o.runDir() + "/manifest.json");
      out.println(
          "  metrics:     "
              + o.runDir()
              + "/metrics/steps.jsonl, "
              + o.runDir()
              + "/metrics/eval.jsonl");
      out.println("  checkpoints: " + o.runDir() + "/checkpoints/");
      return 0;
    } finally {
      spark.stop();
    }
  }

  static int weights(String[] args, PrintStream out) throws IOException {
    String dir = null;
    Long step = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--step")) {
        if (i + 1 >= args.length) {
          throw new ConfigException("weights: --step needs a value");
        }
        try {
          step = Long.parseLong(args[++i]);
        } catch (NumberFormatException e) {
          throw new ConfigException(
              "weights: --step: expected a step number, got '" + args[i] + "'");
        }
      } else if (dir == null && !args[i].startsWith("--")) {
        dir = args[i];
      } else {
        throw new ConfigException("weights: unexpected argument '" + args[i] + "'");
      }
    }
    if (dir == null) {
      throw new ConfigException("weights: expected RUN_DIR\n" + usage());
    }
    Configuration conf = new Configuration();
    URI uri = io.marginflow.spark.job.InputFiles.qualify(dir, conf).toUri();
    String missing =
        "weights: " + uri + " has no checkpoint" + finalStep(step) + " (see checkpoints/)";
    try (RunStore store = RunStore.open(uri, conf)) {
      Checkpoint c =
          (step == null ? store.readLatestCheckpoint() : store.readCheckpoint(step))
              .orElseThrow(() -> new IllegalArgumentException(missing));
      StringBuilder b = new StringBuilder(c.theta().length * 24);
      for (double v : c.theta()) {
        b.append(v).append('\n');
      }
      out.print(b);
      out.flush();
      return 0;
    }
  }

  private static String finalStep(Long step) {
    return step == null ? "" : " at step " + step;
  }
}

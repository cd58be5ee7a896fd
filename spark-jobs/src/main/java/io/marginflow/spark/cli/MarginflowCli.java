package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.spark.check.RunPlan;
import io.marginflow.spark.check.RunValidator;
import io.marginflow.spark.check.ValidationOptions;
import io.marginflow.spark.check.ValidationReport;
import io.marginflow.spark.job.DataScanner;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.sweep.SweepSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code marginflow} command: {@code train} validates then runs (or resumes) the training job,
 * {@code check} (= {@code train --dry-run}) only validates and prints the plan, {@code sweep} runs
 * many runs in one application, {@code generate} writes teacher–student data, {@code weights}
 * prints a checkpoint's θ; {@code report}, {@code runs} and {@code export-margins} read run
 * directories (see io.marginflow.spark.report). Every problem of a run is reported before anything
 * is written, naming the key, file or line (exit 2).
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
        case "train" -> train(rest, out, err, false);
        case "check" ->
            SweepSpec.isSweep(rest)
                ? SweepCommand.run(dryRun(rest), out)
                : train(rest, out, err, true);
        case "sweep" -> SweepCommand.run(rest, out);
        case "weights" -> weights(rest, out);
        case "report" -> ReportCommand.run(rest, out);
        case "runs" -> RunsCommand.run(rest, out);
        case "export-margins" -> ExportMarginsCommand.run(rest, out);
        case "kkt" -> KktCommand.run(rest, out);
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
        usage: marginflow train [--config FILE.yaml] [--key value ...] [--dry-run]   (train --help)
               marginflow check [--config FILE.yaml] [--key value ...]    (validate, print the plan; a sweep file: every run)
               marginflow sweep [--config FILE.yaml] --grid KEY=V1,V2 --seeds 1-5 --out ROOT \
                                [--parallel N]                  (marginflow sweep --help)
               marginflow sweep --resume ROOT/SWEEP_ID
               marginflow weights RUN_DIR [--step K]
               marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html
               marginflow runs ROOT [--json]
               marginflow export-margins RUN_DIR [--step K] --out FILE.jsonl|FILE.csv
               marginflow kkt RUN_DIR [--step K] [--tolerance t] [--out FILE.json]
               marginflow generate --rows N --features P --out URI [--format libsvm|parquet]""";
  }

  /** Options of {@code train} and {@code check} that are not config keys. */
  private static final String DRY_RUN = "--dry-run";

  private static final String TRUST_DATA = "--trust-data";

  static String trainUsage() {
    return "usage: marginflow train [--config FILE.yaml] [flags] [--dry-run] [--trust-data]\n"
        + "       marginflow check [--config FILE.yaml] [flags] [--trust-data]\n\n"
        + "Every run is validated first (every key and value, the model against the data, every\n"
        + "line of the data, the output directory; on --resume the allowed changes, the checkpoint\n"
        + "and the data fingerprint): on any problem nothing is written and all problems are\n"
        + "listed (exit 2).\n"
        + "  --dry-run     validate and print what the run would be (rows, features, d and L, step\n"
        + "                path, memory, evaluations, checkpoints), then stop; same as 'check'\n"
        + "  --trust-data  on --resume, accept data files whose size and modification time match\n"
        + "                the manifest without reading them again (default: scan them and\n"
        + "                compare their SHA-256 too)\n\n"
        + "flags (also config-file keys):\n";
  }

  /** {@code args} with {@code --dry-run} added (once). */
  private static String[] dryRun(String[] args) {
    List<String> a = new ArrayList<>(Arrays.asList(args));
    if (!a.contains(SweepCommand.DRY_RUN)) {
      a.add(SweepCommand.DRY_RUN);
    }
    return a.toArray(String[]::new);
  }

  static int train(String[] args, PrintStream out, PrintStream err, boolean checkOnly)
      throws IOException {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    boolean dryRun = checkOnly | rest.remove(DRY_RUN);
    boolean trustData = rest.remove(TRUST_DATA);
    String[] flags = rest.toArray(String[]::new);
    if (ConfigLoader.inspect(flags).helpRequested()) {
      out.println(trainUsage() + ConfigLoader.helpText());
      return 0;
    }
    Configuration conf = new Configuration();
    SparkSession[] spark = {null};
    // under spark-submit or in a test a session may exist already: it is not ours to stop
    boolean ownsSession = SparkSession.getDefaultSession().isEmpty();
    RunValidator validator =
        dryRun
            ? new RunValidator(conf, DataScanner.local(conf))
            : new RunValidator(
                conf,
                config -> {
                  spark[0] = SparkSessions.forRun(config);
                  return DataScanner.spark(
                      JavaSparkContext.fromSparkContext(spark[0].sparkContext()));
                });
    try {
      ValidationReport report = validator.validate(flags, new ValidationOptions(trustData, 0));
      if (!report.ok()) {
        err.println("marginflow: " + report.problemsText());
        return 2;
      }
      RunPlan plan = report.plan();
      if (dryRun) {
        out.print(plan.describe());
        out.println("marginflow: the run would start (nothing was written)");
        return 0;
      }
      if (spark[0] == null) {
        spark[0] = SparkSessions.forRun(plan.config());
      }
      TrainJob.Outcome o = TrainJob.run(plan, spark[0]);
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
    } catch (Exception e) {
      // The application ended under the run (yarn application -kill, a lost application master):
      // wherever that lands (a step, an evaluation, a checkpoint, the rows prefetcher), Spark
      // throws whatever the interrupted call throws (IllegalStateException, an undeclared
      // SparkException, ...); say what happened once, in marginflow's words.
      if (spark[0] == null || !spark[0].sparkContext().isStopped()) {
        throw e;
      }
      err.println(stoppedMessage(spark[0].sparkContext().applicationId(), e));
      return 1;
    } finally {
      if (spark[0] != null && ownsSession) {
        spark[0].stop();
      }
    }
  }

  /**
   * What {@code train} prints when the run failed because its Spark application was stopped under
   * it.
   */
  static String stoppedMessage(String applicationId, Throwable cause) {
    return "marginflow: the Spark application "
        + applicationId
        + " was stopped during the run (killed, or its cluster ended it); a run that had"
        + " started records status failed in its run directory and resumes from its last"
        + " checkpoint with --resume ("
        + cause.getClass().getSimpleName()
        + ": "
        + cause.getMessage()
        + ")";
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

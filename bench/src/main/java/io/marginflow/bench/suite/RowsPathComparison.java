package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Issue 11's goals 1 and 3 side by side in one JVM and one Spark session: per-step time of {@link
 * LocalTrainer} (one process, one core), the per-step job path and the rows path on the same
 * config, repetitions alternated (local, job, rows, local, job, rows, …, and over the workloads
 * given: a, b, a, b, …), medians of the per-step wall_ms with the first 10 % of steps skipped. Also
 * prints the auto choice and its reason.
 *
 * <p>Usage: {@code RowsPathComparison MASTER REPS STEPS [a9a|mnist|cnn][:single]...} ({@code cnn}:
 * Lyu–Li's CNN on MNIST 0-vs-1, issue 11's goal 4; {@code :single} runs all three sides with {@code
 * --precision single}, e.g. {@code cnn cnn:single} for double and single in one run).
 */
public final class RowsPathComparison {

  private RowsPathComparison() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    String master = args[0];
    int reps = Integer.parseInt(args[1]);
    String steps = args[2];
    Path datasets = Path.of(System.getProperty("marginflow.datasets", "../shared/datasets"));
    Path scratch = Files.createTempDirectory("marginflow-rows-bench");
    SparkSession spark = BenchSpark.start(master, scratch.toFile());
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "| workload | master | LocalTrainer ms/step | job path ms/step | rows path ms/step |"
                + " job / local | rows / local | job / rows |%n|---|---|---|---|---|---|---|---|%n"));
    List<String> reasons = new ArrayList<>();
    List<Side> sides = new ArrayList<>();
    try {
      for (int a = 3; a < args.length; a++) {
        sides.add(Side.prepare(spark, master, steps, args[a], datasets));
        Side side = sides.get(sides.size() - 1);
        reasons.add(
            args[a]
                + " on "
                + master
                + ": "
                + side.auto.choice().path()
                + " — "
                + side.auto.choice().reason());
      }
      // repetitions alternate over every workload too (a, b, a, b, …): load drifts hit all alike
      double[][][] ms = new double[sides.size()][3][reps];
      for (int r = 0; r < reps; r++) {
        for (int k = 0; k < sides.size(); k++) {
          Side side = sides.get(k);
          InMemoryRecorder rec = new InMemoryRecorder();
          new LocalTrainer(side.cfg, side.features).run(side.local, null, rec, null);
          ms[k][0][r] =
              Samples.medianOf(rec.steps().stream().mapToDouble(StepRow::wallMs).toArray(), 0.1);
          ms[k][1][r] = Samples.medianOf(side.job.run().wallMs(), 0.1);
          ms[k][2][r] = Samples.medianOf(side.rows.run().wallMs(), 0.1);
          System.err.printf(
              Locale.ROOT,
              "%s rep %d: local %.3f, job %.3f, rows %.3f ms/step%n",
              args[k + 3],
              r,
              ms[k][0][r],
              ms[k][1][r],
              ms[k][2][r]);
        }
      }
      for (int k = 0; k < sides.size(); k++) {
        Side side = sides.get(k);
        double l = median(ms[k][0]);
        double j = median(ms[k][1]);
        double rr = median(ms[k][2]);
        out.append(
            String.format(
                Locale.ROOT,
                "| %s `%s` %s, n_b=100 iid, %s steps × %d reps | %s | %.3f | %.3f | %.3f | %.1f× |"
                    + " %.2f× | %.1f× |%n",
                side.name,
                side.model,
                side.precision,
                steps,
                reps,
                master,
                l,
                j,
                rr,
                j / l,
                rr / l,
                j / rr));
      }
    } finally {
      for (Side side : sides) {
        side.close();
      }
    }
    System.out.println(out);
    for (String r : reasons) {
      System.out.println("- auto choice, " + r);
    }
    spark.stop();
  }

  /** One workload token ({@code name[:precision]}): its config, local data and prepared runs. */
  private static final class Side implements AutoCloseable {
    final String name;
    final String precision;
    final String model;
    final int features;
    final TrainConfig cfg;
    final Dataset local;
    final PreparedRun job;
    final PreparedRun rows;
    final PreparedRun auto;

    private Side(String name, String precision, String[] w, String[] flags, SparkSession spark)
        throws Exception {
      this.name = name;
      this.precision = precision;
      this.model = w[2];
      this.features = Integer.parseInt(w[1]);
      this.cfg = TrainConfig.from(ConfigLoader.parse(flags).settings());
      this.local = LibsvmReader.read(Path.of(w[0]), features, true, 1024);
      this.job = new PreparedRun(spark, concat(flags, "--step-path", "job"));
      this.rows = new PreparedRun(spark, concat(flags, "--step-path", "rows"));
      this.auto = new PreparedRun(spark, concat(flags, "--step-path", "auto"));
    }

    static Side prepare(
        SparkSession spark, String master, String steps, String token, Path datasets)
        throws Exception {
      String[] parts = token.split(":", 2);
      String name = parts[0];
      String precision = parts.length > 1 ? parts[1] : "double";
      String[] w = workload(name, datasets);
      String[] flags = {
        "--data",
        w[0],
        "--features",
        w[1],
        "--model",
        w[2],
        "--batch",
        "100",
        "--sampler",
        "iid",
        "--steps",
        steps,
        "--eval-every",
        "0",
        "--log-spaced-evals",
        "false",
        "--checkpoint-every",
        "0",
        "--partitions",
        "2",
        "--master",
        master,
        "--precision",
        precision
      };
      if (name.equals("cnn")) { // pixels 0–255 here: γ = 1 diverges
        flags = concat(flags, "--step", "1e-5");
      }
      return new Side(name, precision, w, flags, spark);
    }

    @Override
    public void close() throws Exception {
      job.close();
      rows.close();
      auto.close();
    }
  }

  private static String[] workload(String name, Path datasets) {
    return switch (name) {
      case "a9a" -> new String[] {datasets.resolve("a9a/a9a.gz").toString(), "123", "mlp:123-64-1"};
      case "mnist" ->
          new String[] {
            datasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz").toString(),
            "784",
            "mlp:784-256-256-1"
          };
      case "cnn" ->
          new String[] {
            datasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz").toString(),
            "784",
            "cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1"
          };
      default -> throw new IllegalArgumentException("workload: a9a | mnist | cnn, got " + name);
    };
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

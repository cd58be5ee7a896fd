package io.marginflow.bench.experiments;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.svm.HardMarginSvm;
import io.marginflow.spark.report.ChartRenderer;
import io.marginflow.spark.report.ChartSpec;
import io.marginflow.spark.report.RunData;
import io.marginflow.spark.report.RunReader;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.store.SweepStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Experiment E1 (linear model, separable data: the limit direction is the hard-margin SVM through
 * the origin). Solves the SVM on the training file with {@link HardMarginSvm} (certified bracket on
 * γ*), then reads the runs of the given sweeps and writes, for k = 10², 10³, …: m(u_k)/γ*, the gap
 * 1 − m(u_k)/γ*, the gap × ln k (constant under the 1/log k rate of Soudry et al. 2018), and the
 * angle between θ_k (a checkpoint) and w_SVM; whether m(u_k) ever exceeded γ*; and two figures.
 *
 * <pre>
 * E1Analysis --data FILE --features P [--scale S] --out DIR SWEEP_DIR [SWEEP_DIR ...]
 * </pre>
 *
 * {@code --scale S} divides every feature by S (255 for MNIST pixels read as /255 by the IDX
 * reader, which multiplies by 1/255: the same bits).
 */
public final class E1Analysis {

  private E1Analysis() {}

  /** Entry point. */
  public static void main(String[] args) throws IOException {
    String data = null;
    int features = 0;
    double scale = 1;
    Path out = null;
    List<String> sweeps = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--data" -> data = args[++i];
        case "--features" -> features = Integer.parseInt(args[++i]);
        case "--scale" -> scale = Double.parseDouble(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> sweeps.add(args[i]);
      }
    }
    if (data == null || features <= 0 || out == null || sweeps.isEmpty()) {
      System.err.println(
          "usage: E1Analysis --data FILE --features P [--scale S] --out DIR SWEEP_DIR ...");
      System.exit(2);
    }
    Files.createDirectories(out);
    double[][][] xy = dense(LibsvmReader.read(Path.of(data), features, false, 4096), scale);
    double[][] x = xy[0];
    double[] y = xy[1][0];
    long t0 = System.nanoTime();
    HardMarginSvm.Solution svm = HardMarginSvm.solve(x, y, 1e-9, 200_000, 1);
    double secs = (System.nanoTime() - t0) / 1e9;
    String svmJson =
        String.format(
            Locale.ROOT,
            "{\"data\":\"%s\",\"rows\":%d,\"features\":%d,\"scale\":%s,\"gamma_lower\":%.17g,"
                + "\"gamma_upper\":%.17g,\"certified_rel_gap\":%b,\"dual\":%.17g,"
                + "\"primal\":%.17g,\"sweeps\":%d,\"support_vectors\":%d,\"seconds\":%.2f}%n",
            data,
            x.length,
            features,
            scale,
            svm.lower(),
            svm.upper(),
            svm.certified(1e-9),
            svm.dual(),
            svm.primal(),
            svm.sweeps(),
            svm.supportVectors(),
            secs);
    Files.writeString(out.resolve("svm.json"), svmJson);
    System.out.print("SVM: " + svmJson);
    double gamma = svm.gamma();

    Configuration conf = new Configuration();
    StringBuilder table = new StringBuilder();
    table.append(
        "| run | k | m(u_k) | m(u_k)/γ* | 1 − m/γ* | (1 − m/γ*)·ln k | angle to w_SVM (°) |\n");
    table.append("|---|---|---|---|---|---|---|\n");
    StringBuilder never = new StringBuilder();
    List<ChartSpec.Series> ratio = new ArrayList<>();
    List<ChartSpec.Series> angle = new ArrayList<>();
    int run = 0;
    for (String s : sweeps) {
      SweepStore store = SweepStore.open(RunReader.qualify(s, conf).toUri(), conf);
      SweepManifest m = store.read();
      for (SweepManifest.Run r : m.runs()) {
        if (!r.status().equals(SweepManifest.FINISHED)) {
          table.append("| ").append(r.id()).append(" | ").append(r.status()).append(" |\n");
          continue;
        }
        URI dir = store.runDir(r.id());
        RunData d = RunReader.read(dir.toString(), conf, new RunReader.Options(16, 0));
        List<EvalRow> evals = d.evals(EvalRow.TRAIN);
        double maxRatio = Double.NEGATIVE_INFINITY;
        List<double[]> rpts = new ArrayList<>();
        for (EvalRow e : evals) {
          double q = e.normalizedMargin() / gamma;
          if (Double.isFinite(q)) {
            maxRatio = Math.max(maxRatio, q);
            if (e.step() > 0) {
              rpts.add(new double[] {e.step(), q});
            }
          }
        }
        never.append(
            String.format(
                Locale.ROOT,
                "| %s | %.9f | %s |%n",
                r.id(),
                maxRatio,
                maxRatio <= svm.upper() / gamma ? "yes" : "**no**"));
        ratio.add(series(m.sweepId() + "/" + r.id(), run, rpts));
        List<double[]> apts = new ArrayList<>();
        try (RunStore rs = RunStore.open(dir, conf)) {
          for (long k = 100; k <= d.stepsDone(); k *= 10) {
            Optional<Checkpoint> c = rs.readCheckpoint(k);
            EvalRow e = at(evals, k);
            double deg =
                c.map(ch -> Math.toDegrees(HardMarginSvm.angle(ch.theta(), svm.w())))
                    .orElse(Double.NaN);
            if (Double.isFinite(deg)) {
              apts.add(new double[] {k, deg});
            }
            double mu = e == null ? Double.NaN : e.normalizedMargin();
            table.append(
                String.format(
                    Locale.ROOT,
                    "| %s | %d | %.6g | %.6f | %.3e | %.4f | %s |%n",
                    r.id(),
                    k,
                    mu,
                    mu / gamma,
                    1 - mu / gamma,
                    (1 - mu / gamma) * Math.log(k),
                    Double.isFinite(deg) ? String.format(Locale.ROOT, "%.4f", deg) : "—"));
          }
        }
        angle.add(series(m.sweepId() + "/" + r.id(), run, apts));
        run++;
      }
    }
    String report =
        "γ* (hard-margin SVM through the origin) ∈ ["
            + svm.lower()
            + ", "
            + svm.upper()
            + "], "
            + svm.supportVectors()
            + " support vectors, "
            + svm.sweeps()
            + " dual sweeps\n\n"
            + table
            + "\n| run | max_k m(u_k)/γ* | ≤ γ*'s upper bound |\n|---|---|---|\n"
            + never;
    Files.writeString(out.resolve("results.md"), report);
    System.out.println(report);
    ratio.add(
        new ChartSpec.Series(
            "γ* (SVM)",
            run,
            0,
            ChartSpec.Style.DASHED,
            new double[] {1, maxStep(ratio)},
            new double[] {1, 1},
            null,
            null));
    Files.write(
        out.resolve("e1-margin-ratio.png"),
        ChartRenderer.png(
            new ChartSpec(
                "e1-ratio",
                "E1: normalized margin over the SVM margin, m(u_k)/γ*",
                new ChartSpec.Axis("step k (log scale)", true),
                new ChartSpec.Axis("m(u_k)/γ* (dimensionless)", false),
                ratio,
                "Dashed: 1 (the hard-margin SVM).")));
    Files.write(
        out.resolve("e1-angle.png"),
        ChartRenderer.png(
            new ChartSpec(
                "e1-angle",
                "E1: angle between θ_k and w_SVM",
                new ChartSpec.Axis("step k (log scale)", true),
                new ChartSpec.Axis("angle (degrees, log scale)", true),
                angle,
                "From the checkpoints at k = 10², 10³, …")));
  }

  private static double maxStep(List<ChartSpec.Series> series) {
    double m = 10;
    for (ChartSpec.Series s : series) {
      for (double v : s.x()) {
        m = Math.max(m, v);
      }
    }
    return m;
  }

  private static ChartSpec.Series series(String name, int run, List<double[]> pts) {
    double[] xs = new double[pts.size()];
    double[] ys = new double[pts.size()];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = pts.get(i)[0];
      ys[i] = pts.get(i)[1];
    }
    return new ChartSpec.Series(name, run, 0, ChartSpec.Style.LINE, xs, ys, null, null);
  }

  private static EvalRow at(List<EvalRow> evals, long k) {
    for (EvalRow e : evals) {
      if (e.step() == k) {
        return e;
      }
    }
    return null;
  }

  /** Rows as dense arrays, divided by {@code scale} (as x · (1/scale), like the IDX reader). */
  static double[][][] dense(Dataset ds, double scale) {
    int n = (int) ds.rows();
    int p = ds.features();
    double[][] x = new double[n][];
    double[] y = new double[n];
    double inv = 1.0 / scale;
    int i = 0;
    for (RowBlock b : ds.blocks()) {
      DenseBlock d = (DenseBlock) b;
      for (int r = 0; r < d.rows(); r++) {
        double[] row = new double[p];
        for (int j = 0; j < p; j++) {
          double v = d.values()[r * p + j];
          row[j] = scale == 1 ? v : v * inv;
        }
        x[i] = row;
        y[i] = d.labels()[r];
        i++;
      }
    }
    return new double[][][] {x, {y}};
  }
}

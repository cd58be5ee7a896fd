package io.marginflow.spark.cli;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.format.FormatException;
import io.marginflow.common.format.KktReport;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.kkt.KktCheck;
import io.marginflow.common.net.Network;
import io.marginflow.common.svm.HardMarginSvm;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code marginflow kkt} on real runs (Spark local[2], two partitions): a linear model started at
 * the hard-margin SVM direction ({@code --init FILE}, {@link HardMarginSvm} an independent solver)
 * is a KKT direction (residual ~0) and a perturbed one is not; on a trained L = 2 MLP the command's
 * report equals {@link KktCheck} run locally on the same checkpoint and data. A missing checkpoint
 * fails naming it.
 */
class KktCommandIT {

  /** Rounding between Spark's blocks and the local read of the same file. */
  private static final double TOL = 1e-9;

  @TempDir static Path tmp;

  private static Path data;
  private static double[][] x;
  private static double[] y;
  private static HardMarginSvm.Solution svm;

  @BeforeAll
  static void separableData() throws IOException {
    SplittableRandom rnd = new SplittableRandom(5);
    double[] teacher = {1, -2, 0.5, 1, 0.3};
    int n = 240;
    x = new double[n][];
    y = new double[n];
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < n) {
      double[] p = new double[5];
      double dot = 0;
      for (int j = 0; j < 5; j++) {
        p[j] = Math.round(rnd.nextGaussian() * 1000) / 1000.0; // exact in the text file
        dot += p[j] * teacher[j];
      }
      if (Math.abs(dot) > 0.5) {
        x[i] = p;
        y[i] = dot > 0 ? 1 : -1;
        text.append(y[i] > 0 ? "+1" : "-1");
        for (int j = 0; j < 5; j++) {
          text.append(' ').append(j + 1).append(':').append(p[j]);
        }
        text.append('\n');
        i++;
      }
    }
    data = tmp.resolve("separable.libsvm");
    Files.writeString(data, text, StandardCharsets.US_ASCII);
    svm = HardMarginSvm.solve(x, y, 1e-12, 1_000_000, 1);
  }

  private static String[] flags(String dir, String... extra) {
    List<String> f =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--features",
                "5",
                "--partitions",
                "2",
                "--out",
                tmp.resolve(dir).toString(),
                "--eval-every",
                "0",
                "--log-spaced-evals",
                "false"));
    f.addAll(List.of(extra));
    return f.toArray(String[]::new);
  }

  private static TrainJob.Outcome train(String[] flags) throws IOException {
    return TrainJob.run(
        TrainConfig.from(ConfigLoader.parse(flags).settings()), SparkFixture.spark());
  }

  private static Path initFile(String name, double[] w) throws IOException {
    StringBuilder b = new StringBuilder();
    for (double v : w) {
      b.append(v).append('\n');
    }
    return Files.writeString(tmp.resolve(name), b);
  }

  private static KktReport kkt(Path run, String... extra) throws IOException, FormatException {
    Path json = tmp.resolve(run.getFileName() + ".kkt.json");
    List<String> args = new ArrayList<>(List.of("kkt", run.toString(), "--out", json.toString()));
    args.addAll(List.of(extra));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    SparkFixture.spark(); // the command uses the session that exists and leaves it running
    int code =
        MarginflowCli.run(
            args.toArray(String[]::new), new PrintStream(out, true), new PrintStream(err, true));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("KKT residual"), out.toString());
    return KktReport.fromJson(Files.readAllBytes(json), json.toString());
  }

  @Test
  void theSvmDirectionIsKktThroughTheCommandAndAPerturbedOneIsNot() throws Exception {
    assertTrue(svm.certified(1e-12));
    Path atSvm = tmp.resolve("svm");
    train(
        flags(
            "svm",
            "--model",
            "mlp:5-1",
            "--init",
            initFile("w-svm.txt", svm.w()).toString(),
            "--steps",
            "0"));
    KktReport r = kkt(atSvm, "--tolerance", "1e-6");
    assertTrue(r.kktResidual() < 1e-8, "u_SVM: " + r);
    assertClose(svm.lower(), r.minMargin(), 1e-9, 0, "m(u) = γ*");
    assertClose(1, r.eulerCheck(), 1e-8, 0, "L Σ λ p");
    assertEquals(240, r.n());
    assertEquals(0, r.step());

    double[] w = svm.w().clone();
    w[0] += 0.3 * Math.abs(w[1]);
    w[2] -= 0.2 * Math.abs(w[1]);
    Path off = tmp.resolve("perturbed");
    train(
        flags(
            "perturbed",
            "--model",
            "mlp:5-1",
            "--init",
            initFile("w-off.txt", w).toString(),
            "--steps",
            "0"));
    KktReport p = kkt(off);
    assertTrue(p.kktResidual() > 0.05, "a perturbed direction is not KKT: " + p);
  }

  @Test
  void aTwoLayerRunMatchesTheLocalCheckAndAMissingStepIsNamed() throws Exception {
    String[] f =
        flags(
            "mlp",
            "--model",
            "mlp:5-8-1",
            "--sampler",
            "full",
            "--step",
            "1",
            "--steps",
            "300",
            "--checkpoint-every",
            "100");
    TrainJob.Outcome o = train(f);
    Path run = tmp.resolve("mlp");
    KktReport r = kkt(run, "--step", "300", "--tolerance", "0.05", "--top", "3");
    TrainConfig cfg = TrainConfig.from(ConfigLoader.parse(f).settings());
    Network net = LocalTrainer.buildNetwork(cfg, 5);
    Dataset local = LibsvmReader.read(data, 5, false, 64);
    KktReport want =
        KktCheck.check(
            run.toUri().toString(),
            300,
            net,
            cfg.optimizer().loss(),
            o.state().theta(),
            local.blocks(),
            new KktCheck.Options(0.05, 2000, 3));
    assertEquals(2, r.degree());
    assertEquals(want.supportSize(), r.supportSize());
    assertEquals(want.topRows().size(), r.topRows().size());
    for (int i = 0; i < r.topRows().size(); i++) {
      assertEquals(want.topRows().get(i).row(), r.topRows().get(i).row(), "top row " + i);
      assertClose(want.topRows().get(i).lambda(), r.topRows().get(i).lambda(), TOL, TOL, "λ");
    }
    assertClose(want.kktResidual(), r.kktResidual(), TOL, TOL, "KKT residual");
    assertClose(want.minMargin(), r.minMargin(), TOL, 0, "m(u)");
    assertClose(want.gbarResidualRel(), r.gbarResidualRel(), 1e-6, 1e-9, "ḡ residual");
    assertClose(want.alignment(), r.alignment(), TOL, 0, "β");

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        MarginflowCli.run(
            new String[] {"kkt", run.toString(), "--step", "7"},
            new PrintStream(new ByteArrayOutputStream(), true),
            new PrintStream(err, true));
    assertEquals(1, code);
    String msg = err.toString(StandardCharsets.UTF_8);
    assertTrue(msg.contains("no checkpoint at step 7") && msg.contains("mlp"), msg);
    code =
        MarginflowCli.run(
            new String[] {"kkt", run.toString(), "--tolerance", "-1"},
            new PrintStream(new ByteArrayOutputStream(), true),
            new PrintStream(err, true));
    assertEquals(2, code);
    assertTrue(err.toString(StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).contains("tolerance"));
  }
}

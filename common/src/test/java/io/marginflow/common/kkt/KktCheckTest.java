package io.marginflow.common.kkt;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.format.FormatException;
import io.marginflow.common.format.KktReport;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.svm.HardMarginSvm;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.TrainingState;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The KKT check where the answer is known — a linear model on separable data, whose only KKT
 * direction is the hard-margin SVM's ({@link HardMarginSvm}, an independent solver) — and on a
 * trained L = 2 MLP, where Euler's identity ties the fit to the margins.
 */
class KktCheckTest {

  /** The SVM is solved to a certified relative gap of 1e-12; its direction is that accurate. */
  private static final double SVM_GAP = 1e-12;

  private static final Network LINEAR = Network.parse("mlp:5-1");

  /** n separable points in R^5 (a teacher direction with a margin of at least 0.2). */
  private static double[][] points(long seed, int n, double[] labels) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] teacher = {1, -2, 0.5, 1, 0.3};
    double tn = Math.sqrt(6.34);
    double[][] x = new double[n][];
    int i = 0;
    while (i < n) {
      double[] p = new double[5];
      double dot = 0;
      for (int j = 0; j < 5; j++) {
        p[j] = rnd.nextGaussian();
        dot += p[j] * teacher[j] / tn;
      }
      if (Math.abs(dot) > 0.2) {
        x[i] = p;
        labels[i] = dot > 0 ? 1 : -1;
        i++;
      }
    }
    return x;
  }

  private static List<RowBlock> blocks(double[][] x, double[] y, int blockRows) {
    RowBlockBuilder b = new RowBlockBuilder(x[0].length, false, blockRows);
    for (int i = 0; i < x.length; i++) {
      b.addDense(i, y[i], x[i]);
    }
    return b.finish();
  }

  @Test
  void theSvmDirectionOfALinearModelIsKktAndARandomDirectionIsNot() throws FormatException {
    double[] y = new double[300];
    double[][] x = points(3, 300, y);
    HardMarginSvm.Solution svm = HardMarginSvm.solve(x, y, SVM_GAP, 1_000_000, 1);
    assertTrue(svm.certified(SVM_GAP));
    List<RowBlock> data = blocks(x, y, 64);
    KktCheck.Options opts = new KktCheck.Options(1e-6, 1000, 10);
    for (double scale : new double[] {1, 40}) { // the direction is what counts, not ‖θ‖
      double[] theta = svm.w().clone();
      for (int j = 0; j < theta.length; j++) {
        theta[j] *= scale;
      }
      KktReport r = KktCheck.check("svm", 0, LINEAR, Loss.parse("exp"), theta, data, opts);
      assertTrue(r.kktResidual() < 1e-8, "u_SVM is a KKT direction: " + r);
      assertClose(svm.lower(), r.minMargin(), 1e-9, 0, "m(u) is the SVM margin");
      assertClose(1, r.eulerCheck(), 1e-8, 0, "L Σλ p = ⟨Σλa, u⟩ = 1");
      // λ are the dual variables over ‖w‖: λ_i = α_i/‖w‖ (a_i(u) = y_i x_i, u = Σ α_i y_i x_i/‖w‖)
      double wn = Math.sqrt(dot(svm.w(), svm.w()));
      for (KktReport.Row row : r.topRows()) {
        assertClose(svm.alpha()[(int) row.row()] / wn, row.lambda(), 1e-6, 1e-9, "λ of a row");
      }
      assertTrue(r.supportSize() >= 2 && r.supportSize() <= 6, "support vectors: " + r);
      assertEquals(r, KktReport.fromJson(r.toJson(), "round trip"), "JSON round trip");
    }

    SplittableRandom rnd = new SplittableRandom(11);
    for (int trial = 0; trial < 5; trial++) {
      double[] theta = svm.w().clone();
      for (int j = 0; j < theta.length; j++) {
        theta[j] += 0.5 * rnd.nextGaussian() * Math.sqrt(dot(svm.w(), svm.w()) / 5);
      }
      KktReport r =
          KktCheck.check(
              "random",
              0,
              LINEAR,
              Loss.parse("exp"),
              theta,
              data,
              new KktCheck.Options(1e-2, 1000, 5));
      assertTrue(r.kktResidual() > 0.05, "a perturbed direction is not KKT: " + r);
      assertTrue(r.kktResidual() <= 1 + 1e-12, "λ = 0 gives residual 1");
    }
  }

  @Test
  void aTrainedTwoLayerNetworkGivesAConsistentReport() {
    Dataset data =
        new TeacherStudentGenerator(new TeacherStudentConfig(4, 400, 6, 4, 0.1))
            .generate(false, 64);
    TrainConfig cfg =
        TrainConfig.from(
            ConfigLoader.parse(
                    new String[] {
                      "--model",
                      "mlp:6-12-1",
                      "--steps",
                      "2000",
                      "--sampler",
                      "full",
                      "--step",
                      "1",
                      "--eval-every",
                      "0",
                      "--log-spaced-evals",
                      "false",
                      "--checkpoint-every",
                      "0"
                    })
                .settings());
    LocalTrainer trainer = new LocalTrainer(cfg, 6);
    TrainingState end = trainer.run(data, null, new InMemoryRecorder(), null);
    Network net = trainer.network();
    KktCheck.Options opts = new KktCheck.Options(0.05, 400, 400);
    KktReport r =
        KktCheck.check(
            "mlp", end.step(), net, cfg.optimizer().loss(), end.theta(), data.blocks(), opts);
    assertEquals(2, r.degree());
    assertEquals(400, r.n());
    assertTrue(r.minMargin() > 0, "the run separated the data: " + r.minMargin());
    assertTrue(r.supportSize() >= 1);
    assertEquals(r.supportSize(), r.topRows().size());
    double lambdaSum = 0;
    double euler = 0;
    for (KktReport.Row row : r.topRows()) {
      assertTrue(row.lambda() >= 0);
      assertTrue(row.margin() <= r.supportThreshold() * (1 + 1e-12), "row in S: " + row);
      lambdaSum += row.lambda();
      euler += row.lambda() * row.margin();
    }
    assertClose(r.lambdaSum(), lambdaSum, 1e-12, 0, "λ sum");
    assertClose(r.eulerCheck(), 2 * euler, 1e-12, 1e-15, "L Σ λ p");
    // ‖u − v‖ ≥ |1 − ⟨v, u⟩| with ⟨v, u⟩ = L Σ λ p by Euler's identity for a_i(u)
    assertTrue(
        r.kktResidual() >= Math.abs(1 - r.eulerCheck()) - 1e-9,
        "Euler's identity ties the residual to the margins: " + r);
    assertTrue(r.kktResidual() >= 0 && r.kktResidual() <= 1 + 1e-12);
    assertTrue(r.gbarResidualRel() >= 0 && r.gbarResidualRel() <= 1 + 1e-12);
    assertTrue(r.alignment() > 0 && r.alignment() <= 1 + 1e-12);
    // a larger tolerance admits more rows and can only fit better
    KktReport wider =
        KktCheck.check(
            "mlp",
            end.step(),
            net,
            cfg.optimizer().loss(),
            end.theta(),
            data.blocks(),
            new KktCheck.Options(0.5, 400, 0));
    assertTrue(wider.supportSize() >= r.supportSize());
    assertTrue(wider.kktResidual() <= r.kktResidual() + 1e-9);
    assertTrue(wider.topRows().isEmpty());

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                KktCheck.check(
                    "mlp",
                    0,
                    net,
                    cfg.optimizer().loss(),
                    end.theta(),
                    data.blocks(),
                    new KktCheck.Options(1e9, 3, 0)));
    assertTrue(e.getMessage().contains("max-support = 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new KktCheck.Options(-1, 3, 0));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}

package io.marginflow.common.train;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.net.Precision;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.sample.SamplerConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code --precision single} late in training: after separating teacher–student data, θ is scaled
 * so that the smallest margin grows from ≈ 3 to ≈ 1e4 (L = 3). Float margins alone would put a
 * relative error of ≈ 2e-7·p on the loss weights (measured 2.3e-3 at p ≈ 1e4); with the rows that
 * carry the weight evaluated in double the step's subgradient stays within the stated 1e-5 of
 * double at every scale (measured ≤ 9e-7), and its loss frame to 1e-6 (measured 7e-8).
 */
class SinglePrecisionLateStageTest {

  /** The stated per-step tolerance (README, Single precision). */
  private static final double STEP_TOLERANCE = 1e-5;

  @Test
  void subgradientStaysWithinToleranceAtLargeMargins() {
    Dataset data = TrainFixtures.teacher(3, 2000, 20, 512);
    String spec = "mlp:20-64-64-1";
    TrainConfig cfg =
        TrainFixtures.config(
            "--model",
            spec,
            "--sampler",
            "full",
            "--steps",
            "400",
            "--step",
            "1",
            "--eval-every",
            "0",
            "--log-spaced-evals",
            "false");
    TrainingState separated =
        new LocalTrainer(cfg, 20).run(data, null, new InMemoryRecorder(), null);
    Network net = Network.of(NetworkSpec.parse(spec), 0.0);
    Loss loss = Loss.parse("logistic");
    MinibatchSampler full = MinibatchSampler.create(SamplerConfig.parse("full", 1), data.rows(), 1);
    PartitionContext dbl = new PartitionContext(net, loss, full, Precision.DOUBLE);
    PartitionContext single = new PartitionContext(net, loss, full, Precision.SINGLE);
    double largest = 0;
    for (double c : new double[] {1, 4, 16}) {
      double[] theta = Arrays.stream(separated.theta()).map(t -> t * c).toArray();
      BatchGradient d = dbl.batchSum(data.blocks(), 0, theta);
      BatchGradient s = single.batchSum(data.blocks(), 0, theta);
      assertTrue(d.minMargin() > 0, "separated");
      largest = Math.max(largest, d.minMargin());
      String what = "θ·" + c + " (min margin " + d.minMargin() + ")";
      // F is a log: an absolute error of 1e-6 is a relative error of 1e-6 in the loss sum e^F
      assertClose(d.logFrame(), s.logFrame(), 0, 1e-6, what + ": loss frame F");
      double toDouble = Math.exp(s.logFrame() - d.logFrame());
      double[] g = Arrays.stream(s.gradient()).map(v -> v * toDouble).toArray();
      assertVectorClose(d.gradient(), g, STEP_TOLERANCE, 0, what + ": e^F·G");
    }
    assertTrue(largest > 1e3, "margins reached the late-stage range: " + largest);
  }
}

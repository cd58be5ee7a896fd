package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.stats.StepRow;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A step row's {@code wall_ms} is the time of the whole step — the minibatch sum (where a
 * distributed step spends nearly all of its time) and the update — not of the update alone.
 */
class StepWallTimeTest {

  private static final long SUM_NANOS = 20_000_000L;

  @Test
  void wallTimeOfAStepIncludesItsBatchSum() {
    Dataset data = TrainFixtures.teacher(4, 400, 8, 128);
    TrainConfig cfg =
        TrainFixtures.config(
            "--model",
            "mlp:8-4-1",
            "--steps",
            "6",
            "--batch",
            "20",
            "--log-steps-every",
            "1",
            "--eval-every",
            "0",
            "--log-spaced-evals",
            "false",
            "--checkpoint-every",
            "0");
    LocalTrainer trainer = new LocalTrainer(cfg, 8);
    LocalBackend local =
        new LocalBackend(
            trainer.network(),
            cfg.optimizer().loss(),
            MinibatchSampler.create(
                cfg.optimizer().sampler(), data.rows(), TrainingLoop.samplerSeed(cfg)),
            data,
            null,
            null);
    InMemoryRecorder rec = new InMemoryRecorder();
    new TrainingLoop(cfg, trainer.network(), new SlowBatchSums(local), rec)
        .run(TrainingLoop.initialState(cfg, LocalTrainer.initialTheta(cfg, trainer.network())));
    assertEquals(6, rec.steps().size());
    for (StepRow row : rec.steps()) {
      assertTrue(
          row.wallMs() >= SUM_NANOS / 1e6,
          "step " + row.step() + ": wall_ms " + row.wallMs() + " leaves out the batch sum");
    }
  }

  /** The real local backend, with batch sums that take at least {@link #SUM_NANOS}. */
  private record SlowBatchSums(LocalBackend inner) implements TrainingBackend {
    @Override
    public long trainRows() {
      return inner.trainRows();
    }

    @Override
    public BatchGradient batchSum(long step, double[] theta) {
      long until = System.nanoTime() + SUM_NANOS;
      BatchGradient sum = inner.batchSum(step, theta);
      for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
      return sum;
    }

    @Override
    public EvaluationPass evaluate(
        boolean test,
        double[] theta,
        double normPowL,
        double[] previousTheta,
        double previousNormPowL) {
      return inner.evaluate(test, theta, normPowL, previousTheta, previousNormPowL);
    }

    @Override
    public boolean hasTest() {
      return inner.hasTest();
    }

    @Override
    public double logSumLoss(double[] theta) {
      return inner.logSumLoss(theta);
    }

    @Override
    public void snapshotMargins(
        long step, double[] theta, double normPowL, double logSumNegDerivative) {
      inner.snapshotMargins(step, theta, normPowL, logSumNegDerivative);
    }

    @Override
    public String describe() {
      return "local, batch sums slowed to " + SUM_NANOS / 1_000_000 + " ms";
    }
  }
}

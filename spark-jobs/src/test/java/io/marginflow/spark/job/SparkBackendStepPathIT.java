package io.marginflow.spark.job;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.Network;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.spark.job.SparkBackend.StepPath;
import io.marginflow.spark.job.SparkBackend.ThetaShipping;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.RDDBlockId;
import org.junit.jupiter.api.Test;

/** The two ways a step's partition sums reach the driver give the same minibatch sums. */
class SparkBackendStepPathIT {

  /**
   * With three or more partitions treeAggregate folds the partition sums in task completion order,
   * the cached job in partition order: the loss-frame rescaling then rounds differently.
   */
  private static final double ORDER_TOLERANCE = 1e-13;

  @Test
  void autoPicksTheCachedJobOnlyWhereTreeAggregateWouldMergeFlat() {
    assertTrue(SparkBackend.flatMerge(1, 2));
    assertTrue(SparkBackend.flatMerge(2, 2));
    assertTrue(SparkBackend.flatMerge(4, 2));
    assertFalse(SparkBackend.flatMerge(8, 2));
    assertFalse(SparkBackend.flatMerge(64, 3));
  }

  @Test
  void twoPartitionsGiveBitIdenticalSumsOnBothPathsAndBothShippings() throws IOException {
    Fixture f = new Fixture(2);
    for (ThetaShipping ship : ThetaShipping.values()) {
      SparkBackend tree = f.backend(StepPath.TREE_AGGREGATE, ship);
      SparkBackend cached = f.backend(StepPath.CACHED_JOB, ship);
      assertEquals(StepPath.CACHED_JOB, f.backend(StepPath.AUTO, ship).stepPath());
      for (long step = 0; step < 4; step++) {
        double[] theta = f.theta(step);
        assertSame(
            tree.batchSum(step, theta), cached.batchSum(step, theta), "step " + step + " " + ship);
      }
      tree.release();
      cached.release();
    }
  }

  @Test
  void threePartitionsAgreeToRoundingAndTheCachedJobIsDeterministic() throws IOException {
    Fixture f = new Fixture(3);
    SparkBackend tree = f.backend(StepPath.TREE_AGGREGATE, ThetaShipping.CLOSURE);
    SparkBackend cached = f.backend(StepPath.CACHED_JOB, ThetaShipping.BROADCAST);
    for (long step = 0; step < 3; step++) {
      double[] theta = f.theta(step);
      BatchGradient a = tree.batchSum(step, theta);
      BatchGradient b = cached.batchSum(step, theta);
      assertEquals(a.count(), b.count());
      assertClose(a.logFrame(), b.logFrame(), ORDER_TOLERANCE, 0.0, "log frame");
      assertArrayClose(a.gradient(), b.gradient(), ORDER_TOLERANCE, ORDER_TOLERANCE, "gradient");
      assertSame(b, cached.batchSum(step, theta), "repeated step " + step);
    }
    cached.release();
  }

  @Test
  void aLostCachedBlockIsRebuiltFromTheInputAndTheStepGivesTheSameBits() throws IOException {
    Fixture f = new Fixture(2);
    SparkBackend reference = f.backend(StepPath.TREE_AGGREGATE, ThetaShipping.CLOSURE);
    SparkBackend cached = f.backend(StepPath.CACHED_JOB, ThetaShipping.CLOSURE);
    assertSame(reference.batchSum(0, f.theta(0)), cached.batchSum(0, f.theta(0)), "step 0");
    // What an executor loss leaves behind: partition 1's cached block is gone everywhere.
    RDDBlockId lost = new RDDBlockId(f.data.blocks().id(), 1);
    SparkEnv.get().blockManager().removeBlock(lost, true);
    assertTrue(SparkEnv.get().blockManager().master().getLocations(lost).isEmpty(), "removed");
    BatchGradient afterLoss = cached.batchSum(1, f.theta(1));
    assertFalse(SparkEnv.get().blockManager().master().getLocations(lost).isEmpty(), "re-cached");
    assertSame(reference.batchSum(1, f.theta(1)), afterLoss, "step 1 after the loss");
    assertSame(reference.batchSum(2, f.theta(2)), cached.batchSum(2, f.theta(2)), "step 2");
    assertTrue(
        SparkBackend.lostCachedBlock(
            new RuntimeException(
                "Job aborted",
                new IllegalStateException(
                    "io.marginflow.spark.job.CachedBlockReader$MissingCachedBlockException: x"))));
    assertFalse(SparkBackend.lostCachedBlock(new RuntimeException("another failure")));
    assertEquals(
        "MissingCachedBlockException: cached block rdd_5_0 is gone",
        SparkBackend.lostBlockLine(
            new RuntimeException(
                "Job aborted due to stage failure: Task 0 failed\n"
                    + "io.marginflow.spark.job.CachedBlockReader$MissingCachedBlockException: cached"
                    + " block rdd_5_0 is gone\n\tat a.b.C.d(C.java:1)")));
  }

  private static void assertSame(BatchGradient a, BatchGradient b, String what) {
    assertEquals(a.count(), b.count(), what);
    assertEquals(
        Double.doubleToRawLongBits(a.logFrame()), Double.doubleToRawLongBits(b.logFrame()), what);
    assertEquals(
        Double.doubleToRawLongBits(a.logSumNegDerivative()),
        Double.doubleToRawLongBits(b.logSumNegDerivative()),
        what);
    assertEquals(
        Double.doubleToRawLongBits(a.minMargin()), Double.doubleToRawLongBits(b.minMargin()), what);
    assertEquals(
        Double.doubleToRawLongBits(a.weightedMarginSum()),
        Double.doubleToRawLongBits(b.weightedMarginSum()),
        what);
    assertArrayEquals(a.gradient(), b.gradient(), what);
  }

  /** Generated data cached in {@code partitions} partitions and a small MLP. */
  private static final class Fixture {
    final TrainConfig config;
    final IngestedData data;
    final Network network;
    final ModelKey key;

    Fixture(int partitions) throws IOException {
      config =
          RunFiles.config(
              "--generator-rows",
              "900",
              "--generator-features",
              "6",
              "--model",
              "mlp:6-5-1",
              "--batch",
              "50",
              "--partitions",
              "" + partitions,
              "--block-rows",
              "64");
      DataLoader loader = new DataLoader(SparkFixture.jsc(), config);
      data = loader.load(List.of(), List.of(), 6, false, 64, false);
      network = LocalTrainer.buildNetwork(config, 6);
      key =
          new ModelKey(
              network.spec().toString(),
              0.0,
              config.optimizer().loss().name(),
              "iid",
              50,
              data.rows(),
              TrainingLoop.samplerSeed(config),
              "double");
    }

    SparkBackend backend(StepPath path, ThetaShipping ship) {
      return new SparkBackend(
          SparkFixture.jsc(), data.blocks(), null, data.rows(), key, 2, ship, null, path);
    }

    double[] theta(long step) {
      double[] t = LocalTrainer.initialTheta(config, network);
      for (int i = 0; i < t.length; i++) {
        t[i] *= 1.0 + 0.1 * step;
      }
      return t;
    }
  }
}

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.Network;
import io.marginflow.common.stats.MarginSummary;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.Norms;
import io.marginflow.common.train.PartitionContext;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.spark.job.SparkBackend.StepPath;
import io.marginflow.spark.job.SparkBackend.ThetaShipping;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * The distributed full-data evaluation (science.md §5) over cached blocks has the bits of the local
 * evaluation of the same partitions merged in partition order ({@link
 * OrderedTreeAggregate#mergeInOrder}): every summary field, the λ-gradient and the margin change
 * sup, on real sparse data (a9a, CSR blocks, exact quantiles), in float storage, and on generated
 * dense data large enough for the quantile sketch (more than 65,536 margins per partition); with
 * one partition it equals one local pass over all blocks.
 */
class DistributedEvaluationIT {

  private static final String A9A = SharedDatasets.resolve("a9a/a9a.gz").toString();

  @Test
  void a9aInCsrBlocksMatchesTheLocalPassesBitForBit() throws IOException {
    for (int p : new int[] {1, 3}) {
      check(
          p,
          RunFiles.config(
              "--data", A9A, "--features", "123", "--model", "mlp:123-8-1", "--partitions", "" + p),
          123,
          true);
    }
  }

  @Test
  void floatStorageMatchesTheLocalPassesOverTheSameCachedBlocks() throws IOException {
    check(
        2,
        RunFiles.config(
            "--data",
            A9A,
            "--features",
            "123",
            "--model",
            "mlp:123-8-1",
            "--partitions",
            "2",
            "--feature-storage",
            "float"),
        123,
        true);
  }

  @Test
  void sketchedQuantilesOfLargePartitionsMatchTheLocalPasses() throws IOException {
    check(
        2,
        RunFiles.config(
            "--generator-rows",
            "160000",
            "--generator-features",
            "5",
            "--model",
            "mlp:5-6-1",
            "--partitions",
            "2"),
        5,
        false);
  }

  private static void check(int partitions, TrainConfig config, int features, boolean file)
      throws IOException {
    DataLoader loader = new DataLoader(SparkFixture.jsc(), config);
    List<InputFile> files = file ? loader.scan(config.data().trainUris()) : List.of();
    IngestedData data = loader.load(files, config.data().trainUris(), features, file, 1024, false);
    try {
      Network network = LocalTrainer.buildNetwork(config, features);
      ModelKey key = ModelKey.of(config, network, data.rows());
      SparkBackend backend =
          new SparkBackend(
              SparkFixture.jsc(),
              data.blocks(),
              null,
              data.rows(),
              key,
              config.cluster().treeDepth(),
              ThetaShipping.CLOSURE,
              null,
              StepPath.TREE_AGGREGATE);
      double[] previous = LocalTrainer.initialTheta(config, network);
      double[] theta = previous.clone();
      for (int i = 0; i < theta.length; i++) {
        theta[i] *= 1.0 + 0.01 * (i % 7); // a second point, so the margin change is not zero
      }
      double prevNorm = Math.pow(Norms.l2(previous), network.degree());
      double norm = Math.pow(Norms.l2(theta), network.degree());

      EvaluationPass distributed = backend.evaluate(false, theta, norm, previous, prevNorm);

      List<List<RowBlock>> parts = byPartition(data.blocks().collect(), data.rows(), partitions);
      List<EvaluationPass> passes = new ArrayList<>();
      for (List<RowBlock> part : parts) {
        passes.add(
            context(config, network, data.rows()).evaluate(part, theta, norm, previous, prevNorm));
      }
      EvaluationPass local =
          OrderedTreeAggregate.mergeInOrder(
              passes,
              EvaluationPass::merge,
              config.cluster().treeDepth(),
              new EvaluationPass(config.optimizer().loss(), theta.length));
      assertSameBits(local, distributed, "P = " + partitions);
      assertFalse(distributed.marginChangeSup() == 0.0, "the margin change is measured");
      if (partitions == 1) {
        EvaluationPass whole =
            context(config, network, data.rows())
                .evaluate(
                    parts.stream().flatMap(List::stream).toList(), theta, norm, previous, prevNorm);
        assertSameBits(whole, distributed, "one local pass");
      }
      backend.release();
    } finally {
      data.blocks().unpersist(true);
    }
  }

  /** The blocks of each partition: partition i holds the global rows of its range. */
  private static List<List<RowBlock>> byPartition(List<RowBlock> blocks, long n, int partitions) {
    List<List<RowBlock>> parts = new ArrayList<>();
    for (int i = 0; i < partitions; i++) {
      long lo = RangeIndexPartitioner.firstIndex(n, partitions, i);
      long hi = RangeIndexPartitioner.firstIndex(n, partitions, i + 1);
      parts.add(
          blocks.stream()
              .filter(b -> b.rows() > 0 && b.firstRowIndex() >= lo && b.firstRowIndex() < hi)
              .toList());
    }
    assertEquals(
        blocks.stream().filter(b -> b.rows() > 0).count(),
        parts.stream().mapToLong(List::size).sum(),
        "every block lies in one partition's range");
    return parts;
  }

  private static PartitionContext context(TrainConfig config, Network network, long rows) {
    return new PartitionContext(
        network,
        config.optimizer().loss(),
        io.marginflow.common.sample.MinibatchSampler.create(
            config.optimizer().sampler(), rows, TrainingLoop.samplerSeed(config)));
  }

  private static void assertSameBits(EvaluationPass a, EvaluationPass b, String what) {
    double normPowL = 1.0;
    MarginSummary x = a.accumulator().summarize(normPowL);
    MarginSummary y = b.accumulator().summarize(normPowL);
    assertEquals(x.n(), y.n(), what);
    assertBits(x.logLoss(), y.logLoss(), what + ": log_loss");
    assertBits(x.logSumLoss(), y.logSumLoss(), what + ": log_sum_loss");
    assertBits(x.errorRate(), y.errorRate(), what + ": error rate");
    assertBits(x.minMargin(), y.minMargin(), what + ": min margin");
    assertBits(x.maxMargin(), y.maxMargin(), what + ": max margin");
    assertBits(x.smoothedMargin(), y.smoothedMargin(), what + ": smoothed margin");
    assertEquals(
        Objects.toString(x.quantiles()), Objects.toString(y.quantiles()), what + ": quantiles");
    assertArrayEquals(x.nearSupport(), y.nearSupport(), what + ": near support");
    assertBits(x.effectiveSupport(), y.effectiveSupport(), what + ": effective support");
    assertBits(x.logSumNegDerivative(), y.logSumNegDerivative(), what + ": log Σ|ℓ'|");
    assertBits(x.lambdaMargin(), y.lambdaMargin(), what + ": λ-margin");
    assertArrayEquals(x.lambdaGradient(), y.lambdaGradient(), what + ": λ-gradient");
    assertEquals(x.nonFinite(), y.nonFinite(), what + ": non-finite flag");
    assertBits(a.marginChangeSup(), b.marginChangeSup(), what + ": margin change sup");
  }

  private static void assertBits(double expected, double actual, String what) {
    assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(actual), what);
  }
}

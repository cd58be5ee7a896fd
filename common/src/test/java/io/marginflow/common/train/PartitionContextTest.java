package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.sample.SamplerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sorted-run lookup that splits one partition-wide draw among the partition's blocks. */
class PartitionContextTest {

  @Test
  void lowerBoundFindsTheFirstPositionNotBelowTheKey() {
    long[] a = {3, 5, 5, 9, 40, 0, 0}; // only the first 5 entries are in use
    assertEquals(0, PartitionContext.lowerBound(a, 5, 0));
    assertEquals(0, PartitionContext.lowerBound(a, 5, 3));
    assertEquals(1, PartitionContext.lowerBound(a, 5, 4));
    assertEquals(1, PartitionContext.lowerBound(a, 5, 5));
    assertEquals(3, PartitionContext.lowerBound(a, 5, 6));
    assertEquals(4, PartitionContext.lowerBound(a, 5, 40));
    assertEquals(5, PartitionContext.lowerBound(a, 5, 41));
    assertEquals(0, PartitionContext.lowerBound(a, 0, 7));
  }

  /**
   * The rows path ships what gatherBatch returns and sums it elsewhere: the gathered rows are
   * exactly the sampler's members in the partition's range (in order, with their labels and
   * features), and summing them is the step's partition sum, dense and sparse, several block sizes,
   * small and large (block-by-block) batches.
   */
  @Test
  void gatheredRowsAreTheSamplersMembersAndSumToTheStepsPartitionSum() {
    for (boolean sparse : new boolean[] {false, true}) {
      for (int blockRows : new int[] {7, 64, 5000}) {
        for (String kind : new String[] {"iid", "reshuffle", "full"}) {
          int n = 6000;
          int batch = kind.equals("iid") ? 4500 : 90; // 4500 > MAX_GATHERED_ROWS: block by block
          Dataset data = rows(n, 9, blockRows, sparse);
          // A "partition": a contiguous run of blocks in the middle of the data.
          List<RowBlock> all = data.blocks();
          int from = all.size() / 6;
          List<RowBlock> part = all.subList(from, Math.max(from + 1, 5 * all.size() / 6));
          long lo = part.get(0).rowIndex()[0];
          RowBlock last = part.get(part.size() - 1);
          long hi = last.rowIndex()[0] + last.rows();
          Network net = Network.of(NetworkSpec.parse("mlp:9-4-1"), 0.0);
          MinibatchSampler sampler =
              MinibatchSampler.create(SamplerConfig.parse(kind, batch), n, 17L);
          PartitionContext ctx = new PartitionContext(net, Loss.parse("logistic"), sampler);
          double[] theta = new double[net.parameterCount()];
          for (int i = 0; i < theta.length; i++) {
            theta[i] = Math.sin(1.7 * i + 0.3);
          }
          String what = kind + " sparse=" + sparse + " blockRows=" + blockRows;
          for (long step = 0; step < 3; step++) {
            List<RowBlock> gathered = ctx.gatherBatch(part, step);
            long[] expected = sampler.batchInRange(step, lo, hi);
            List<Long> got = new ArrayList<>();
            for (RowBlock g : gathered) {
              for (int r = 0; r < g.rows(); r++) {
                got.add(g.rowIndex()[r]);
                long i = g.rowIndex()[r];
                assertEquals(i % 2 == 0 ? 1.0 : -1.0, g.labels()[r], what + " label of " + i);
              }
            }
            assertArrayEquals(
                expected,
                got.stream().mapToLong(Long::longValue).toArray(),
                what + " step " + step);
            if (expected.length > PartitionContext.MAX_GATHERED_ROWS && part.size() > 1) {
              assertTrue(gathered.size() > 1, what + ": a large batch stays block by block");
            } else {
              assertTrue(gathered.size() <= 1, what + ": a small batch is one gathered block");
            }
            BatchGradient direct = ctx.batchSum(part, step, theta);
            BatchGradient shipped = ctx.sumRows(gathered, theta);
            assertEquals(direct.count(), shipped.count(), what);
            assertEquals(expected.length, shipped.count(), what);
            assertEquals(
                Double.doubleToRawLongBits(direct.logFrame()),
                Double.doubleToRawLongBits(shipped.logFrame()),
                what);
            assertArrayEquals(direct.gradient(), shipped.gradient(), what);
          }
          assertSame(List.of(), ctx.gatherBatch(List.of(), 0));
        }
      }
    }
  }

  /**
   * The rows path's form of the partition sum — the kernel's θ work prepared by another context
   * (another thread's, in the rows path) and the gradient written into a reused buffer full of
   * garbage — has the bits of the plain sum: double and single, MLP and CNN, one gathered block and
   * a large batch summed block by block (the buffer then holds the first block's part only).
   */
  @Test
  void preparedThetaAndAReusedBufferGiveThePlainSumsBits() {
    String[][] models = {
      {"mlp:9-4-1", "9"}, {"cnn:1x3x3-conv2k2-maxpool2-dense3-dense1/bias=first", "9"}
    };
    for (String[] model : models) {
      for (io.marginflow.common.net.Precision precision :
          io.marginflow.common.net.Precision.values()) {
        for (int batch : new int[] {90, 4500}) {
          int n = 6000;
          Dataset data = rows(n, 9, 1000, false);
          Network net = Network.of(NetworkSpec.parse(model[0]), 0.0);
          MinibatchSampler sampler =
              MinibatchSampler.create(SamplerConfig.parse("iid", batch), n, 5L);
          PartitionContext plain = new PartitionContext(net, Loss.parse("exp"), sampler, precision);
          PartitionContext preparer =
              new PartitionContext(
                  Network.of(NetworkSpec.parse(model[0]), 0.0),
                  Loss.parse("exp"),
                  sampler,
                  precision);
          PartitionContext user =
              new PartitionContext(
                  Network.of(NetworkSpec.parse(model[0]), 0.0),
                  Loss.parse("exp"),
                  sampler,
                  precision);
          double[] theta = new double[net.parameterCount()];
          double[] buffer = new double[theta.length];
          String what = model[0] + " " + precision + " batch " + batch;
          for (long step = 0; step < 3; step++) {
            for (int i = 0; i < theta.length; i++) {
              theta[i] = Math.sin(1.7 * i + 0.3 + step);
            }
            java.util.Arrays.fill(buffer, step == 1 ? Double.NaN : -7.0);
            List<RowBlock> gathered = plain.gatherBatch(data.blocks(), step);
            BatchGradient expected = plain.sumRows(gathered, theta);
            io.marginflow.common.net.PreparedTheta prepared = preparer.prepare(theta);
            assertEquals(
                precision == io.marginflow.common.net.Precision.SINGLE
                    && model[0].startsWith("cnn"),
                prepared != null,
                what + ": only the single CNN kernel prepares");
            BatchGradient got = user.sumRows(gathered, theta, prepared, buffer);
            assertEquals(expected.count(), got.count(), what);
            assertEquals(
                Double.doubleToRawLongBits(expected.logFrame()),
                Double.doubleToRawLongBits(got.logFrame()),
                what);
            assertEquals(
                Double.doubleToRawLongBits(expected.weightedMarginSum()),
                Double.doubleToRawLongBits(got.weightedMarginSum()),
                what);
            assertArrayEquals(expected.gradient(), got.gradient(), what + " step " + step);
            assertSame(buffer, got.gradientOrNull(), what + ": the sum holds the buffer");
            assertEquals(false, got.nonFinite(), what);
          }
        }
      }
    }
  }

  /**
   * The rows path's merge: partition sums of the single CNN kernel written into reused buffers full
   * of garbage, with the weights one context prepared, merged in order, have the bits of plain sums
   * merged — whether the partitions ran on two contexts (threads) or one after the other on the
   * same context (more partitions than threads), for two and three partitions, over several steps.
   */
  @Test
  void sumsInReusedBuffersMergeToThePlainMergesBits() {
    String model = "cnn:1x3x3-conv2k2-maxpool2-dense3-dense1/bias=first";
    int n = 3000;
    Dataset data = rows(n, 9, 100, false);
    List<RowBlock> all = data.blocks();
    for (int partitions = 2; partitions <= 3; partitions++) {
      mergeFromBuffers(model, all, n, partitions);
    }
  }

  private static void mergeFromBuffers(String model, List<RowBlock> all, int n, int partitions) {
    MinibatchSampler sampler = MinibatchSampler.create(SamplerConfig.parse("iid", 120), n, 9L);
    java.util.function.Supplier<PartitionContext> context =
        () ->
            new PartitionContext(
                Network.of(NetworkSpec.parse(model), 0.0),
                Loss.parse("logistic"),
                sampler,
                io.marginflow.common.net.Precision.SINGLE);
    PartitionContext plain = context.get();
    PartitionContext[] threads = {context.get(), context.get()};
    int d = plain.network().parameterCount();
    double[][] buffers = new double[partitions][d];
    double[] theta = new double[d];
    for (long step = 0; step < 4; step++) {
      for (int i = 0; i < d; i++) {
        theta[i] = Math.cos(0.9 * i + step);
      }
      BatchGradient expected = new BatchGradient(d);
      BatchGradient got = new BatchGradient(d);
      BatchGradient[] parts = new BatchGradient[partitions];
      io.marginflow.common.net.PreparedTheta prepared = threads[0].prepare(theta);
      for (int p = 0; p < partitions; p++) {
        List<RowBlock> range =
            all.subList(p * all.size() / partitions, (p + 1) * all.size() / partitions);
        List<RowBlock> gathered = plain.gatherBatch(range, step);
        expected.merge(plain.sumRows(gathered, theta));
        java.util.Arrays.fill(buffers[p], Double.NaN);
        // partition p on "thread" p % 2: thread 0 sums partitions 0 and 2 one after the other
        parts[p] = threads[p % 2].sumRows(gathered, theta, prepared, buffers[p]);
      }
      for (BatchGradient part : parts) {
        got.mergeTaking(part);
      }
      assertEquals(expected.count(), got.count());
      assertEquals(
          Double.doubleToRawLongBits(expected.logFrame()),
          Double.doubleToRawLongBits(got.logFrame()));
      assertEquals(false, got.nonFinite(), "step " + step);
      assertArrayEquals(
          expected.gradient(), got.gradient(), partitions + " partitions, step " + step);
    }
  }

  /** n rows of p features (about a third zero), label +1 for even rows, −1 for odd. */
  private static Dataset rows(int n, int p, int blockRows, boolean sparse) {
    RowBlockBuilder b = new RowBlockBuilder(p, sparse, blockRows);
    double[] x = new double[p];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < p; j++) {
        x[j] = (i + j) % 3 == 0 ? 0.0 : Math.cos(0.37 * i + 1.1 * j);
      }
      b.addDense(i, i % 2 == 0 ? 1 : -1, x);
    }
    return Dataset.of("generated", p, b.finish());
  }
}

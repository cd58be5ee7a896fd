package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded synthetic blocks and parameters for the network tests. */
final class NetTestData {

  private NetTestData() {}

  /** rows × p standard normal features, alternating labels. */
  static DenseBlock gaussianBlock(int rows, int p, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] v = new double[rows * p];
    for (int i = 0; i < v.length; i++) {
      v[i] = rnd.nextGaussian();
    }
    return new DenseBlock(rows, p, v, labels(rows), indices(rows));
  }

  /** rows × p CSR with each entry non-zero with probability density (value N(0,1)). */
  static CsrBlock sparseBlock(int rows, int p, double density, long seed) {
    return sparseBlock(rows, p, new SplittableRandom(seed), r -> density);
  }

  /**
   * rows × p CSR whose row r has each entry non-zero with probability {@code density(r)} (value
   * N(0,1)), drawing the densities and entries from {@code rnd}.
   */
  static CsrBlock sparseBlock(
      int rows, int p, SplittableRandom rnd, java.util.function.IntToDoubleFunction density) {
    int[] ptr = new int[rows + 1];
    int[] col = new int[rows * p];
    double[] val = new double[rows * p];
    int nnz = 0;
    for (int r = 0; r < rows; r++) {
      double d = density.applyAsDouble(r);
      for (int j = 0; j < p; j++) {
        if (rnd.nextDouble() < d) {
          col[nnz] = j;
          val[nnz] = rnd.nextGaussian();
          nnz++;
        }
      }
      ptr[r + 1] = nnz;
    }
    return new CsrBlock(
        rows,
        p,
        ptr,
        Arrays.copyOf(col, nnz),
        Arrays.copyOf(val, nnz),
        labels(rows),
        indices(rows));
  }

  /**
   * Bytes this thread allocates while running {@code body} {@code calls} times, after a first round
   * that warms up (workspace growth, JIT): the least over up to {@link #MEASURED_ROUNDS} further
   * rounds, stopping at the first that allocates nothing — Vector API kernels allocate until C2 has
   * compiled them, which on a loaded machine can take more than one round, while a real per-call
   * allocation shows in every round. −1 when the JVM has no per-thread allocation counter.
   */
  static long allocatedAfterWarmUp(int calls, java.util.function.IntConsumer body) {
    java.lang.management.ThreadMXBean bean =
        java.lang.management.ManagementFactory.getThreadMXBean();
    if (!(bean instanceof com.sun.management.ThreadMXBean mx)
        || !mx.isThreadAllocatedMemorySupported()) {
      return -1;
    }
    long tid = Thread.currentThread().getId();
    long allocated = Long.MAX_VALUE;
    for (int round = 0; round <= MEASURED_ROUNDS && allocated > 0; round++) {
      long before = mx.getThreadAllocatedBytes(tid);
      for (int i = 0; i < calls; i++) {
        body.accept(i);
      }
      long bytes = mx.getThreadAllocatedBytes(tid) - before;
      allocated = round == 0 ? Long.MAX_VALUE : Math.min(allocated, bytes);
    }
    return allocated;
  }

  /**
   * Rounds {@link #allocatedAfterWarmUp} measures at most after its warm-up round. Vector API code
   * allocates (boxed vectors) until C2 has compiled it, and in the full suite on 2 busy cores that
   * took more than 5 rounds of a CNN step (CI, session 7: 45 MB in the best of 5 rounds); a real
   * per-call allocation still shows in every one of them.
   */
  static final int MEASURED_ROUNDS = 40;

  /** Row r of a dense block as its own array. */
  static double[] row(DenseBlock block, int r) {
    int p = block.features();
    return Arrays.copyOfRange(block.values(), r * p, (r + 1) * p);
  }

  /** θ with N(0, scale²) entries. */
  static double[] gaussianTheta(int d, double scale, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] theta = new double[d];
    for (int i = 0; i < d; i++) {
      theta[i] = scale * rnd.nextGaussian();
    }
    return theta;
  }

  /** Φ on every row of a block, through the network's block kernel. */
  static double[] forward(Network net, io.marginflow.common.data.RowBlock block, double[] theta) {
    double[] out = new double[block.rows()];
    net.forward(block, theta, net.newWorkspace(), out);
    return out;
  }

  static double[] labels(int rows) {
    double[] y = new double[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = r % 2 == 0 ? 1.0 : -1.0;
    }
    return y;
  }

  static long[] indices(int rows) {
    long[] idx = new long[rows];
    for (int r = 0; r < rows; r++) {
      idx[r] = r;
    }
    return idx;
  }
}

package io.marginflow.common.net;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A workspace's {@link DoubleMaxPool2} with its scratch array and, for the vector pool, its {@link
 * PoolAllocationGuard}: if the vector pool still allocates after warm-up, this workspace continues
 * with the scalar loop (same bits). One per {@link Workspace}; not thread-safe.
 */
final class WatchedDoubleMaxPool2 {
  private static final Logger LOG = LoggerFactory.getLogger(WatchedDoubleMaxPool2.class);

  private DoubleMaxPool2 pool;
  private final long[] scratch;
  private PoolAllocationGuard guard;

  /**
   * {@code pool}, its guard measuring after {@code warmUp} calls and {@code warmUpNanos} since the
   * first (tests pick them).
   */
  WatchedDoubleMaxPool2(DoubleMaxPool2 pool, long warmUp, long warmUpNanos) {
    this.pool = pool;
    this.scratch = new long[pool.scratchSize()];
    this.guard =
        pool instanceof VectorDoubleMaxPool2 && PoolAllocationGuard.available()
            ? new PoolAllocationGuard(warmUp, warmUpNanos)
            : null;
  }

  /** {@link DoubleMaxPool2#plane} of the pool in use. */
  int plane(
      double[] x,
      int p0,
      int origin,
      int inW,
      int outW,
      int outH,
      double[] z,
      int zo,
      int[] argmax,
      int ao,
      byte[] signAt) {
    if (guard == null || !guard.measureNext()) {
      return pool.plane(x, p0, origin, inW, outW, outH, z, zo, argmax, ao, signAt, scratch);
    }
    long before = PoolAllocationGuard.allocatedBytes();
    int done = pool.plane(x, p0, origin, inW, outW, outH, z, zo, argmax, ao, signAt, scratch);
    fallBackIfAllocated(PoolAllocationGuard.allocatedBytes() - before);
    return done;
  }

  /** {@link DoubleMaxPool2#planeValues} of the pool in use. */
  int planeValues(double[] x, int p0, int origin, int inW, int outW, int outH, double[] z, int zo) {
    if (guard == null || !guard.measureNext()) {
      return pool.planeValues(x, p0, origin, inW, outW, outH, z, zo, scratch);
    }
    long before = PoolAllocationGuard.allocatedBytes();
    int done = pool.planeValues(x, p0, origin, inW, outW, outH, z, zo, scratch);
    fallBackIfAllocated(PoolAllocationGuard.allocatedBytes() - before);
    return done;
  }

  private void fallBackIfAllocated(long bytes) {
    if (guard.allocated(bytes)) {
      LOG.warn(
          "The double vector max pool allocated after warm-up in {} of the calls measured: this"
              + " JIT did not make it allocation-free, so this workspace continues with the scalar"
              + " loop (same bits)",
          PoolAllocationGuard.STRIKES);
      pool = new ScalarDoubleMaxPool2();
      guard = null;
    }
  }

  /** The pool implementation in use (the vector one until its guard falls back). */
  String name() {
    return pool.name();
  }
}

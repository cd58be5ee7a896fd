package io.marginflow.common.net;

/**
 * A workspace's {@link DoubleMaxPool2} with its scratch array and, for the vector pool, its {@link
 * PoolAllocationGuard}: if the vector pool still allocates after warm-up, this workspace continues
 * with the scalar loop (same bits). One per {@link Workspace}; not thread-safe.
 */
final class WatchedDoubleMaxPool2 {
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
            ? new PoolAllocationGuard("double vector max pool", warmUp, warmUpNanos)
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
    long start = start();
    int done = pool.plane(x, p0, origin, inW, outW, outH, z, zo, argmax, ao, signAt, scratch);
    fallBackIfAllocated(start);
    return done;
  }

  /** {@link DoubleMaxPool2#planeValues} of the pool in use. */
  int planeValues(double[] x, int p0, int origin, int inW, int outW, int outH, double[] z, int zo) {
    long start = start();
    int done = pool.planeValues(x, p0, origin, inW, outW, outH, z, zo, scratch);
    fallBackIfAllocated(start);
    return done;
  }

  private long start() {
    return guard == null ? -1L : guard.start();
  }

  private void fallBackIfAllocated(long start) {
    if (start >= 0 && guard.fallBackAfter(start)) {
      pool = new ScalarDoubleMaxPool2();
      guard = null;
    }
  }

  /** The pool implementation in use (the vector one until its guard falls back). */
  String name() {
    return pool.name();
  }
}

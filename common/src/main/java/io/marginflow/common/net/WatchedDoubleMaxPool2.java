package io.marginflow.common.net;

/**
 * A workspace's {@link DoubleMaxPool2} with its scratch array and, for the vector pool, a {@link
 * PoolAllocationGuard} per entry point: if the vector pool still allocates after warm-up, this
 * workspace continues with the scalar loop (same bits). The step's pass ({@code plane}) and the
 * values-only pass ({@code planeValues}) are separate code for the JIT, and a training run first
 * calls the values-only pass at its first full evaluation, long after the step's pass has warmed
 * up: one shared guard measured it while it still ran interpreted (where the Vector API allocates)
 * and fell back in benchmark JVMs. One per {@link Workspace}; not thread-safe.
 */
final class WatchedDoubleMaxPool2 {
  private DoubleMaxPool2 pool;
  private final long[] scratch;

  /** The guard of {@link #plane}; null once fallen back or for a scalar pool. */
  private PoolAllocationGuard guard;

  /** The guard of {@link #planeValues}, which counts its own warm-up. */
  private PoolAllocationGuard valuesGuard;

  /**
   * {@code pool}, its guard measuring after {@code warmUp} calls and {@code warmUpNanos} since the
   * first (tests pick them).
   */
  WatchedDoubleMaxPool2(DoubleMaxPool2 pool, long warmUp, long warmUpNanos) {
    this.pool = pool;
    this.scratch = new long[pool.scratchSize()];
    boolean watch = pool instanceof VectorDoubleMaxPool2 && PoolAllocationGuard.available();
    this.guard =
        watch ? new PoolAllocationGuard("double vector max pool", warmUp, warmUpNanos) : null;
    this.valuesGuard =
        watch
            ? new PoolAllocationGuard("double vector max pool (values only)", warmUp, warmUpNanos)
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
      boolean withSign) {
    long start = guard == null ? -1L : guard.start();
    int done = pool.plane(x, p0, origin, inW, outW, outH, z, zo, argmax, ao, withSign, scratch);
    if (start >= 0 && guard.fallBackAfter(start)) {
      fallBack();
    }
    return done;
  }

  /** {@link DoubleMaxPool2#planeValues} of the pool in use. */
  int planeValues(double[] x, int p0, int origin, int inW, int outW, int outH, double[] z, int zo) {
    long start = valuesGuard == null ? -1L : valuesGuard.start();
    int done = pool.planeValues(x, p0, origin, inW, outW, outH, z, zo, scratch);
    if (start >= 0 && valuesGuard.fallBackAfter(start)) {
      fallBack();
    }
    return done;
  }

  /** Both passes continue with the scalar loop, unwatched. */
  private void fallBack() {
    pool = new ScalarDoubleMaxPool2();
    guard = null;
    valuesGuard = null;
  }

  /** The pool implementation in use (the vector one until its guard falls back). */
  String name() {
    return pool.name();
  }
}

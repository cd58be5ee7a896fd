package io.marginflow.common.net;

import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the vector max pool for allocation once it should be compiled: after {@link
 * #WARM_UP_CALLS} row calls and {@link #WARM_UP_NANOS} since the first (C2 compiles in the
 * background, later on a loaded machine), one call in {@link #EVERY} is measured with the thread's
 * allocation counter, and {@link #STRIKES} measured calls that allocated mean this JVM's JIT did
 * not make the Vector API code allocation-free (on JDK 17 it boxes vectors wherever C2 has not
 * inlined all of it), so the kernel should fall back to the scalar loop, which gives the same bits.
 * One per kernel (thread); not thread-safe.
 */
final class PoolAllocationGuard {

  /** Row calls before measuring: Lyu–Li's CNN makes ≈ 70,000 per 100 images, so ≈ 15 steps. */
  static final long WARM_UP_CALLS = 1L << 20;

  /** Time from the first call before measuring: 20 s. */
  static final long WARM_UP_NANOS = 20_000_000_000L;

  /** One measured call in this many. */
  static final int EVERY = 1024;

  /** Measured calls that allocated before the fallback. */
  static final int STRIKES = 3;

  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private static final Logger LOG = LoggerFactory.getLogger(PoolAllocationGuard.class);

  private final String what;
  private final long warmUp;
  private final long warmUpNanos;
  private long calls;
  private long firstCall;
  private boolean warm;
  private int strikes;

  /** A guard that measures after {@code warmUp} calls and {@code warmUpNanos} since the first. */
  PoolAllocationGuard(long warmUp, long warmUpNanos) {
    this("vector max pool", warmUp, warmUpNanos);
  }

  /** As above, naming the watched pool ({@code what}) in its warning. */
  PoolAllocationGuard(String what, long warmUp, long warmUpNanos) {
    this.what = what;
    this.warmUp = warmUp;
    this.warmUpNanos = warmUpNanos;
  }

  /** False when this JVM cannot count a thread's allocated bytes (then nothing is measured). */
  static boolean available() {
    return THREADS != null;
  }

  /** Counts a call; true if this one should be measured. */
  boolean measureNext() {
    if (calls++ == 0) {
      firstCall = System.nanoTime();
    }
    if (calls % EVERY != 0 || THREADS == null) {
      return false;
    }
    warm = warm || (calls > warmUp && System.nanoTime() - firstCall >= warmUpNanos);
    return warm;
  }

  /**
   * Counts a call about to be made: the thread's allocated bytes before it when it is measured,
   * else −1. Pass the result to {@link #fallBackAfter} once the call returned.
   */
  long start() {
    return measureNext() ? allocatedBytes() : -1L;
  }

  /**
   * After a call counted by {@link #start}: true (with a warning logged) when the watched pool has
   * allocated in {@link #STRIKES} measured calls and its owner should continue with the scalar
   * loop.
   */
  boolean fallBackAfter(long start) {
    if (start < 0 || !allocated(allocatedBytes() - start)) {
      return false;
    }
    LOG.warn(
        "The {} allocated after warm-up in {} of the calls measured: this JIT did not make it"
            + " allocation-free, so its owner continues with the scalar loop (same bits)",
        what,
        STRIKES);
    return true;
  }

  /** Bytes this thread has allocated so far. */
  static long allocatedBytes() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }

  /**
   * Records a measured call that allocated {@code bytes}; true when the kernel should fall back.
   */
  boolean allocated(long bytes) {
    if (bytes > 0) {
      strikes++;
    }
    return strikes >= STRIKES;
  }

  private static com.sun.management.ThreadMXBean threads() {
    try {
      if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
          && t.isThreadAllocatedMemorySupported()
          && t.isThreadAllocatedMemoryEnabled()
          && t.getCurrentThreadAllocatedBytes() >= 0) {
        return t;
      }
    } catch (RuntimeException | LinkageError e) {
      // no allocation counter: the guard stays off
    }
    return null;
  }
}

package io.marginflow.common.net;

/**
 * The summation form of every long sum over a parameter-sized vector — norms, inner products, the
 * update's measurements and the layer norms the single-precision kernels scale by: the indices are
 * cut at the multiples of {@link #CHUNK}, each chunk (or, for a layer, each piece of the layer
 * inside one chunk) is summed in index order from 0, and those totals are added left to right from
 * 0. Chunks can then be summed on several threads with the bits of one; a vector of at most one
 * chunk is summed exactly as one loop over it would be.
 */
public final class SumChunks {

  /** Entries per chunk (128 KiB of doubles). */
  public static final int CHUNK = 1 << 14;

  private SumChunks() {}

  /** Number of chunks of a vector of n entries (0 for n = 0). */
  public static int count(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("length: expected ≥ 0, got " + n);
    }
    return (int) (((long) n + CHUNK - 1) / CHUNK);
  }

  /** First index of chunk k. */
  public static int start(int k) {
    return (int) ((long) k * CHUNK);
  }

  /** One past the last index of chunk k of a vector of n entries. */
  public static int end(int k, int n) {
    return (int) Math.min(n, ((long) k + 1) * CHUNK);
  }

  /** The end of the piece that starts at index {@code from} and ends at most at {@code end}. */
  public static int pieceEnd(int from, int end) {
    return (int) Math.min(end, ((long) from / CHUNK + 1) * CHUNK);
  }

  /** 0 + totals[0] + totals[1] + …, left to right. */
  public static double fold(double[] totals) {
    double s = 0;
    for (double t : totals) {
      s += t;
    }
    return s;
  }
}

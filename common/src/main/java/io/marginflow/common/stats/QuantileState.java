package io.marginflow.common.stats;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable quantile state of the finite raw margins: the values themselves while their total count
 * is at most {@link #exactLimit}, a {@link LogBucketQuantileSketch} (fed with the kept values) once
 * it is exceeded, also across merges. Java-serializable: exact values as a trimmed array, the
 * sketch as its plain fields.
 *
 * <p>Quantile rule (both modes): lower nearest rank, q_r = smallest v with #{x ≤ v} ≥ r·n, i.e. the
 * sorted value at index ⌈r·n⌉ − 1 (clamped to 0), computed with integer arithmetic from {@link
 * MarginQuantiles#LEVELS_PER_10K}. In sketch mode the value at that index is estimated within
 * relative error {@link LogBucketQuantileSketch#RELATIVE_ACCURACY} (unless it falls in a collapsed
 * bucket); q0 and q100 are always the exact min and max, supplied by the caller.
 *
 * <p><b>Determinism.</b> Both modes are pure functions of the multiset of values: the exact mode
 * sorts them, and the sketch is a pure function of its multiset, so the sketch after a switch (by
 * add or by merge, in any order) equals the sketch fed all values at once, and the quantiles are
 * bit-identical for every partitioning and merge tree.
 */
final class QuantileState implements Serializable {

  private static final long serialVersionUID = 2L;

  private final int exactLimit;
  private final int maxBucketsPerStore;
  private long count;
  private transient double[] exact;
  private transient int exactCount;
  private LogBucketQuantileSketch sketch;

  /**
   * Exact up to {@code exactLimit} values, then a sketch with {@code maxBucketsPerStore} buckets
   * per sign.
   */
  QuantileState(int exactLimit, int maxBucketsPerStore) {
    this.exactLimit = exactLimit;
    this.maxBucketsPerStore = maxBucketsPerStore;
    this.exact = new double[16];
  }

  /** Number of values added (finite margins). */
  long count() {
    return count;
  }

  /** True while quantiles are exact (no sketch yet). */
  boolean isExact() {
    return sketch == null;
  }

  /**
   * Makes room for {@code extra} more values; switches to the sketch if the limit would be passed.
   */
  void reserve(long extra) {
    if (sketch != null) {
      return;
    }
    long total = count + extra;
    if (total > exactLimit) {
      switchToSketch();
    } else if (total > exact.length) {
      exact = Arrays.copyOf(exact, (int) Math.min(exactLimit, Math.max(total, 2L * exact.length)));
    }
  }

  /** Adds one finite value; {@link #reserve} must have been called for it. */
  void add(double v) {
    assert Double.isFinite(v) : v;
    count++;
    if (sketch != null) {
      sketch.add(v);
    } else {
      exact[exactCount++] = v;
    }
  }

  /** Merges {@code other} into this; {@code other} is unchanged. */
  void merge(QuantileState other) {
    reserve(other.count);
    if (sketch == null) {
      assert other.sketch == null;
      System.arraycopy(other.exact, 0, exact, exactCount, other.exactCount);
      exactCount += other.exactCount;
      count += other.count;
    } else if (other.sketch != null) {
      sketch.merge(other.sketch);
      count += other.count;
    } else {
      for (int i = 0; i < other.exactCount; i++) {
        add(other.exact[i]);
      }
    }
  }

  /**
   * The quantiles divided by {@code scale} (> 0); {@code min}/{@code max} are the exact extremes.
   */
  MarginQuantiles quantiles(double min, double max, double scale) {
    if (count == 0) {
      return MarginQuantiles.NOT_AVAILABLE;
    }
    int[] levels = MarginQuantiles.LEVELS_PER_10K;
    double[] q = new double[levels.length];
    double[] sorted = sketch == null ? selectedExact(levels) : null;
    for (int j = 0; j < levels.length; j++) {
      double v;
      if (levels[j] == 0) {
        v = min;
      } else if (levels[j] == 10_000) {
        v = max;
      } else if (sorted != null) {
        v = sorted[nearestRankIndex(levels[j], count)];
      } else {
        v = sketch.valueAtRank(nearestRankIndex(levels[j], count));
      }
      q[j] = v / scale;
    }
    return MarginQuantiles.of(q);
  }

  /** Index ⌈level·n/10⁴⌉ − 1, clamped to [0, n − 1], in exact integer arithmetic. */
  static int nearestRankIndex(int levelPer10k, long n) {
    long idx = (levelPer10k * n + 9_999) / 10_000 - 1;
    return (int) Math.max(0, Math.min(n - 1, idx));
  }

  /** The sketch, or null in exact mode (for tests). */
  LogBucketQuantileSketch sketchOrNull() {
    return sketch;
  }

  /**
   * A copy of the exact values in which every nearest-rank index of {@code levels} holds the value
   * a full sort would put there (successive quickselects on shrinking ranges: O(n) per level
   * instead of sorting the whole array at every evaluation).
   */
  private double[] selectedExact(int[] levels) {
    double[] s = Arrays.copyOf(exact, exactCount);
    int[] idx =
        Arrays.stream(levels) // 0 and 10⁴ are the min and max, kept elsewhere
            .filter(l -> l > 0 && l < 10_000)
            .map(l -> nearestRankIndex(l, exactCount))
            .sorted()
            .toArray();
    int from = 0;
    for (int k : idx) {
      if (k >= from) {
        OrderStatistics.select(s, from, exactCount, k);
        from = k + 1;
      }
    }
    return s;
  }

  private void switchToSketch() {
    sketch = new LogBucketQuantileSketch(maxBucketsPerStore);
    for (int i = 0; i < exactCount; i++) {
      sketch.add(exact[i]);
    }
    exact = null;
    exactCount = 0;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    out.writeObject(sketch == null ? Arrays.copyOf(exact, exactCount) : null);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    double[] values = (double[]) in.readObject();
    if (sketch != null) {
      if (sketch.count() != count || sketch.maxBucketsPerStore() != maxBucketsPerStore) {
        throw new java.io.InvalidObjectException(
            "quantile sketch: holds "
                + sketch.count()
                + " values with "
                + sketch.maxBucketsPerStore()
                + " buckets per store, expected "
                + count
                + " and "
                + maxBucketsPerStore);
      }
    } else {
      if (values == null || values.length != count) {
        throw new java.io.InvalidObjectException(
            "quantile values: expected "
                + count
                + " values, got "
                + (values == null ? "none" : values.length));
      }
      exact = values.length == 0 ? new double[16] : values;
      exactCount = values.length;
    }
  }
}

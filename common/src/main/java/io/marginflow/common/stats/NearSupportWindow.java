package io.marginflow.common.stats;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The finite raw margins within {@link #WIDTH} = 7·ln 10 of the smallest margin seen so far, to
 * count #{i : p_i < m + j·ln 10}, j = 1..7, for the global minimum m (science.md §5 item 5). The
 * minimum only decreases under add and merge, so values leaving the window never return.
 *
 * <p><b>Bounded memory.</b> At most {@link #EXACT_CAPACITY} values are kept exactly; when more fall
 * in the window (early in training every margin can), the largest of them are moved into a
 * histogram of fixed absolute bins of width {@link #BIN} = WIDTH/1024 (at most ≈ 1,025 bins can lie
 * in the window). The memory, and what an evaluation ships to the driver per partition, is then
 * O(EXACT_CAPACITY + 1,025) whatever n is. Counts are exact while the window holds at most
 * EXACT_CAPACITY values in total; otherwise each count is exact up to the population of the one bin
 * that straddles its threshold (a bin counts when its centre lies below the threshold), i.e. the
 * thresholds are resolved to ±BIN/2 ≈ ±0.008 nats. {@link #exact()} says which.
 *
 * <p>Thresholds are evaluated in double as {@code m + j * LN10}; a value is dropped only when it is
 * above {@code min + WIDTH} for the current min, which is at least the final threshold for j = 7.
 */
final class NearSupportWindow implements Serializable {

  private static final long serialVersionUID = 2L;

  /** Number of near-support counts (j = 1..7). */
  static final int LEVELS = 7;

  /** ln 10 in double, the spacing of the thresholds. */
  static final double LN10 = Math.log(10.0);

  /** Width of the kept window: 7·ln 10. */
  static final double WIDTH = LEVELS * LN10;

  /** Most values kept exactly (per accumulator, so per partition on the wire). */
  static final int EXACT_CAPACITY = 4096;

  /** Width of the histogram bins that hold the values beyond the exact capacity. */
  static final double BIN = WIDTH / 1024;

  private double min = Double.POSITIVE_INFINITY;
  private transient double[] values = new double[16];
  private transient int size;

  /** Bin index ⌊v/BIN⌋ → count, for the values moved out of the exact array. */
  private TreeMap<Long, Long> binned = new TreeMap<>();

  /** Number of values currently kept exactly. */
  int size() {
    return size;
  }

  /** Number of histogram bins in use. */
  int bins() {
    return binned.size();
  }

  /** True when no value had to be binned: the counts are exact. */
  boolean exact() {
    return binned.isEmpty();
  }

  /**
   * Lowers the minimum to {@code newMin} if smaller, dropping values that fall out of the window.
   */
  void lowerMin(double newMin) {
    if (!(newMin < min)) {
      return;
    }
    min = newMin;
    double limit = min + WIDTH;
    int kept = 0;
    for (int i = 0; i < size; i++) {
      double v = values[i];
      if (v <= limit) {
        values[kept++] = v;
      }
    }
    size = kept;
    if (!binned.isEmpty()) {
      // Bins whose every value lies above the limit leave the window.
      binned.tailMap(binOf(limit), false).clear();
    }
  }

  /** Keeps {@code v} if it is within the window; {@link #lowerMin} must already cover it. */
  void offer(double v) {
    assert v >= min : v + " < " + min;
    if (v <= min + WIDTH) {
      if (size == values.length) {
        if (size >= 2 * EXACT_CAPACITY) {
          spill();
        } else {
          values = Arrays.copyOf(values, Math.min(2 * size, 2 * EXACT_CAPACITY));
        }
      }
      values[size++] = v;
    }
  }

  /**
   * Moves all but the EXACT_CAPACITY smallest kept values into the histogram, leaving those sorted
   * (the same array a full sort would leave; only the EXACT_CAPACITY kept ones are sorted).
   */
  private void spill() {
    OrderStatistics.select(values, 0, size, EXACT_CAPACITY);
    Arrays.sort(values, 0, EXACT_CAPACITY);
    // bin indices sorted, then one map update per distinct bin (not one boxed update per value)
    long[] bins = new long[size - EXACT_CAPACITY];
    for (int i = EXACT_CAPACITY; i < size; i++) {
      bins[i - EXACT_CAPACITY] = binOf(values[i]);
    }
    Arrays.sort(bins);
    for (int i = 0; i < bins.length; ) {
      int j = i;
      while (j < bins.length && bins[j] == bins[i]) {
        j++;
      }
      binned.merge(bins[i], (long) (j - i), Long::sum);
      i = j;
    }
    size = EXACT_CAPACITY;
  }

  private static long binOf(double v) {
    return (long) Math.floor(v / BIN);
  }

  /** Merges {@code other} into this; {@code other} is unchanged. */
  void merge(NearSupportWindow other) {
    lowerMin(other.min);
    for (int i = 0; i < other.size; i++) {
      offer(other.values[i]);
    }
    double limit = min + WIDTH;
    for (Map.Entry<Long, Long> e : other.binned.entrySet()) {
      if (e.getKey() * BIN <= limit) {
        binned.merge(e.getKey(), e.getValue(), Long::sum);
      }
    }
  }

  /** The 7 counts #{v : v < min + j·ln 10}, j = 1..7 (zeros if empty). */
  long[] counts() {
    long[] c = new long[LEVELS];
    for (int i = 0; i < size; i++) {
      double v = values[i];
      for (int j = LEVELS; j >= 1 && v < min + j * LN10; j--) {
        c[j - 1]++;
      }
    }
    for (Map.Entry<Long, Long> e : binned.entrySet()) {
      double centre = (e.getKey() + 0.5) * BIN;
      for (int j = LEVELS; j >= 1 && centre < min + j * LN10; j--) {
        c[j - 1] += e.getValue();
      }
    }
    return c;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    if (size > EXACT_CAPACITY) {
      spill(); // ship at most EXACT_CAPACITY exact values
    }
    out.defaultWriteObject();
    out.writeObject(Arrays.copyOf(values, size));
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    double[] kept = (double[]) in.readObject();
    values = kept.length == 0 ? new double[16] : kept;
    size = kept.length;
    if (binned == null) {
      binned = new TreeMap<>();
    }
  }
}

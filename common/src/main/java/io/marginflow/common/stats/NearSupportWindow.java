package io.marginflow.common.stats;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The finite raw margins within {@link #WIDTH} = 7·ln 10 of the smallest margin seen so far, enough
 * to count #{i : p_i < m + j·ln 10}, j = 1..7, exactly for the global minimum m (science.md §5 item
 * 5). The minimum only decreases under add and merge, so values leaving the window never return.
 *
 * <p>Thresholds are evaluated in double as {@code m + j * LN10}; a value is dropped only when it is
 * above {@code min + WIDTH} for the current min, which is at least the final threshold for j = 7,
 * so the counts are exact. Memory: the window holds every margin within 7·ln 10 ≈ 16.1 of the
 * minimum, O(n) doubles in the worst case (all margins bunched, e.g. early in training).
 */
final class NearSupportWindow implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Number of near-support counts (j = 1..7). */
  static final int LEVELS = 7;

  /** ln 10 in double, the spacing of the thresholds. */
  static final double LN10 = Math.log(10.0);

  /** Width of the kept window: 7·ln 10. */
  static final double WIDTH = LEVELS * LN10;

  private double min = Double.POSITIVE_INFINITY;
  private transient double[] values = new double[16];
  private transient int size;

  /** Number of values currently kept. */
  int size() {
    return size;
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
  }

  /** Keeps {@code v} if it is within the window; {@link #lowerMin} must already cover it. */
  void offer(double v) {
    assert v >= min : v + " < " + min;
    if (v <= min + WIDTH) {
      if (size == values.length) {
        values = Arrays.copyOf(values, 2 * size);
      }
      values[size++] = v;
    }
  }

  /** Merges {@code other} into this; {@code other} is unchanged. */
  void merge(NearSupportWindow other) {
    lowerMin(other.min);
    for (int i = 0; i < other.size; i++) {
      offer(other.values[i]);
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
    return c;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    out.writeObject(Arrays.copyOf(values, size));
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    double[] kept = (double[]) in.readObject();
    values = kept.length == 0 ? new double[16] : kept;
    size = kept.length;
  }
}

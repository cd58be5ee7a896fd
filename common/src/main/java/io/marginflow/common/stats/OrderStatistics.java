package io.marginflow.common.stats;

/**
 * In-place selection of order statistics (Hoare's quickselect with a median-of-three pivot), in the
 * total order of {@link Double#compare} — the order {@link java.util.Arrays#sort(double[])} uses
 * (−0.0 before 0.0, NaN last) — so that {@code a[k]} after {@link #select} is bit for bit the value
 * a full sort would put there, in O(n) expected time instead of O(n log n).
 */
final class OrderStatistics {

  private OrderStatistics() {}

  /**
   * Rearranges {@code a[from, to)} so that {@code a[k]} holds the value of rank k − from, every
   * element of [from, k) compares ≤ it and every element of (k, to) compares ≥ it. Modifies {@code
   * a}.
   */
  static void select(double[] a, int from, int to, int k) {
    if (k < from || k >= to) {
      throw new IllegalArgumentException("k: expected in [" + from + ", " + to + "), got " + k);
    }
    int lo = from;
    int hi = to - 1;
    while (hi > lo) {
      if (hi - lo < 16) {
        insertionSort(a, lo, hi);
        return;
      }
      int mid = (lo + hi) >>> 1;
      // median of three into a[mid], then Hoare partition around its value
      if (Double.compare(a[mid], a[lo]) < 0) {
        swap(a, mid, lo);
      }
      if (Double.compare(a[hi], a[lo]) < 0) {
        swap(a, hi, lo);
      }
      if (Double.compare(a[hi], a[mid]) < 0) {
        swap(a, hi, mid);
      }
      double pivot = a[mid];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (Double.compare(a[i], pivot) < 0) {
          i++;
        }
        while (Double.compare(a[j], pivot) > 0) {
          j--;
        }
        if (i <= j) {
          swap(a, i, j);
          i++;
          j--;
        }
      }
      // now [lo, j] ≤ pivot ≤ [i, hi], and (j, i) equals the pivot
      if (k <= j) {
        hi = j;
      } else if (k >= i) {
        lo = i;
      } else {
        return;
      }
    }
  }

  private static void insertionSort(double[] a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
      double v = a[i];
      int j = i - 1;
      while (j >= lo && Double.compare(a[j], v) > 0) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
  }

  private static void swap(double[] a, int i, int j) {
    double t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

package io.marginflow.spark.report;

import java.util.Arrays;

/**
 * Picks at most {@code max} of n ascending abscissae for drawing, so that a chart of 10⁶ steps
 * stays light: one point per equal-width bin of x (or of log x for a log axis), always keeping the
 * first and the last point. Returns indices into the original arrays.
 */
final class Downsample {

  private Downsample() {}

  /**
   * Indices of the points to keep; all of them when n ≤ max. x must be ascending (and > 0 if log).
   */
  static int[] byAbscissa(double[] x, int max, boolean log) {
    int n = x.length;
    if (n <= max) {
      return identity(n);
    }
    double lo = log ? Math.log(x[0]) : x[0];
    double hi = log ? Math.log(x[n - 1]) : x[n - 1];
    double width = (hi - lo) / (max - 1);
    if (!(width > 0)) {
      return byIndex(n, max);
    }
    int[] keep = new int[max + 1];
    int k = 0;
    long lastBin = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      double v = log ? Math.log(x[i]) : x[i];
      long bin = (long) Math.floor((v - lo) / width);
      if (bin != lastBin || i == n - 1) {
        if (k == keep.length) {
          keep[k - 1] = i; // the last slot always ends on the last point
        } else {
          keep[k++] = i;
        }
        lastBin = bin;
      }
    }
    return Arrays.copyOf(keep, k);
  }

  /** About {@code max} indices evenly spaced over 0..n−1, including both ends. */
  static int[] byIndex(int n, int max) {
    if (n <= max) {
      return identity(n);
    }
    int[] keep = new int[max];
    for (int i = 0; i < max; i++) {
      keep[i] = (int) Math.round((double) i * (n - 1) / (max - 1));
    }
    return keep;
  }

  /** The values at the given indices. */
  static double[] take(double[] v, int[] idx) {
    double[] out = new double[idx.length];
    for (int i = 0; i < idx.length; i++) {
      out[i] = v[idx[i]];
    }
    return out;
  }

  private static int[] identity(int n) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    return all;
  }
}

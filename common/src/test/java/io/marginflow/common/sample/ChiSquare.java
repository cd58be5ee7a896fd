package io.marginflow.common.sample;

/**
 * Chi-square uniformity check for inclusion counts of a sampler that picks exactly m of n rows per
 * trial. If row i is included in X_i of T trials with p = m/n, the one-trial indicator covariance
 * is p(1−p)·n/(n−1)·(I − 11ᵀ/n), so Σ(X_i − Tp)² / (T p(1−p) n/(n−1)) is approximately χ² with n −
 * 1 degrees of freedom. Critical values use the Wilson–Hilferty cube-root approximation.
 */
final class ChiSquare {

  /** Significance of each tail: a correct sampler fails one check with probability 2·1e−4. */
  static final double P_VALUE = 1e-4;

  /** Standard normal quantile at 1 − 1e−4. */
  private static final double Z = 3.719016485455709;

  private ChiSquare() {}

  /** The statistic for counts of n rows over {@code trials} trials that each include m rows. */
  static double statistic(long[] counts, long trials, long m) {
    int n = counts.length;
    double p = (double) m / n;
    double expected = trials * p;
    double scale = trials * p * (1 - p) * n / (n - 1.0);
    double s = 0;
    for (long c : counts) {
      s += (c - expected) * (c - expected);
    }
    return s / scale;
  }

  /** The classic Pearson statistic Σ(O − E)²/E for counts with equal expectation (multinomial). */
  static double pearson(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    double e = (double) total / counts.length;
    double s = 0;
    for (long c : counts) {
      s += (c - e) * (c - e) / e;
    }
    return s;
  }

  /** χ²_k quantile at probability 1 − P_VALUE (upper) or P_VALUE (lower). */
  static double critical(int k, boolean upper) {
    double a = 2.0 / (9 * k);
    double z = upper ? Z : -Z;
    double c = 1 - a + z * Math.sqrt(a);
    return k * c * c * c;
  }

  /** True if the statistic lies within both critical values of χ²_k. */
  static boolean plausible(double statistic, int k) {
    return statistic >= critical(k, false) && statistic <= critical(k, true);
  }

  static String describe(double statistic, int k) {
    return String.format(
        "χ²=%.2f with %d d.o.f., accepted range [%.2f, %.2f] (p ≥ %.0e each side)",
        statistic, k, critical(k, false), critical(k, true), P_VALUE);
  }
}

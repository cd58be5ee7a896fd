package io.marginflow.common.loss;

/** Numerically stable log-space helpers (log-sum-exp, softplus, log expm1) in double precision. */
public final class LogSpace {

  private LogSpace() {}

  /** softplus(z) = log(1 + e^z), exact to rounding for all finite z. */
  public static double softplus(double z) {
    if (z > 0) {
      return z + Math.log1p(Math.exp(-z));
    }
    return Math.log1p(Math.exp(z));
  }

  /**
   * log(expm1(S)) given log S, exact for tiny S (where expm1(S) ≈ S(1 + S/2)) and for large S
   * (where it tends to S).
   */
  public static double logExpm1FromLog(double logS) {
    if (logS < -20) {
      double s = Math.exp(logS);
      return logS + Math.log1p(s / 2 + s * s / 6);
    }
    double s = Math.exp(logS);
    if (s > 40) {
      return s + Math.log1p(-Math.exp(-s));
    }
    return Math.log(Math.expm1(s));
  }

  /** log Σ_{i<count} e^{a[i]}; −∞ for count = 0; +∞ if any entry is +∞; NaN if any entry is NaN. */
  public static double logSumExp(double[] a, int count) {
    if (count < 0 || count > a.length) {
      throw new IllegalArgumentException("count: must be in [0, " + a.length + "], got " + count);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      double v = a[i];
      if (Double.isNaN(v)) {
        return Double.NaN;
      }
      if (v > max) {
        max = v;
      }
    }
    if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += Math.exp(a[i] - max);
    }
    return max + Math.log(sum);
  }

  /** log(e^a + e^b), stable; either side may be ±∞ (+∞ wins over −∞); NaN if either is NaN. */
  public static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    if (a == Double.POSITIVE_INFINITY || b == Double.POSITIVE_INFINITY) {
      return a + b; // +∞, or NaN if the other side is NaN (∞ − ∞ would give NaN below)
    }
    double m = Math.max(a, b);
    return m + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
}

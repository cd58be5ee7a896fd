package io.marginflow.common.train;

/** Euclidean norms and inner products of parameter vectors. */
public final class Norms {

  private Norms() {}

  /** ‖v‖₂, computed by plain summation (deterministic order). */
  public static double l2(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return Math.sqrt(s);
  }

  /** ⟨a, b⟩. */
  public static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /**
   * ‖v − (⟨v,w⟩/‖w‖²) w‖: the norm of the part of v orthogonal to w, computed from that vector
   * itself. The Pythagorean form √(‖v‖² − ⟨v,ŵ⟩²) cancels catastrophically when v is nearly
   * parallel to w (it cannot resolve anything below ≈ 1e−8·‖v‖); this one keeps an absolute error
   * of a few ulps of ‖v‖. Returns NaN when w = 0 (no direction).
   */
  public static double perpendicularNorm(double[] v, double[] w) {
    double wSq = 0;
    double vw = 0;
    for (int i = 0; i < w.length; i++) {
      wSq += w[i] * w[i];
      vw += v[i] * w[i];
    }
    if (!(wSq > 0)) {
      return Double.NaN;
    }
    double c = vw / wSq;
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      double r = v[i] - c * w[i];
      s += r * r;
    }
    return Math.sqrt(s);
  }
}

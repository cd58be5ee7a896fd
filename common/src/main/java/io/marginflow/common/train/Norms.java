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
}

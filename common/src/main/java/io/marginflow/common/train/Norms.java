package io.marginflow.common.train;

import io.marginflow.common.net.SumChunks;

/**
 * Euclidean norms and inner products of parameter vectors, each summed in the form of {@link
 * SumChunks} (chunks in index order, chunk totals left to right: deterministic, and the form the
 * update's measurements take on any number of threads).
 */
public final class Norms {

  private Norms() {}

  /** ‖v‖₂ (√⟨v, v⟩: the same sum). */
  public static double l2(double[] v) {
    return Math.sqrt(dot(v, v));
  }

  /** ⟨a, b⟩. */
  public static double dot(double[] a, double[] b) {
    int n = a.length;
    double total = 0;
    for (int k = 0; k < SumChunks.count(n); k++) {
      double s = 0;
      for (int i = SumChunks.start(k); i < SumChunks.end(k, n); i++) {
        s += a[i] * b[i];
      }
      total += s;
    }
    return total;
  }

  /**
   * ‖v − (⟨v,w⟩/‖w‖²) w‖: the norm of the part of v orthogonal to w, computed from that vector
   * itself. The Pythagorean form √(‖v‖² − ⟨v,ŵ⟩²) cancels catastrophically when v is nearly
   * parallel to w (it cannot resolve anything below ≈ 1e−8·‖v‖); this one keeps an absolute error
   * of a few ulps of ‖v‖. Returns NaN when w = 0 (no direction).
   */
  public static double perpendicularNorm(double[] v, double[] w) {
    int n = w.length;
    double wSq = 0;
    double vw = 0;
    for (int k = 0; k < SumChunks.count(n); k++) {
      double ws = 0;
      double vws = 0;
      for (int i = SumChunks.start(k); i < SumChunks.end(k, n); i++) {
        ws += w[i] * w[i];
        vws += v[i] * w[i];
      }
      wSq += ws;
      vw += vws;
    }
    if (!(wSq > 0)) {
      return Double.NaN;
    }
    double c = vw / wSq;
    double total = 0;
    for (int k = 0; k < SumChunks.count(n); k++) {
      double s = 0;
      for (int i = SumChunks.start(k); i < SumChunks.end(k, n); i++) {
        double r = v[i] - c * w[i];
        s += r * r;
      }
      total += s;
    }
    return Math.sqrt(total);
  }
}

package io.marginflow.common.svm;

import java.util.SplittableRandom;

/**
 * The hard-margin SVM through the origin, min ½‖w‖² subject to y_i⟨w, x_i⟩ ≥ 1, solved in the dual
 * max_{α ≥ 0} D(α) = Σ α_i − ½‖Σ α_i y_i x_i‖² by exact coordinate ascent (Hsieh et al., ICML 2008,
 * with C = ∞), rows visited in a seeded random order each sweep. It is the limit of a linear model
 * trained on separable data (science.md §4, Soudry et al. 2018): the reference γ* for experiment
 * E1.
 *
 * <p>Certificate: with w = Σ α_i y_i x_i and m = min_i y_i⟨w, x_i⟩ &gt; 0, the direction w/‖w‖ has
 * margin m/‖w‖ ≤ γ* (γ* is the largest margin), and weak duality D(α) ≤ D* = 1/(2γ*²) gives γ* ≤
 * 1/√(2D(α)). The solver stops when this bracket is narrower than the requested relative gap, so
 * the returned bounds hold whatever the rounding of the iterations. Rows are dense; NaN/Inf
 * features are refused.
 */
public final class HardMarginSvm {

  private HardMarginSvm() {}

  /**
   * The solution and its certificate.
   *
   * @param w the primal direction Σ α_i y_i x_i (not normalized)
   * @param alpha the dual variables (≥ 0)
   * @param lower m/‖w‖, a margin actually achieved: γ* ≥ lower
   * @param upper 1/√(2 D(α)): γ* ≤ upper
   * @param dual D(α)
   * @param primal ½‖w/m‖², the objective of the feasible point w/m (+∞ when m ≤ 0)
   * @param sweeps passes over the data made
   * @param supportVectors rows with α_i &gt; 0
   */
  public record Solution(
      double[] w,
      double[] alpha,
      double lower,
      double upper,
      double dual,
      double primal,
      int sweeps,
      int supportVectors) {

    /** The margin estimate: the midpoint of the certified bracket. */
    public double gamma() {
      return 0.5 * (lower + upper);
    }

    /** The duality gap P − D (≥ 0). */
    public double gap() {
      return primal - dual;
    }

    /** Whether the certified bracket is within the relative tolerance. */
    public boolean certified(double relGap) {
      return lower > 0 && upper - lower <= relGap * lower;
    }
  }

  /**
   * Solves for rows {@code x} (n × p) with labels {@code y} (±1), to a certified relative gap
   * {@code relGap} on γ* or {@code maxSweeps} passes, whichever comes first.
   *
   * @throws IllegalArgumentException on mismatched sizes, a label other than ±1, a non-finite
   *     feature, or an all-zero row (its constraint cannot be met)
   */
  public static Solution solve(double[][] x, double[] y, double relGap, int maxSweeps, long seed) {
    int n = x.length;
    if (n == 0 || y.length != n) {
      throw new IllegalArgumentException("x, y: expected n ≥ 1 rows and n labels");
    }
    if (!(relGap > 0)) {
      throw new IllegalArgumentException("relGap: expected > 0, got " + relGap);
    }
    int p = x[0].length;
    double[] q = new double[n];
    for (int i = 0; i < n; i++) {
      if (x[i].length != p) {
        throw new IllegalArgumentException("x[" + i + "]: expected " + p + " features");
      }
      if (y[i] != 1.0 && y[i] != -1.0) {
        throw new IllegalArgumentException("y[" + i + "]: expected ±1, got " + y[i]);
      }
      for (double v : x[i]) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("x[" + i + "]: non-finite feature " + v);
        }
        q[i] += v * v;
      }
      if (q[i] == 0) {
        throw new IllegalArgumentException("x[" + i + "]: an all-zero row has no margin");
      }
    }
    double[] alpha = new double[n];
    double[] w = new double[p];
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    Solution s = certificate(x, y, w, alpha, 0);
    for (int sweep = 1; sweep <= maxSweeps; sweep++) {
      for (int i = n - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int i : order) {
        double g = 1.0 - y[i] * dot(w, x[i]);
        double next = Math.max(0.0, alpha[i] + g / q[i]);
        double delta = next - alpha[i];
        if (delta != 0) {
          alpha[i] = next;
          double c = delta * y[i];
          double[] xi = x[i];
          for (int k = 0; k < p; k++) {
            w[k] += c * xi[k];
          }
        }
      }
      // w drifts from Σ α_i y_i x_i by rounding: rebuild it before certifying.
      w = primal(x, y, alpha, p);
      s = certificate(x, y, w, alpha, sweep);
      if (s.certified(relGap)) {
        return s;
      }
    }
    return s;
  }

  /** w = Σ α_i y_i x_i. */
  static double[] primal(double[][] x, double[] y, double[] alpha, int p) {
    double[] w = new double[p];
    for (int i = 0; i < x.length; i++) {
      if (alpha[i] != 0) {
        double c = alpha[i] * y[i];
        for (int k = 0; k < p; k++) {
          w[k] += c * x[i][k];
        }
      }
    }
    return w;
  }

  private static Solution certificate(
      double[][] x, double[] y, double[] w, double[] alpha, int sweeps) {
    double norm2 = dot(w, w);
    double sumAlpha = 0;
    int sv = 0;
    for (double a : alpha) {
      sumAlpha += a;
      if (a > 0) {
        sv++;
      }
    }
    double dual = sumAlpha - 0.5 * norm2;
    double m = Double.POSITIVE_INFINITY;
    for (int i = 0; i < x.length; i++) {
      m = Math.min(m, y[i] * dot(w, x[i]));
    }
    double norm = Math.sqrt(norm2);
    double lower = norm > 0 ? m / norm : Double.NEGATIVE_INFINITY;
    double upper = dual > 0 ? 1.0 / Math.sqrt(2 * dual) : Double.POSITIVE_INFINITY;
    double primal = m > 0 ? 0.5 * norm2 / (m * m) : Double.POSITIVE_INFINITY;
    return new Solution(w.clone(), alpha.clone(), lower, upper, dual, primal, sweeps, sv);
  }

  /** The angle in radians between two non-zero vectors. */
  public static double angle(double[] a, double[] b) {
    double c = dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    return Math.acos(Math.max(-1.0, Math.min(1.0, c)));
  }

  /** min_i y_i⟨u, x_i⟩ / ‖u‖: the normalized margin of a linear model u. */
  public static double normalizedMargin(double[][] x, double[] y, double[] u) {
    double m = Double.POSITIVE_INFINITY;
    for (int i = 0; i < x.length; i++) {
      m = Math.min(m, y[i] * dot(u, x[i]));
    }
    return m / Math.sqrt(dot(u, u));
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int k = 0; k < a.length; k++) {
      s += a[k] * b[k];
    }
    return s;
  }
}

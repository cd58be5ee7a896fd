package io.marginflow.common.kkt;

import java.util.Arrays;

/**
 * Non-negative least squares min_{x ≥ 0} ‖b − A x‖ by the Lawson–Hanson active-set method (Lawson
 * &amp; Hanson, <i>Solving Least Squares Problems</i>, 1974, ch. 23), in the normal-equation form
 * of Bro &amp; De Jong (J. Chemometrics 11, 1997): it works on G = AᵀA and c = Aᵀb only, so a
 * problem with few columns (the near-support rows) and a huge number of rows (the parameters of a
 * network) costs one Gram matrix and then O(n³) per iteration.
 *
 * <p>Each outer iteration moves the column with the largest gradient w_j = (c − G x)_j &gt; tol
 * from the zero set to the passive set, solves the unconstrained problem on the passive set
 * (Cholesky of G_PP) and steps back along the segment while a passive coefficient would turn
 * non-positive. A column that is linearly dependent on the passive set (a Cholesky pivot below
 * {@link #DEPENDENT_PIVOT} × the largest diagonal) is left out until a column leaves the passive
 * set: the fit cannot improve through it meanwhile. Inputs are not modified; NaN/Inf are refused.
 */
public final class Nnls {

  /** Relative Cholesky pivot under which a new passive column counts as dependent. */
  public static final double DEPENDENT_PIVOT = 1e-13;

  private Nnls() {}

  /**
   * The solution.
   *
   * @param x the coefficients, all ≥ 0
   * @param iterations outer iterations (columns added)
   * @param dependent columns left out as linearly dependent on the passive set
   */
  public record Solution(double[] x, int iterations, int dependent) {}

  /** Solves min_{x ≥ 0} ‖b − A x‖ for the columns {@code a[j]} (each of length m) and b. */
  public static Solution solveColumns(double[][] columns, double[] b) {
    int n = columns.length;
    double[][] g = new double[n][n];
    double[] c = new double[n];
    for (int j = 0; j < n; j++) {
      if (columns[j].length != b.length) {
        throw new IllegalArgumentException(
            "columns[" + j + "]: length " + columns[j].length + ", b has " + b.length);
      }
      c[j] = dot(columns[j], b);
      for (int k = 0; k <= j; k++) {
        g[j][k] = dot(columns[j], columns[k]);
        g[k][j] = g[j][k];
      }
    }
    return solveGram(g, c);
  }

  /** Solves the problem given by G = AᵀA (symmetric, n × n) and c = Aᵀb. */
  public static Solution solveGram(double[][] g, double[] c) {
    int n = c.length;
    double scale = 0;
    for (int j = 0; j < n; j++) {
      if (g[j].length != n) {
        throw new IllegalArgumentException("g: row " + j + " has length " + g[j].length);
      }
      for (int k = 0; k < n; k++) {
        if (!Double.isFinite(g[j][k])) {
          throw new IllegalArgumentException("g[" + j + "][" + k + "] is " + g[j][k]);
        }
      }
      if (!Double.isFinite(c[j])) {
        throw new IllegalArgumentException("c[" + j + "] is " + c[j]);
      }
      scale = Math.max(scale, g[j][j]);
    }
    double tol = 10 * Math.ulp(1.0) * Math.max(scale, 1e-300) * Math.max(n, 1);
    boolean[] passive = new boolean[n];
    boolean[] excluded = new boolean[n];
    double[] x = new double[n];
    int iterations = 0;
    int dependent = 0;
    int maxIterations = 30 * Math.max(n, 1);
    while (iterations < maxIterations) {
      double[] w = gradient(g, c, x);
      int t = -1;
      double best = tol;
      for (int j = 0; j < n; j++) {
        if (!passive[j] && !excluded[j] && w[j] > best) {
          best = w[j];
          t = j;
        }
      }
      if (t < 0) {
        break;
      }
      iterations++;
      passive[t] = true;
      double[] s = passiveSolve(g, c, passive);
      if (s == null) {
        passive[t] = false;
        excluded[t] = true;
        dependent++;
        continue;
      }
      while (minPassive(s, passive) <= 0) {
        double alpha = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          if (passive[j] && s[j] <= 0) {
            alpha = Math.min(alpha, x[j] / (x[j] - s[j]));
          }
        }
        for (int j = 0; j < n; j++) {
          x[j] += alpha * (s[j] - x[j]);
          if (passive[j] && x[j] <= tol * Math.abs(x[j] + 1)) {
            passive[j] = false;
            x[j] = 0;
            Arrays.fill(excluded, false); // a smaller passive set: every column may help again
          }
        }
        s = passiveSolve(g, c, passive);
        if (s == null) { // cannot happen for a subset of an independent set; stay where we are
          s = x.clone();
          break;
        }
      }
      x = s;
    }
    for (int j = 0; j < n; j++) {
      if (x[j] < 0) {
        x[j] = 0;
      }
    }
    return new Solution(x, iterations, dependent);
  }

  /** ‖b − Σ_j x_j a_j‖, computed from the vectors (no cancellation through the Gram form). */
  public static double residualNorm(double[][] columns, double[] x, double[] b) {
    double[] r = b.clone();
    for (int j = 0; j < columns.length; j++) {
      if (x[j] != 0) {
        for (int i = 0; i < r.length; i++) {
          r[i] -= x[j] * columns[j][i];
        }
      }
    }
    return Math.sqrt(dot(r, r));
  }

  private static double[] gradient(double[][] g, double[] c, double[] x) {
    int n = c.length;
    double[] w = c.clone();
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < n; k++) {
        w[j] -= g[j][k] * x[k];
      }
    }
    return w;
  }

  private static double minPassive(double[] s, boolean[] passive) {
    double m = Double.POSITIVE_INFINITY;
    for (int j = 0; j < s.length; j++) {
      if (passive[j]) {
        m = Math.min(m, s[j]);
      }
    }
    return m;
  }

  /**
   * The least-squares solution restricted to the passive columns (zeros elsewhere) by Cholesky of
   * G_PP, or null when a pivot shows a dependent column.
   */
  private static double[] passiveSolve(double[][] g, double[] c, boolean[] passive) {
    int n = c.length;
    int[] idx = new int[n];
    int p = 0;
    for (int j = 0; j < n; j++) {
      if (passive[j]) {
        idx[p++] = j;
      }
    }
    double[][] l = new double[p][p];
    double maxDiag = 0;
    for (int a = 0; a < p; a++) {
      maxDiag = Math.max(maxDiag, g[idx[a]][idx[a]]);
    }
    for (int a = 0; a < p; a++) {
      for (int bb = 0; bb <= a; bb++) {
        double sum = g[idx[a]][idx[bb]];
        for (int k = 0; k < bb; k++) {
          sum -= l[a][k] * l[bb][k];
        }
        if (a == bb) {
          if (!(sum > DEPENDENT_PIVOT * maxDiag)) {
            return null;
          }
          l[a][a] = Math.sqrt(sum);
        } else {
          l[a][bb] = sum / l[bb][bb];
        }
      }
    }
    double[] z = new double[p];
    for (int a = 0; a < p; a++) {
      double sum = c[idx[a]];
      for (int k = 0; k < a; k++) {
        sum -= l[a][k] * z[k];
      }
      z[a] = sum / l[a][a];
    }
    for (int a = p - 1; a >= 0; a--) {
      double sum = z[a];
      for (int k = a + 1; k < p; k++) {
        sum -= l[k][a] * z[k];
      }
      z[a] = sum / l[a][a];
    }
    double[] s = new double[n];
    Arrays.fill(s, 0.0);
    for (int a = 0; a < p; a++) {
      s[idx[a]] = z[a];
    }
    return s;
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }
}

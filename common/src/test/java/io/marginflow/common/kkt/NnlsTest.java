package io.marginflow.common.kkt;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Lawson–Hanson NNLS against known solutions and against a slow, obviously correct reference: the
 * best of the unconstrained least-squares fits over every subset of columns whose coefficients are
 * all non-negative (Gaussian elimination on each subset's normal equations).
 */
class NnlsTest {

  /** Rounding of a few hundred flops on well-conditioned random data. */
  private static final double TOL = 1e-9;

  @Test
  void aTargetInsideTheConeIsFitExactlyWithItsCoefficients() {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int trial = 0; trial < 20; trial++) {
      int m = 12;
      int n = 5;
      double[][] a = random(rnd, n, m);
      double[] x = new double[n];
      for (int j = 0; j < n; j++) {
        x[j] = j % 2 == 0 ? rnd.nextDouble(0.5, 2) : 0; // some exactly zero
      }
      double[] b = combine(a, x);
      Nnls.Solution s = Nnls.solveColumns(a, b);
      for (int j = 0; j < n; j++) {
        assertClose(x[j], s.x()[j], TOL, TOL, "x[" + j + "]");
      }
      assertTrue(Nnls.residualNorm(a, s.x(), b) < 1e-10 * norm(b));
    }
  }

  @Test
  void agreesWithTheSubsetReferenceAndSatisfiesKkt() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rnd.nextInt(7);
      int m = n + rnd.nextInt(6); // m ≥ n: full column rank almost surely
      double[][] a = random(rnd, n, m);
      double[] b = new double[m];
      for (int i = 0; i < m; i++) {
        b[i] = rnd.nextGaussian();
      }
      Nnls.Solution s = Nnls.solveColumns(a, b);
      double got = Nnls.residualNorm(a, s.x(), b);
      double[] ref = reference(a, b);
      double want = Nnls.residualNorm(a, ref, b);
      assertClose(want, got, TOL, TOL, "trial " + trial + ": residual");
      for (int j = 0; j < n; j++) {
        assertTrue(s.x()[j] >= 0);
        assertClose(ref[j], s.x()[j], 1e-7, 1e-7, "trial " + trial + ": x[" + j + "]");
        // KKT: the gradient Aᵀ(b − Ax) is ≤ 0 on the zero set and 0 on the positive set
        double w = Nnls.dot(a[j], residual(a, s.x(), b));
        if (s.x()[j] > 0) {
          assertClose(0, w, 0, 1e-9 * (1 + norm(b)), "w on the positive set");
        } else {
          assertTrue(w <= 1e-9 * (1 + norm(b)), "w on the zero set: " + w);
        }
      }
    }
  }

  @Test
  void dependentAndDuplicateColumnsAndTheNegativeOrthant() {
    double[][] a = {{1, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}};
    Nnls.Solution s = Nnls.solveColumns(a, new double[] {2, 3, 0});
    assertClose(0, Nnls.residualNorm(a, s.x(), new double[] {2, 3, 0}), 0, 1e-12, "residual");
    assertClose(2, s.x()[0] + s.x()[1] + s.x()[3], 1e-12, 0, "first coordinate");
    // b in the negative orthant: x = 0, residual ‖b‖
    double[] neg = {-1, -2, 0};
    Nnls.Solution z = Nnls.solveColumns(a, neg);
    for (double v : z.x()) {
      assertEquals(0.0, v);
    }
    assertEquals(0, z.iterations());
    assertThrows(
        IllegalArgumentException.class,
        () -> Nnls.solveColumns(new double[][] {{1, Double.NaN}}, new double[] {1, 1}));
    assertThrows(
        IllegalArgumentException.class,
        () -> Nnls.solveColumns(new double[][] {{1, 2}}, new double[] {1, 1, 1}));
  }

  /** The best non-negative unconstrained subset fit (2^n subsets; n ≤ 10). */
  private static double[] reference(double[][] a, double[] b) {
    int n = a.length;
    double[] best = new double[n];
    double bestRes = norm(b);
    for (int mask = 1; mask < (1 << n); mask++) {
      int[] idx = new int[Integer.bitCount(mask)];
      int p = 0;
      for (int j = 0; j < n; j++) {
        if ((mask & (1 << j)) != 0) {
          idx[p++] = j;
        }
      }
      double[][] g = new double[p][p + 1];
      for (int r = 0; r < p; r++) {
        for (int c = 0; c < p; c++) {
          g[r][c] = Nnls.dot(a[idx[r]], a[idx[c]]);
        }
        g[r][p] = Nnls.dot(a[idx[r]], b);
      }
      double[] z = gauss(g);
      boolean ok = z != null;
      for (int r = 0; ok && r < p; r++) {
        ok = z[r] >= 0;
      }
      if (!ok) {
        continue;
      }
      double[] x = new double[n];
      for (int r = 0; r < p; r++) {
        x[idx[r]] = z[r];
      }
      double res = Nnls.residualNorm(a, x, b);
      if (res < bestRes) {
        bestRes = res;
        best = x;
      }
    }
    return best;
  }

  /** Gaussian elimination with partial pivoting on an augmented p × (p+1) matrix. */
  private static double[] gauss(double[][] m) {
    int p = m.length;
    for (int col = 0; col < p; col++) {
      int piv = col;
      for (int r = col + 1; r < p; r++) {
        if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) {
          piv = r;
        }
      }
      if (Math.abs(m[piv][col]) < 1e-14) {
        return null;
      }
      double[] t = m[col];
      m[col] = m[piv];
      m[piv] = t;
      for (int r = col + 1; r < p; r++) {
        double f = m[r][col] / m[col][col];
        for (int c = col; c <= p; c++) {
          m[r][c] -= f * m[col][c];
        }
      }
    }
    double[] z = new double[p];
    for (int r = p - 1; r >= 0; r--) {
      double s = m[r][p];
      for (int c = r + 1; c < p; c++) {
        s -= m[r][c] * z[c];
      }
      z[r] = s / m[r][r];
    }
    return z;
  }

  private static double[][] random(SplittableRandom rnd, int n, int m) {
    double[][] a = new double[n][m];
    for (double[] col : a) {
      for (int i = 0; i < m; i++) {
        col[i] = rnd.nextGaussian();
      }
    }
    return a;
  }

  private static double[] combine(double[][] a, double[] x) {
    double[] b = new double[a[0].length];
    for (int j = 0; j < a.length; j++) {
      for (int i = 0; i < b.length; i++) {
        b[i] += x[j] * a[j][i];
      }
    }
    return b;
  }

  private static double[] residual(double[][] a, double[] x, double[] b) {
    double[] ax = combine(a, x);
    double[] r = new double[b.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = b[i] - ax[i];
    }
    return r;
  }

  private static double norm(double[] v) {
    return Math.sqrt(Nnls.dot(v, v));
  }
}

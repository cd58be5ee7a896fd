package io.marginflow.common.svm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hard-margin SVM solver against hand-checked cases and a slow brute-force reference. */
class HardMarginSvmTest {

  /** Certified relative bracket on γ* asked of the solver. */
  private static final double REL_GAP = 1e-9;

  /**
   * The brute-force reference scans 2^18 directions on the circle: the max-min of sinusoids is
   * found to within |x|·π/2^17 ≈ 7e-5 for |x| ≤ 3√2 (the maximum may sit at a kink).
   */
  private static final double REFERENCE_TOLERANCE = 2e-4;

  @Test
  void twoOrthogonalPointsHaveMarginOneOverRootTwo() {
    // y⟨w,x⟩ ≥ 1 for x1 = (1,0), y = +1 and x2 = (0,1), y = −1: w = (1, −1), γ* = 1/√2.
    HardMarginSvm.Solution s =
        HardMarginSvm.solve(
            new double[][] {{1, 0}, {0, 1}}, new double[] {1, -1}, REL_GAP, 1000, 1);
    assertTrue(s.certified(REL_GAP));
    assertEquals(1 / Math.sqrt(2), s.gamma(), 1e-9);
    assertEquals(1.0, s.w()[0], 1e-9);
    assertEquals(-1.0, s.w()[1], 1e-9);
    assertEquals(2, s.supportVectors());
  }

  @Test
  void aPointThatIsNotASupportVectorGetsNoWeight() {
    // x3 = (3, 0) (y = +1) is farther along the same ray as x1: only x1 and x2 hold the margin.
    HardMarginSvm.Solution s =
        HardMarginSvm.solve(
            new double[][] {{1, 0}, {0, 1}, {3, 0}}, new double[] {1, -1, 1}, REL_GAP, 1000, 2);
    assertEquals(0.0, s.alpha()[2]);
    assertEquals(1 / Math.sqrt(2), s.gamma(), 1e-9);
  }

  @Test
  void agreesWithABruteForceSearchOverDirectionsIn2d() {
    SplittableRandom r = new SplittableRandom(7);
    for (int trial = 0; trial < 10; trial++) {
      double phi = r.nextDouble(0, 2 * Math.PI);
      double[] u = {Math.cos(phi), Math.sin(phi)};
      int n = 3 + r.nextInt(25);
      double[][] x = new double[n][2];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        double t;
        do {
          x[i][0] = r.nextDouble(-3, 3);
          x[i][1] = r.nextDouble(-3, 3);
          t = x[i][0] * u[0] + x[i][1] * u[1];
        } while (Math.abs(t) < 0.05);
        y[i] = Math.signum(t);
      }
      HardMarginSvm.Solution s = HardMarginSvm.solve(x, y, REL_GAP, 1_000_000, trial);
      assertTrue(s.certified(REL_GAP), "trial " + trial + ": " + s.lower() + " .. " + s.upper());
      double reference = bruteForce(x, y);
      assertEquals(reference, s.gamma(), REFERENCE_TOLERANCE, "trial " + trial);
      assertTrue(s.lower() <= s.upper());
      assertTrue(s.gap() >= -1e-12, "weak duality");
      kkt(x, y, s);
    }
  }

  @Test
  void theCertificateBracketsTheMarginOnAHigherDimensionalSet() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 200;
    int p = 30;
    double[] teacher = new double[p];
    for (int k = 0; k < p; k++) {
      teacher[k] = r.nextGaussian();
    }
    double[][] x = new double[n][p];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < p; k++) {
        x[i][k] = r.nextGaussian();
      }
      y[i] = HardMarginSvm.dot(teacher, x[i]) >= 0 ? 1 : -1;
    }
    HardMarginSvm.Solution s = HardMarginSvm.solve(x, y, 1e-8, 1_000_000, 3);
    assertTrue(s.certified(1e-8));
    // No direction beats γ*: the teacher's own margin and random directions stay below the bound.
    assertTrue(HardMarginSvm.normalizedMargin(x, y, teacher) <= s.upper());
    assertEquals(s.lower(), HardMarginSvm.normalizedMargin(x, y, s.w()), 1e-12);
    kkt(x, y, s);
  }

  @Test
  void refusesBadInput() {
    assertThrows(
        IllegalArgumentException.class,
        () -> HardMarginSvm.solve(new double[][] {{1, 0}}, new double[] {0}, 1e-6, 10, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> HardMarginSvm.solve(new double[][] {{0, 0}}, new double[] {1}, 1e-6, 10, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> HardMarginSvm.solve(new double[][] {{Double.NaN, 1}}, new double[] {1}, 1e-6, 10, 1));
  }

  /** KKT: α ≥ 0, and α_i > 0 only on rows at the margin y_i⟨w, x_i⟩ ≈ 1. */
  private static void kkt(double[][] x, double[] y, HardMarginSvm.Solution s) {
    double scale = 1.0 / (s.lower() * Math.sqrt(HardMarginSvm.dot(s.w(), s.w())));
    for (int i = 0; i < x.length; i++) {
      assertTrue(s.alpha()[i] >= 0);
      double margin = y[i] * HardMarginSvm.dot(s.w(), x[i]) * scale;
      if (s.alpha()[i] > 1e-6 * sum(s.alpha())) {
        assertEquals(1.0, margin, 1e-3, "support vector " + i);
      }
    }
  }

  private static double sum(double[] a) {
    double s = 0;
    for (double v : a) {
      s += v;
    }
    return s;
  }

  /** max over 2^18 unit directions of min_i y_i⟨u, x_i⟩. */
  private static double bruteForce(double[][] x, double[] y) {
    int steps = 1 << 18;
    double best = Double.NEGATIVE_INFINITY;
    for (int s = 0; s < steps; s++) {
      double phi = 2 * Math.PI * s / steps;
      double c = Math.cos(phi);
      double sn = Math.sin(phi);
      double m = Double.POSITIVE_INFINITY;
      for (int i = 0; i < x.length && m > best; i++) {
        m = Math.min(m, y[i] * (c * x[i][0] + sn * x[i][1]));
      }
      best = Math.max(best, m);
    }
    return best;
  }
}

package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.SplittableRandom;

/** The single-precision kernels' tests' shared comparison with the double kernel. */
final class SingleVsDouble {

  /**
   * The stated tolerance of {@code --precision single} (README): outputs relative to the largest,
   * the weighted subgradient in norm. Float rounding gives ≈ √k·2⁻²⁴ per layer; measured 5e-7 /
   * 2e-7 on MNIST 784-256-256-1 and 6e-7 / 7e-7 on Lyu–Li's CNN.
   */
  static final double TOLERANCE = 1e-5;

  private SingleVsDouble() {}

  /** Single vs double forward and weighted backward on one block, within {@link #TOLERANCE}. */
  static void compare(Network net, RowBlock block, double[] theta, String what) {
    int rows = block.rows();
    double[] coef = coefficients(rows, 21);
    double[] outD = new double[rows];
    double[] outS = new double[rows];
    double[] gradD = new double[net.parameterCount()];
    double[] gradS = new double[net.parameterCount()];
    StepKernel dbl = StepKernel.of(net.newWorkspace(), Precision.DOUBLE);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    dbl.forward(block, theta, outD);
    dbl.backwardWeighted(block, theta, coef, gradD);
    single.forward(block, theta, outS);
    single.backwardWeighted(block, theta, coef, gradS);
    double largest = Arrays.stream(outD).map(Math::abs).max().orElse(0);
    for (int r = 0; r < rows; r++) {
      assertClose(outD[r], outS[r], 0, TOLERANCE * largest, what + ": Φ row " + r);
    }
    assertVectorClose(gradD, gradS, TOLERANCE, 0, what + ": Σ c_r ∇Φ");
  }

  /**
   * The rows that carry the loss weight (margin within 39 nats of the smallest, |p| above {@link
   * SingleStepKernel#EXACT_ABOVE} + 1) get the double outputs; rows far from it keep float ones,
   * and both kinds occur in {@code block}.
   */
  static void assertNearSupportRowsAreDouble(Network net, RowBlock block, double[] theta) {
    int rows = block.rows();
    double[] d = new double[rows];
    double[] f = new double[rows];
    net.forward(block, theta, net.newWorkspace(), d);
    StepKernel.of(net.newWorkspace(), Precision.SINGLE).forward(block, theta, f);
    double[] y = block.labels();
    double min = Double.POSITIVE_INFINITY;
    for (int r = 0; r < rows; r++) {
      min = Math.min(min, y[r] * d[r]);
    }
    int exact = 0;
    int floatOnly = 0;
    for (int r = 0; r < rows; r++) {
      double p = y[r] * d[r];
      boolean carriesWeight = p < min + 39 && Math.abs(p) > SingleStepKernel.EXACT_ABOVE + 1;
      if (carriesWeight) {
        assertClose(d[r], f[r], 1e-14, 0, "double output for row " + r + " (p = " + p + ")");
        exact++;
      } else if (p > min + 41 && d[r] != f[r]) {
        floatOnly++;
      }
    }
    assertTrue(exact > 0 && floatOnly > 0, "both kinds of rows occur: " + exact + ", " + floatOnly);
  }

  /** Loss-frame-like coefficients: signed, in [−1, 1]. */
  static double[] coefficients(int rows, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] c = new double[rows];
    for (int r = 0; r < rows; r++) {
      c[r] = (rnd.nextBoolean() ? 1 : -1) * rnd.nextDouble();
    }
    return c;
  }
}

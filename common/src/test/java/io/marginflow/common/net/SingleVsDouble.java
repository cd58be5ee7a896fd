package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;

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

package io.marginflow.common.net;

/**
 * The loss coefficients of a weighted backward, rounded to float for the single-precision kernels.
 * They span many orders of magnitude (c_r ∝ e^{−p_r} relative to the block's largest), and float
 * subnormals (below 1.2e-38), which the backward products would create from the small ones, cost a
 * microcode assist per operation on x86: a block with such rows ran its SGEMMs ≈ 10× slower than
 * double. So the coefficients are scaled by a power of two 2^{−e} that brings the largest into [1,
 * 2) (exact; the gradient is multiplied back by 2^e in double), and those below 2^{−64} of the
 * largest — weight below e^{−44}, under float rounding of the sum — are set to 0.
 */
final class FloatCoefficients {

  /** Coefficients below this fraction of the largest are dropped (set to 0). */
  static final double DROP_BELOW = 0x1p-64;

  private FloatCoefficients() {}

  /**
   * Writes out[r] = float(coef[r]·2^{−e}) (0 below {@link #DROP_BELOW} of the largest) for r &lt;
   * rows and returns 2^e, the factor to apply in double; with a NaN or infinite coefficient, the
   * plain float values and 1 (NaN propagates).
   */
  static double toFloat(double[] coef, int rows, float[] out) {
    double largest = 0;
    for (int r = 0; r < rows; r++) {
      largest = Math.max(largest, Math.abs(coef[r]));
    }
    if (!(largest > 0) || !Double.isFinite(largest)) {
      for (int r = 0; r < rows; r++) {
        out[r] = (float) coef[r];
      }
      return 1.0;
    }
    int e = Math.getExponent(largest);
    double floor = Math.scalb(DROP_BELOW, e);
    for (int r = 0; r < rows; r++) {
      double c = coef[r];
      out[r] = Math.abs(c) < floor ? 0f : (float) Math.scalb(c, -e);
    }
    return Math.scalb(1.0, e);
  }
}

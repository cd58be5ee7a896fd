package io.marginflow.common.train;

/**
 * The effective step of the normalized flow (science.md §4–§5.6), in log space: log γ̄ = log γ −
 * log n + (L − 2) log ‖w‖ + log Σ|ℓ'(p_i)|.
 *
 * <p>At the origin the direction u = w/‖w‖ is undefined, and so is γ̄ (for L = 1 the formula gives
 * +∞, for L = 2 the indeterminate 0·log 0): this returns NaN there, and the ODE clock skips such
 * steps (see {@link #clockIncrement}).
 */
public final class EffectiveStep {

  private EffectiveStep() {}

  /**
   * log γ̄ for step size e^{logGamma}, {@code count} rows summed, degree L, parameter norm ‖w‖ and
   * log Σ|ℓ'(p_i)| over those rows; NaN when ‖w‖ = 0 or log γ is NaN.
   */
  public static double log(
      double logGamma, long count, int degree, double norm, double logSumNegDerivative) {
    if (!(norm > 0) || Double.isNaN(logGamma)) {
      return Double.NaN;
    }
    return logGamma - Math.log(count) + (degree - 2) * Math.log(norm) + logSumNegDerivative;
  }

  /** What a step adds to the ODE clock τ: γ̄, or 0 where γ̄ is undefined (NaN). */
  public static double clockIncrement(double logEffectiveStep) {
    return Double.isNaN(logEffectiveStep) ? 0.0 : Math.exp(logEffectiveStep);
  }
}

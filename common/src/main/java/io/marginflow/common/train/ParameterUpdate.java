package io.marginflow.common.train;

/**
 * Applies one SGD step on the driver (science.md §3): w_{k+1} = w_k − (γ/n_b) Σ_{B_k} ℓ'(p_i) a_i =
 * w_k + e^{log γ + F − log n_b}·G, with G and F from {@link BatchGradient}, and measures the step:
 * the two radial terms of the paper's eq. 30 (so that ‖w_{k+1}‖² = ‖w_k‖² + radialLossTerm +
 * radialStepTerm exactly up to rounding), ‖Δ‖ and its tangential part ‖(I − u uᵀ)Δ‖/‖w‖.
 */
public final class ParameterUpdate {

  private ParameterUpdate() {}

  /**
   * What a step did.
   *
   * @param logGamma log γ_k
   * @param normBefore ‖w_k‖
   * @param radialLossTerm −(2Lγ/n_b)‖w_k‖^L Σ ℓ'(p_i) p_i(u_k) = 2L·e^{logScale}·Σ e^{s_i−F} p_i
   * @param radialStepTerm (γ/n_b)²‖Σ ℓ'(p_i) a_i‖² = ‖Δ‖²
   * @param stepNorm ‖Δ‖
   * @param tangentialStep ‖Δ − ⟨Δ,u⟩u‖/‖w_k‖
   * @param logEffectiveStep log of the minibatch estimate (γ/n_b)‖w‖^{L−2} Σ_B|ℓ'(p_i)| of γ̄_k
   * @param thetaFinite whether every entry of w_{k+1} is finite (checked in the update's pass)
   */
  public record Result(
      double logGamma,
      double normBefore,
      double radialLossTerm,
      double radialStepTerm,
      double stepNorm,
      double tangentialStep,
      double logEffectiveStep,
      boolean thetaFinite) {}

  /**
   * Updates {@code theta} in place (it is the only argument modified) and returns the step's
   * measurements. {@code batchSize} is n_b (the number of rows summed), {@code degree} is L.
   */
  public static Result apply(double[] theta, BatchGradient sum, double logGamma, int degree) {
    long nb = sum.count();
    if (nb == 0) {
      throw new IllegalStateException("empty minibatch: no rows were summed");
    }
    double logScale = logGamma + sum.logFrame() - Math.log(nb);
    double scale = Math.exp(logScale);
    double[] g = sum.gradient();
    // Two passes over θ and G instead of five (the driver's per-step cost on large models; sums
    // like these are bound by the latency of their adds, so three in one loop cost one): each sum
    // runs over j in the order of its one-sum form — ‖θ‖², ‖G‖², and ⟨G,θ⟩ and ‖G − cθ‖² as
    // Norms#perpendicularNorm(G, θ) forms them, whose ‖w‖² is ‖θ‖² — so the bits are the same.
    double normSq = 0;
    double gSq = 0;
    double gTheta = 0;
    for (int j = 0; j < theta.length; j++) {
      normSq += theta[j] * theta[j];
      gSq += g[j] * g[j];
      gTheta += g[j] * theta[j];
    }
    double norm = Math.sqrt(normSq);
    double stepSq = scale * scale * gSq;
    double stepNorm = Math.sqrt(stepSq);
    // ‖Δ − ⟨Δ,u⟩u‖ = scale·‖G − ⟨G,u⟩u‖, from the orthogonal part itself (no cancellation as Δ
    // turns radial, which is exactly the late stage), summed in the pass that updates θ.
    double c = gTheta / normSq;
    double perpSq = 0;
    double zeroUnlessNonFinite = 0; // w·0 is NaN exactly for NaN and ±∞, and NaN sticks
    for (int j = 0; j < theta.length; j++) {
      double r = g[j] - c * theta[j];
      perpSq += r * r;
      theta[j] += scale * g[j];
      zeroUnlessNonFinite += theta[j] * 0.0;
    }
    double tangential = norm > 0 ? scale * Math.sqrt(perpSq) : Double.NaN;
    double radialLoss = 2.0 * degree * scale * sum.weightedMarginSum();
    double logEff = EffectiveStep.log(logGamma, nb, degree, norm, sum.logSumNegDerivative());
    return new Result(
        logGamma,
        norm,
        radialLoss,
        stepSq,
        stepNorm,
        tangential / norm,
        logEff,
        zeroUnlessNonFinite == 0.0);
  }
}

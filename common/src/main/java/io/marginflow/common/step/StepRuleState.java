package io.marginflow.common.step;

/**
 * The step rule's state, saved in every checkpoint (style.md: hyper-parameters and state are kept
 * apart). All quantities that can leave the double range are logs.
 *
 * @param step the step counter k; it keeps increasing across loss-based rollbacks, so step numbers
 *     in metrics are monotone even though the parameters roll back
 * @param logAlpha log α: log γ for constant and vanishing (informative only), log α_t for
 *     loss-based
 * @param referenceLogLoss loss-based: log 𝓛 of the parameters the current epoch started from (the
 *     loss the epoch must beat and the denominator of η); NaN when not used (constant, vanishing)
 *     or not yet measured (before the first full evaluation)
 * @param epochs loss-based: number of accepted epochs; 0 otherwise
 * @param rollbacks loss-based: number of rolled-back epochs; 0 otherwise
 */
public record StepRuleState(
    long step, double logAlpha, double referenceLogLoss, long epochs, long rollbacks)
    implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** Validates counters ≥ 0, log α finite, reference log loss finite or NaN. */
  public StepRuleState {
    if (step < 0) {
      throw new IllegalArgumentException("step: must be ≥ 0, got " + step);
    }
    if (epochs < 0 || rollbacks < 0) {
      throw new IllegalArgumentException(
          "epochs, rollbacks: must be ≥ 0, got " + epochs + ", " + rollbacks);
    }
    if (!Double.isFinite(logAlpha)) {
      throw new IllegalArgumentException("logAlpha: must be finite, got " + logAlpha);
    }
    if (Double.isInfinite(referenceLogLoss)) {
      throw new IllegalArgumentException(
          "referenceLogLoss: must be finite (or NaN when unset), got " + referenceLogLoss);
    }
  }

  /**
   * The state at step 0: log α = log of the base step, no reference loss yet. A loss-based run must
   * then set the full log loss of w_0 with {@link #withReferenceLogLoss} (or use {@link
   * #initial(StepRuleConfig, double)}) before its first step.
   */
  public static StepRuleState initial(StepRuleConfig config) {
    return new StepRuleState(0, Math.log(config.baseStep()), Double.NaN, 0, 0);
  }

  /** The state at step 0 of a loss-based run whose initial full log loss is known. */
  public static StepRuleState initial(StepRuleConfig config, double initialFullLogLoss) {
    return initial(config).withReferenceLogLoss(initialFullLogLoss);
  }

  /** A copy with the given reference log loss. */
  public StepRuleState withReferenceLogLoss(double logLoss) {
    return new StepRuleState(step, logAlpha, logLoss, epochs, rollbacks);
  }

  /** True when a reference log loss has been set. */
  public boolean hasReferenceLogLoss() {
    return !Double.isNaN(referenceLogLoss);
  }
}

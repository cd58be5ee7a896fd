package io.marginflow.common.step;

/** Vanishing steps γ_k = γ/(k+1)^p with p ∈ (0, 1] (paper App. F). */
public record VanishingStep(double gamma, double power) implements StepRuleConfig {

  private static final long serialVersionUID = 1L;

  /** Validates γ finite and &gt; 0, and p ∈ (0, 1]. */
  public VanishingStep {
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException("step: gamma must be finite and > 0, got " + gamma);
    }
    if (!(power > 0 && power <= 1)) {
      throw new IllegalArgumentException(
          "schedule: vanishing power P must be in (0, 1], got " + power);
    }
  }

  @Override
  public String describe() {
    return "vanishing:" + power;
  }

  @Override
  public double baseStep() {
    return gamma;
  }

  @Override
  public boolean lossBased() {
    return false;
  }
}

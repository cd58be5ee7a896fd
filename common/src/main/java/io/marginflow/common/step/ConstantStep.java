package io.marginflow.common.step;

/** The paper's constant step γ_k = γ. */
public record ConstantStep(double gamma) implements StepRuleConfig {

  private static final long serialVersionUID = 1L;

  /** Validates γ finite and &gt; 0. */
  public ConstantStep {
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException("step: gamma must be finite and > 0, got " + gamma);
    }
  }

  @Override
  public String describe() {
    return "constant";
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

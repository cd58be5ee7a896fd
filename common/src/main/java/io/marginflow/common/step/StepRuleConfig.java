package io.marginflow.common.step;

import java.util.Locale;

/**
 * The step-size schedule (science.md §3), parsed from the {@code schedule} key plus the {@code
 * step} value γ:
 *
 * <ul>
 *   <li>{@code constant}: γ_k = γ (the paper);
 *   <li>{@code vanishing:P}, P ∈ (0, 1]: γ_k = γ/(k+1)^P (paper App. F);
 *   <li>{@code loss-based} (Lyu–Li): η_t = α_t/𝓛(previous epoch) with α_0 = γ (default {@value
 *       LossBasedStep#DEFAULT_ALPHA0} when γ is not given, i.e. NaN), α ×2^{1/5} after an accepted
 *       epoch, ÷2^{1/10} and the epoch rolled back otherwise. Non-default factors are written
 *       {@code loss-based:up=U,down=D}. A different algorithm from the paper's SGD: outputs must
 *       say so.
 * </ul>
 */
public sealed interface StepRuleConfig extends java.io.Serializable
    permits ConstantStep, VanishingStep, LossBasedStep {

  /**
   * Parses a schedule. {@code gamma} is γ for constant and vanishing (required: finite, &gt; 0) and
   * α_0 for loss-based (NaN means the default 0.1).
   *
   * @throws IllegalArgumentException naming {@code schedule} or {@code step} and what is allowed
   */
  static StepRuleConfig parse(String schedule, double gamma) {
    String s = schedule == null ? "" : schedule.trim().toLowerCase(Locale.ROOT);
    if (s.equals("constant")) {
      return new ConstantStep(requireGamma(gamma, s));
    }
    if (s.startsWith("vanishing:")) {
      String p = s.substring("vanishing:".length()).trim();
      double power;
      try {
        power = Double.parseDouble(p);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "schedule: vanishing:P needs a number P in (0, 1], got '" + schedule + "'", e);
      }
      return new VanishingStep(requireGamma(gamma, "vanishing"), power);
    }
    if (s.equals("loss-based") || s.startsWith("loss-based:")) {
      double alpha0 = Double.isNaN(gamma) ? LossBasedStep.DEFAULT_ALPHA0 : gamma;
      if (s.equals("loss-based")) {
        return new LossBasedStep(alpha0);
      }
      return LossBasedStep.parseFactors(alpha0, s.substring("loss-based:".length()), schedule);
    }
    throw new IllegalArgumentException(
        "schedule: expected constant | vanishing:P (P in (0, 1]) | loss-based, got '"
            + schedule
            + "'");
  }

  private static double requireGamma(double gamma, String schedule) {
    if (!(gamma > 0) || Double.isInfinite(gamma)) {
      throw new IllegalArgumentException(
          "step: schedule " + schedule + " needs a finite step γ > 0, got " + gamma);
    }
    return gamma;
  }

  /**
   * The canonical schedule string: {@code parse(describe(), baseStep())} equals this config (for
   * loss-based: with its abort and stop limits off, as they have keys of their own).
   */
  String describe();

  /** γ for constant and vanishing, α_0 for loss-based: the value of the {@code step} key. */
  double baseStep();

  /** True for Lyu–Li's loss-based rule, which needs full-loss evaluations and epoch rollbacks. */
  boolean lossBased();
}

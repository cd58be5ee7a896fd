package io.marginflow.common.step;

/**
 * Lyu–Li's loss-based learning rate: η_t = α_t/𝓛(previous epoch); after each epoch α is multiplied
 * by {@code increase} if the full loss decreased, otherwise the epoch is rolled back and α is
 * divided by {@code decrease}. Defaults α_0 = 0.1, increase 2^{1/5}, decrease 2^{1/10}.
 *
 * <p>Lyu–Li's code has two more options, both off by default (config keys {@code abort-batch-loss}
 * and {@code min-alpha}): an epoch in which a batch loss (1/n_b) Σ_{B_k} ℓ(p_i) at the current θ —
 * the step row's {@code batch_log_loss}, exponentiated — exceeds {@code abortBatchLoss} is
 * abandoned at once and rolled back exactly as a failed epoch (α ÷ decrease); and the run stops
 * cleanly once α &lt; {@code minAlpha}. Their MNIST values are 600 and 1e−50.
 *
 * @param alpha0 α_0
 * @param increase factor on an accepted epoch
 * @param decrease divisor on a rolled-back (or aborted) epoch
 * @param abortBatchLoss abort the epoch when a batch loss exceeds this; +∞ (the default) never
 * @param minAlpha stop the run when α falls below this; 0 (the default) never
 */
public record LossBasedStep(
    double alpha0, double increase, double decrease, double abortBatchLoss, double minAlpha)
    implements StepRuleConfig {

  private static final long serialVersionUID = 1L;

  /** Lyu–Li's α_0. */
  public static final double DEFAULT_ALPHA0 = 0.1;

  /** Lyu–Li's factor on acceptance, 2^{1/5}. */
  public static final double DEFAULT_INCREASE = Math.pow(2, 0.2);

  /** Lyu–Li's divisor on rollback, 2^{1/10}. */
  public static final double DEFAULT_DECREASE = Math.pow(2, 0.1);

  /**
   * Validates α_0 finite &gt; 0, increase finite ≥ 1, decrease finite &gt; 1, abortBatchLoss &gt; 0
   * (+∞ allowed), minAlpha finite ≥ 0.
   */
  public LossBasedStep {
    if (!(alpha0 > 0) || Double.isInfinite(alpha0)) {
      throw new IllegalArgumentException(
          "step: loss-based alpha0 must be finite and > 0, got " + alpha0);
    }
    if (!(increase >= 1) || Double.isInfinite(increase)) {
      throw new IllegalArgumentException(
          "schedule: loss-based increase (up) must be finite and ≥ 1, got " + increase);
    }
    if (!(decrease > 1) || Double.isInfinite(decrease)) {
      throw new IllegalArgumentException(
          "schedule: loss-based decrease (down) must be finite and > 1, got " + decrease);
    }
    if (!(abortBatchLoss > 0)) {
      throw new IllegalArgumentException(
          "abort-batch-loss: must be > 0 (Infinity: never abort), got " + abortBatchLoss);
    }
    if (!(minAlpha >= 0) || Double.isInfinite(minAlpha)) {
      throw new IllegalArgumentException(
          "min-alpha: must be finite and ≥ 0 (0: never stop), got " + minAlpha);
    }
  }

  /** The rule with the given factors and neither abort nor stop. */
  public LossBasedStep(double alpha0, double increase, double decrease) {
    this(alpha0, increase, decrease, Double.POSITIVE_INFINITY, 0);
  }

  /** Lyu–Li's rule with the given α_0 and the default factors. */
  public LossBasedStep(double alpha0) {
    this(alpha0, DEFAULT_INCREASE, DEFAULT_DECREASE);
  }

  /** A copy with the given abort threshold (+∞: never) and minimum α (0: never stop). */
  public LossBasedStep withLimits(double abortBatchLoss, double minAlpha) {
    return new LossBasedStep(alpha0, increase, decrease, abortBatchLoss, minAlpha);
  }

  /** True if an epoch is aborted when a batch's log loss {@code batchLogLoss} is this high. */
  public boolean abortsOn(double batchLogLoss) {
    return batchLogLoss > Math.log(abortBatchLoss);
  }

  /** True if the run stops at log α = {@code logAlpha}. */
  public boolean stopsAt(double logAlpha) {
    return logAlpha < Math.log(minAlpha);
  }

  /** Lyu–Li's rule with all defaults. */
  public static LossBasedStep defaults() {
    return new LossBasedStep(DEFAULT_ALPHA0);
  }

  /**
   * {@code loss-based} for the default factors, else {@code loss-based:up=U,down=D}. The abort and
   * stop limits have keys of their own and are not part of this text.
   */
  @Override
  public String describe() {
    if (increase == DEFAULT_INCREASE && decrease == DEFAULT_DECREASE) {
      return "loss-based";
    }
    return "loss-based:up=" + increase + ",down=" + decrease;
  }

  @Override
  public double baseStep() {
    return alpha0;
  }

  @Override
  public boolean lossBased() {
    return true;
  }

  /** Parses {@code up=U,down=D} (either may be left out to keep its default). */
  static LossBasedStep parseFactors(double alpha0, String factors, String schedule) {
    double up = DEFAULT_INCREASE;
    double down = DEFAULT_DECREASE;
    for (String part : factors.split(",")) {
      String[] kv = part.split("=", 2);
      String name = kv[0].trim();
      if (kv.length != 2 || !(name.equals("up") || name.equals("down"))) {
        throw new IllegalArgumentException(
            "schedule: expected loss-based or loss-based:up=U,down=D, got '" + schedule + "'");
      }
      double v;
      try {
        v = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "schedule: loss-based " + name + " must be a number, got '" + schedule + "'", e);
      }
      if (name.equals("up")) {
        up = v;
      } else {
        down = v;
      }
    }
    return new LossBasedStep(alpha0, up, down);
  }
}

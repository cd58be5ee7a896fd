package io.marginflow.common.step;

import java.util.Objects;

/**
 * The step-size logic of science.md §3, stateless: the state lives in {@link StepRuleState}. All
 * values are in log space, so a loss-based η = α/𝓛 with 𝓛 = 1e−800 is just log α + 1842.1.
 *
 * <p>Loss-based protocol (Lyu–Li): before epoch 1 set the reference to the full log loss of w_0;
 * keep the state at the epoch start (with the parameters); run the epoch calling {@link #advance}
 * after each step; evaluate the full log loss and call {@link #endEpoch}. On acceptance keep the
 * new parameters; on rollback restore the parameters saved at the epoch start. The step counter is
 * not rolled back: rolled-back steps count, so step numbers in the metrics stay monotone.
 */
public final class StepRule {

  private final StepRuleConfig config;

  /** The rule for {@code config}. */
  public StepRule(StepRuleConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The configuration. */
  public StepRuleConfig config() {
    return config;
  }

  /**
   * log γ_k for step k = {@code state.step()}: constant log γ; vanishing log γ − p·log(k+1);
   * loss-based log α − referenceLogLoss (η = α/𝓛(previous epoch)).
   *
   * @throws IllegalStateException for loss-based when the reference log loss is not set
   */
  public double logStepSize(StepRuleState state) {
    if (config instanceof ConstantStep c) {
      return Math.log(c.gamma());
    }
    if (config instanceof VanishingStep v) {
      return Math.log(v.gamma()) - v.power() * Math.log1p((double) state.step());
    }
    if (!state.hasReferenceLogLoss()) {
      throw new IllegalStateException(
          "loss-based step needs the full log loss of the epoch's starting point: start from"
              + " StepRuleState.initial(config, initialFullLogLoss)");
    }
    return state.logAlpha() - state.referenceLogLoss();
  }

  /** The state after one more step (k + 1); everything else unchanged. */
  public StepRuleState advance(StepRuleState state) {
    return new StepRuleState(
        state.step() + 1,
        state.logAlpha(),
        state.referenceLogLoss(),
        state.epochs(),
        state.rollbacks());
  }

  /**
   * Lyu–Li's end-of-epoch decision (loss-based only). Accept if {@code newFullLogLoss} &lt; {@code
   * atEpochStart.referenceLogLoss()}: the new state is atEpochEnd with log α += log(increase), the
   * reference set to the new loss and epochs + 1. Otherwise (including a NaN loss) roll back: the
   * new state is atEpochStart with log α −= log(decrease) and rollbacks + 1, but keeping the step
   * counter of atEpochEnd; the caller restores the parameters of the epoch start.
   *
   * @throws IllegalStateException if the rule is not loss-based or the reference loss is not set
   */
  public EpochOutcome endEpoch(
      StepRuleState atEpochStart, StepRuleState atEpochEnd, double newFullLogLoss) {
    if (!(config instanceof LossBasedStep lb)) {
      throw new IllegalStateException(
          "endEpoch: only the loss-based schedule has epochs, schedule is " + config.describe());
    }
    if (!atEpochStart.hasReferenceLogLoss()) {
      throw new IllegalStateException("endEpoch: the epoch-start state has no reference log loss");
    }
    if (atEpochEnd.step() < atEpochStart.step()) {
      throw new IllegalArgumentException(
          "endEpoch: epoch end step "
              + atEpochEnd.step()
              + " precedes epoch start step "
              + atEpochStart.step());
    }
    if (newFullLogLoss < atEpochStart.referenceLogLoss()) {
      return new EpochOutcome(
          true,
          new StepRuleState(
              atEpochEnd.step(),
              atEpochStart.logAlpha() + Math.log(lb.increase()),
              newFullLogLoss,
              atEpochStart.epochs() + 1,
              atEpochStart.rollbacks()));
    }
    return new EpochOutcome(false, rolledBack(lb, atEpochStart, atEpochEnd.step()));
  }

  /**
   * True if a batch log loss of {@code batchLogLoss} aborts the current epoch (loss-based with an
   * {@code abort-batch-loss}; false for every other rule and for NaN).
   */
  public boolean abortsEpoch(double batchLogLoss) {
    return config instanceof LossBasedStep lb && lb.abortsOn(batchLogLoss);
  }

  /** True if the run must stop in this state (loss-based with α below {@code min-alpha}). */
  public boolean belowMinAlpha(StepRuleState state) {
    return config instanceof LossBasedStep lb && lb.stopsAt(state.logAlpha());
  }

  /**
   * The state after an epoch aborted on a batch loss (Lyu–Li's code): exactly a rolled-back epoch
   * (log α −= log(decrease), rollbacks + 1, the epoch start's reference loss) whose step counter
   * continues at {@code nextStep}.
   *
   * @throws IllegalStateException if the rule is not loss-based
   */
  public StepRuleState abortEpoch(StepRuleState atEpochStart, long nextStep) {
    if (!(config instanceof LossBasedStep lb)) {
      throw new IllegalStateException(
          "abortEpoch: only the loss-based schedule has epochs, schedule is " + config.describe());
    }
    if (nextStep < atEpochStart.step()) {
      throw new IllegalArgumentException(
          "abortEpoch: next step " + nextStep + " precedes epoch start " + atEpochStart.step());
    }
    return rolledBack(lb, atEpochStart, nextStep);
  }

  private static StepRuleState rolledBack(LossBasedStep lb, StepRuleState atStart, long step) {
    return new StepRuleState(
        step,
        atStart.logAlpha() - Math.log(lb.decrease()),
        atStart.referenceLogLoss(),
        atStart.epochs(),
        atStart.rollbacks() + 1);
  }

  /**
   * The result of {@link #endEpoch}: whether the epoch was accepted (keep the parameters) or rolled
   * back (restore them), and the state to continue from.
   */
  public record EpochOutcome(boolean accepted, StepRuleState state) {}
}

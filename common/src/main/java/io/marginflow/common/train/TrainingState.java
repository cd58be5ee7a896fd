package io.marginflow.common.train;

import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.step.StepRuleState;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything the training loop carries from one step to the next, as one value: θ after {@code
 * step} updates, the step rule's state, the ODE clock, the late-stage monitor, the previous
 * evaluation's θ (for direction and margin changes) and, for the loss-based rule, the whole state
 * at the start of the current epoch — what a rollback returns to. It is what a checkpoint stores.
 *
 * <p>The loop replaces this value as a whole (accept → the new value, roll back → the saved one),
 * so no part of the state can be left behind by a rollback (style.md, *Values and state*). The
 * arrays are not copied by the constructor: {@link #deepCopy()} gives an independent value.
 *
 * @param step number of updates applied so far (θ is w_step)
 * @param theta w_step
 * @param rule the step rule's state
 * @param odeTime τ_step = Σ_{j<step} γ̂_j over the steps that were kept (science.md §5 item 6)
 * @param monitor the late-stage flags' state
 * @param previousEvalStep step of the last evaluation, −1 if none
 * @param previousEvalTheta θ at that evaluation, or null
 * @param epochStart the loss-based rule's state at the start of the current epoch (its own {@code
 *     epochStart} is null), or null for other rules
 */
public record TrainingState(
    long step,
    double[] theta,
    StepRuleState rule,
    double odeTime,
    LateStageMonitor.State monitor,
    long previousEvalStep,
    double[] previousEvalTheta,
    TrainingState epochStart)
    implements Serializable {

  /** Validates the non-null parts and that an epoch start does not nest. */
  public TrainingState {
    Objects.requireNonNull(theta, "theta");
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(monitor, "monitor");
    if (epochStart != null && epochStart.epochStart() != null) {
      throw new IllegalArgumentException("epochStart: must not have an epoch start of its own");
    }
  }

  /** θ at the start of the current loss-based epoch, or null. */
  public double[] epochStartTheta() {
    return epochStart == null ? null : epochStart.theta();
  }

  /** An independent copy (every array cloned, the epoch start too). */
  public TrainingState deepCopy() {
    return new TrainingState(
        step,
        theta.clone(),
        rule,
        odeTime,
        monitor,
        previousEvalStep,
        previousEvalTheta == null ? null : previousEvalTheta.clone(),
        epochStart == null ? null : epochStart.deepCopy());
  }

  /** This state as an epoch start: a deep copy without an epoch start of its own. */
  public TrainingState asEpochStart() {
    return withEpochStart(null).deepCopy();
  }

  /** A copy with the given epoch start (arrays shared). */
  public TrainingState withEpochStart(TrainingState start) {
    return new TrainingState(
        step, theta, rule, odeTime, monitor, previousEvalStep, previousEvalTheta, start);
  }

  /** A copy with the given step rule state (arrays shared). */
  public TrainingState withRule(StepRuleState newRule) {
    return new TrainingState(
        step, theta, newRule, odeTime, monitor, previousEvalStep, previousEvalTheta, epochStart);
  }

  /**
   * The state a loss-based rollback continues from at step {@code atStep}: everything of the epoch
   * start (θ, clock, monitor, previous evaluation) with the step counter of {@code atStep} and the
   * rule's state {@code newRule}; the epoch start itself is kept.
   */
  public TrainingState rolledBackTo(long atStep, StepRuleState newRule) {
    if (epochStart == null) {
      throw new IllegalStateException("rollback: no epoch start is recorded");
    }
    TrainingState e = epochStart.deepCopy();
    return new TrainingState(
        atStep,
        e.theta(),
        newRule,
        e.odeTime(),
        e.monitor(),
        e.previousEvalStep(),
        e.previousEvalTheta(),
        epochStart);
  }

  /** Value equality, comparing the arrays by content (for resume tests). */
  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingState t
        && t.step == step
        && Arrays.equals(t.theta, theta)
        && t.rule.equals(rule)
        && Double.compare(t.odeTime, odeTime) == 0
        && t.monitor.equals(monitor)
        && t.previousEvalStep == previousEvalStep
        && Arrays.equals(t.previousEvalTheta, previousEvalTheta)
        && Objects.equals(t.epochStart, epochStart);
  }

  @Override
  public int hashCode() {
    return Objects.hash(step, Arrays.hashCode(theta), rule, odeTime, monitor, previousEvalStep);
  }
}

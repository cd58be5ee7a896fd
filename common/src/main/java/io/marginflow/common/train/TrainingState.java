package io.marginflow.common.train;

import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.step.StepRuleState;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything the training loop needs to continue exactly where it stopped: θ after {@code step}
 * updates, the step rule's state, the ODE clock, the late-stage monitor, the previous evaluation's
 * θ (for direction and margin changes) and, for the loss-based rule, θ at the start of the current
 * epoch (for rollback). It is what a checkpoint stores.
 *
 * @param step number of updates applied so far (θ is w_step)
 * @param theta w_step
 * @param rule the step rule's state
 * @param odeTime τ = Σ_j γ̄_j, summed from the per-step minibatch estimates
 * @param monitor the late-stage flags' state
 * @param previousEvalStep step of the last evaluation, −1 if none
 * @param previousEvalTheta θ at that evaluation, or null
 * @param epochStartTheta θ at the start of the current loss-based epoch, or null
 */
public record TrainingState(
    long step,
    double[] theta,
    StepRuleState rule,
    double odeTime,
    LateStageMonitor.State monitor,
    long previousEvalStep,
    double[] previousEvalTheta,
    double[] epochStartTheta)
    implements Serializable {

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
        && Arrays.equals(t.epochStartTheta, epochStartTheta);
  }

  @Override
  public int hashCode() {
    return Objects.hash(step, Arrays.hashCode(theta), rule, odeTime, monitor, previousEvalStep);
  }
}

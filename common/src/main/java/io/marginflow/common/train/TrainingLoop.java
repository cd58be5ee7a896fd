package io.marginflow.common.train;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.stats.MarginSummary;
import io.marginflow.common.step.StepRule;
import io.marginflow.common.step.StepRuleState;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of a run, the same for {@link LocalTrainer} and the Spark job (science.md §3): for
 * each step k, ask the backend for the minibatch sum, apply the step rule on the driver, record the
 * per-step row; on the loss-based rule's epoch ends accept or roll back; on the evaluation schedule
 * run a full-data evaluation; checkpoint on its schedule; stop at the step budget, the target loss
 * or the wall-clock limit. NaN/Inf stops the run with {@link NonFiniteException} before anything
 * non-finite is checkpointed.
 */
public final class TrainingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

  /** The end reason of a run stopped on request ({@link RunRecorder#stopRequested()}). */
  public static final String STOP_REQUESTED = "stop-requested";

  private final TrainConfig config;
  private final Network network;
  private final TrainingBackend backend;
  private final RunRecorder recorder;
  private final StepRule rule;
  private final long stepsPerEpoch;
  private final EvalSchedule schedule;
  private final Set<Long> snapshotSteps;

  /** A loop over the given backend, writing to the recorder. */
  public TrainingLoop(
      TrainConfig config, Network network, TrainingBackend backend, RunRecorder recorder) {
    this.config = config;
    this.network = network;
    this.backend = backend;
    this.recorder = recorder;
    this.rule = new StepRule(config.optimizer().schedule());
    MinibatchSampler sampler =
        MinibatchSampler.create(
            config.optimizer().sampler(), backend.trainRows(), samplerSeed(config));
    this.stepsPerEpoch = sampler.stepsPerEpoch();
    this.schedule =
        new EvalSchedule(
            config.output().evalEvery(),
            config.output().logSpacedEvals(),
            config.optimizer().steps());
    this.snapshotSteps = Set.copyOf(config.output().snapshotMarginsAt());
  }

  /** The sampler seed every backend must use: derived from the run seed. */
  public static long samplerSeed(TrainConfig config) {
    return Seeds.derive(config.optimizer().seed(), "sampler");
  }

  /** A fresh state at step 0 with the given initial parameters. */
  public static TrainingState initialState(TrainConfig config, double[] theta0) {
    return new TrainingState(
        0,
        theta0.clone(),
        StepRuleState.initial(config.optimizer().schedule()),
        0.0,
        LateStageMonitor.State.initial(),
        -1,
        null,
        null);
  }

  /** Runs from {@code start} (step 0 or a checkpoint) and returns the final state. */
  public TrainingState run(TrainingState start) {
    long steps = config.optimizer().steps();
    int degree = network.degree();
    double[] theta = start.theta().clone();
    StepRuleState ruleState = start.rule();
    double odeTime = start.odeTime();
    LateStageMonitor monitor = LateStageMonitor.fromState(start.monitor());
    long prevEvalStep = start.previousEvalStep();
    double[] prevEvalTheta = start.previousEvalTheta();
    double[] epochTheta = start.epochStartTheta();
    StepRuleState epochRuleState = ruleState;
    long k = start.step();
    long wallStart = System.nanoTime();
    long maxWallNanos = (long) (config.output().maxWallMinutes() * 60e9);
    boolean lossBased = config.optimizer().schedule().lossBased();

    if (k == 0 && start.previousEvalStep() < 0) {
      if (lossBased && Double.isNaN(ruleState.referenceLogLoss())) {
        ruleState =
            withReference(ruleState, backend.logSumLoss(theta) - Math.log(backend.trainRows()));
        epochRuleState = ruleState;
      }
      if (lossBased) {
        epochTheta = theta.clone();
      }
      EvalOutcome e =
          evaluate(0, theta, odeTime, ruleState, monitor, prevEvalStep, prevEvalTheta, 0, 0);
      prevEvalStep = 0;
      prevEvalTheta = theta.clone();
      maybeSnapshot(0, theta, e.train);
      recorder.checkpoint(
          new TrainingState(
              0,
              theta.clone(),
              ruleState,
              odeTime,
              monitor.state(),
              prevEvalStep,
              prevEvalTheta,
              copy(epochTheta)));
    } else if (lossBased) {
      epochRuleState = ruleState;
    }

    String reason = "steps";
    long loopStartStep = k;
    while (k < steps) {
      double logGamma = rule.logStepSize(ruleState);
      long t0 = System.nanoTime();
      BatchGradient sum = backend.batchSum(k, theta);
      if (sum.nonFinite()) {
        throw new NonFiniteException(
            "step "
                + k
                + ": the minibatch margins or subgradient are NaN/Inf; the run stops here and "
                + "the last checkpoint is left as it was");
      }
      ParameterUpdate.Result r = ParameterUpdate.apply(theta, sum, logGamma, degree);
      if (!allFinite(theta)) {
        throw new NonFiniteException(
            "step "
                + k
                + ": the update made θ NaN/Inf (log γ = "
                + logGamma
                + "); the run stops here and the last checkpoint is left as it was");
      }
      odeTime += EffectiveStep.clockIncrement(r.logEffectiveStep());
      double wallMs = (System.nanoTime() - t0) / 1e6;
      if ((k % config.output().logStepsEvery()) == 0) {
        recorder.step(MetricRows.stepRow(k, r, sum, wallMs));
      }
      ruleState = rule.advance(ruleState);
      k++;

      if (lossBased && k % stepsPerEpoch == 0) {
        double newLogLoss = backend.logSumLoss(theta) - Math.log(backend.trainRows());
        StepRule.EpochOutcome outcome = rule.endEpoch(epochRuleState, ruleState, newLogLoss);
        ruleState = outcome.state();
        if (!outcome.accepted()) {
          System.arraycopy(epochTheta, 0, theta, 0, theta.length);
          LOG.info(
              "step {}: loss-based epoch rolled back (log loss {} ≥ {})",
              k,
              newLogLoss,
              epochRuleState.referenceLogLoss());
        }
        epochTheta = theta.clone();
        epochRuleState = ruleState;
      }

      boolean evalNow = schedule.isEvalStep(k);
      boolean checkpointNow =
          k == steps
              || (config.output().checkpointEvery() > 0
                  && k % config.output().checkpointEvery() == 0);
      boolean overTime = maxWallNanos > 0 && System.nanoTime() - wallStart > maxWallNanos;
      boolean stopAsked = k < steps && recorder.stopRequested();
      if (overTime || stopAsked) {
        evalNow = true;
        checkpointNow = true;
      }
      EvalOutcome e = null;
      if (evalNow) {
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        e =
            evaluate(
                k,
                theta,
                odeTime,
                ruleState,
                monitor,
                prevEvalStep,
                prevEvalTheta,
                k - loopStartStep,
                seconds);
        prevEvalStep = k;
        prevEvalTheta = theta.clone();
      }
      if (snapshotSteps.contains(k)) {
        maybeSnapshot(k, theta, e == null ? null : e.train);
      }
      boolean reachedTarget = e != null && e.train.logLoss() <= config.output().targetLogLoss();
      if (reachedTarget || overTime) {
        checkpointNow = true;
      }
      if (checkpointNow) {
        recorder.checkpoint(
            new TrainingState(
                k,
                theta.clone(),
                ruleState,
                odeTime,
                monitor.state(),
                prevEvalStep,
                copy(prevEvalTheta),
                copy(epochTheta)));
      }
      if (reachedTarget) {
        reason = "target-log-loss";
        break;
      }
      if (overTime) {
        reason = "max-wall";
        break;
      }
      if (stopAsked) {
        reason = STOP_REQUESTED;
        break;
      }
    }
    TrainingState end =
        new TrainingState(
            k, theta, ruleState, odeTime, monitor.state(), prevEvalStep, prevEvalTheta, epochTheta);
    recorder.finished(end, reason);
    LOG.info("run finished at step {} ({})", k, reason);
    return end;
  }

  private record EvalOutcome(MarginSummary train) {}

  private EvalOutcome evaluate(
      long k,
      double[] theta,
      double odeTime,
      StepRuleState ruleState,
      LateStageMonitor monitor,
      long prevEvalStep,
      double[] prevEvalTheta,
      long stepsThisSession,
      double seconds) {
    int degree = network.degree();
    double norm = Norms.l2(theta);
    double normPowL = Math.pow(norm, degree);
    if (!Double.isFinite(normPowL) || !allFinite(theta)) {
      throw new NonFiniteException(
          "step "
              + k
              + ": ‖θ‖^L is NaN/Inf (‖θ‖ = "
              + norm
              + "); the run stops here and the "
              + "last checkpoint is left as it was");
    }
    double prevNormPowL =
        prevEvalTheta == null ? Double.NaN : Math.pow(Norms.l2(prevEvalTheta), degree);
    EvaluationPass train = backend.evaluate(false, theta, normPowL, prevEvalTheta, prevNormPowL);
    // At θ = 0 (zeros init) the normalized quantities are undefined: summarize with 1 and let
    // MetricRows blank them.
    MarginSummary summary = train.accumulator().summarize(normPowL > 0 ? normPowL : 1.0);
    List<String> flags =
        monitor.observe(k, summary.minMargin(), norm, summary.nonFinite() || !allFinite(theta));
    double logGamma = rule.logStepSize(ruleState);
    EvalRow row =
        MetricRows.evalRow(
            k,
            "train",
            network,
            theta,
            summary,
            train.marginChangeSup(),
            prevEvalTheta,
            logGamma,
            backend.trainRows(),
            odeTime,
            flags);
    recorder.eval(row);
    if (backend.hasTest()) {
      EvaluationPass test = backend.evaluate(true, theta, normPowL, prevEvalTheta, prevNormPowL);
      MarginSummary ts = test.accumulator().summarize(normPowL > 0 ? normPowL : 1.0);
      recorder.eval(
          MetricRows.evalRow(
              k,
              "test",
              network,
              theta,
              ts,
              test.marginChangeSup(),
              prevEvalTheta,
              Double.NaN,
              ts.n(),
              Double.NaN,
              List.of()));
    }
    double rate = seconds > 0 ? stepsThisSession / seconds : Double.NaN;
    long remaining = config.optimizer().steps() - k;
    LOG.info(
        String.format(
            "step %d  log_loss %.6g  normalized_margin %.6g  |θ| %.6g  %.1f steps/s  ETA %s%s",
            k,
            summary.logLoss(),
            summary.normalizedMargin(),
            norm,
            rate,
            rate > 0 ? formatEta(remaining / rate) : "-",
            flags.isEmpty() ? "" : "  flags " + flags));
    if (summary.nonFinite()) {
      throw new NonFiniteException(
          "step "
              + k
              + ": a full-data margin is NaN/Inf; the run stops here and the last checkpoint "
              + "is left as it was");
    }
    return new EvalOutcome(summary);
  }

  private void maybeSnapshot(long k, double[] theta, MarginSummary train) {
    if (!snapshotSteps.contains(k)) {
      return;
    }
    double normPowL = Math.pow(Norms.l2(theta), network.degree());
    if (!(normPowL > 0)) {
      normPowL = 1.0; // θ = 0: snapshot the raw margins (all zero)
    }
    double logSumNeg =
        train != null
            ? train.logSumNegDerivative()
            : backend
                .evaluate(false, theta, normPowL, null, Double.NaN)
                .accumulator()
                .summarize(normPowL)
                .logSumNegDerivative();
    backend.snapshotMargins(k, theta, normPowL, logSumNeg);
  }

  private static StepRuleState withReference(StepRuleState s, double logLoss) {
    return new StepRuleState(s.step(), s.logAlpha(), logLoss, s.epochs(), s.rollbacks());
  }

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private static double[] copy(double[] v) {
    return v == null ? null : v.clone();
  }

  private static String formatEta(double seconds) {
    long s = Math.round(seconds);
    return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}

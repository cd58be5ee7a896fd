package io.marginflow.common.train;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.loss.LossFrame;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
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

  /** The end reason of a loss-based run whose α fell below {@code min-alpha}. */
  public static final String MIN_ALPHA = "min-alpha";

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

  /**
   * Runs from {@code start} (step 0 or a checkpoint) and returns the final state. The loop's whole
   * state is one {@link TrainingState} value, replaced as a whole after every step, evaluation and
   * epoch decision; only θ is updated in place (the loop owns a copy of {@code start}).
   */
  public TrainingState run(TrainingState start) {
    long steps = config.optimizer().steps();
    long wallStart = System.nanoTime();
    long maxWallNanos = (long) (config.output().maxWallMinutes() * 60e9);
    boolean lossBased = config.optimizer().schedule().lossBased();
    TrainingState s = start.deepCopy();

    if (s.step() == 0 && s.previousEvalStep() < 0) {
      if (lossBased && !s.rule().hasReferenceLogLoss()) {
        s = s.withRule(s.rule().withReferenceLogLoss(fullLogLoss(s.theta())));
      }
      Evaluated e = evaluate(s, 0, 0);
      s = e.state();
      maybeSnapshot(0, s.theta(), e.train());
      if (lossBased) {
        s = s.withEpochStart(s.asEpochStart());
      }
      recorder.checkpoint(s.deepCopy());
    } else if (lossBased && s.epochStart() == null) {
      s = s.withEpochStart(s.asEpochStart()); // a checkpoint taken at an epoch start
    }

    String reason = "steps";
    long loopStartStep = s.step();
    if (rule.belowMinAlpha(s.rule()) && s.step() < steps) {
      // A run resumed after its min-alpha stop: nothing more to do.
      recorder.finished(s, MIN_ALPHA);
      LOG.info("run finished at step {} ({}: α = {})", s.step(), MIN_ALPHA, alpha(s));
      return s;
    }
    while (s.step() < steps) {
      long before = s.step();
      long stepStart = System.nanoTime(); // wall_ms covers the batch sum and the update
      BatchGradient sum = batchSum(s);
      double batchLogLoss = LossFrame.batchLogLoss(sum.logFrame(), (int) sum.count());
      boolean aborted = rule.abortsEpoch(batchLogLoss);
      if (aborted) {
        requireFinite(before, sum);
      }
      s = aborted ? abortEpoch(s, batchLogLoss) : step(s, sum, stepStart);
      long k = s.step();
      boolean epochEnd = lossBased && (aborted || k % stepsPerEpoch == 0);
      if (epochEnd && !aborted) {
        s = endEpoch(s);
      }
      // An abort jumps over the rest of its epoch: evaluate and checkpoint at the jump's end if
      // the skipped steps held an evaluation or a checkpoint.
      boolean evalNow = schedule.isEvalStep(k) || (aborted && evalIn(before + 1, k));
      boolean checkpointNow =
          k == steps
              || (config.output().checkpointEvery() > 0
                  && k / config.output().checkpointEvery()
                      != before / config.output().checkpointEvery());
      boolean overTime = maxWallNanos > 0 && System.nanoTime() - wallStart > maxWallNanos;
      boolean stopAsked = k < steps && recorder.stopRequested();
      boolean alphaStop = k < steps && rule.belowMinAlpha(s.rule());
      if (overTime || stopAsked || alphaStop) {
        evalNow = true;
        checkpointNow = true;
      }
      MarginSummary train = null;
      if (evalNow) {
        Evaluated e = evaluate(s, k - loopStartStep, (System.nanoTime() - wallStart) / 1e9);
        s = e.state();
        train = e.train();
      }
      if (snapshotSteps.contains(k)) {
        maybeSnapshot(k, s.theta(), train);
      }
      if (epochEnd) {
        // The next epoch starts here, after this step's evaluation: a rollback of that epoch
        // returns to this θ, clock, monitor and previous evaluation.
        s = s.withEpochStart(s.asEpochStart());
      }
      boolean reachedTarget = train != null && train.logLoss() <= config.output().targetLogLoss();
      if (reachedTarget || overTime) {
        checkpointNow = true;
      }
      if (checkpointNow) {
        recorder.checkpoint(s.deepCopy());
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
      if (alphaStop) {
        reason = MIN_ALPHA;
        LOG.info("step {}: α = {} fell below min-alpha: the run stops", k, alpha(s));
        break;
      }
    }
    recorder.finished(s, reason);
    LOG.info("run finished at step {} ({})", s.step(), reason);
    return s;
  }

  /**
   * The minibatch sum of step k = {@code s.step()} at θ_k; NaN/Inf margins stop the run (the
   * subgradient's entries are checked by the update's first pass, or by {@link #requireFinite} on
   * an aborted step).
   */
  private BatchGradient batchSum(TrainingState s) {
    long k = s.step();
    BatchGradient sum = backend.batchSum(k, s.theta());
    if (sum.knownNonFinite()) {
      throw nonFiniteSum(k);
    }
    return sum;
  }

  private static void requireFinite(long k, BatchGradient sum) {
    if (sum.nonFinite()) {
      throw nonFiniteSum(k);
    }
  }

  private static NonFiniteException nonFiniteSum(long k) {
    return new NonFiniteException(
        "step "
            + k
            + ": the minibatch margins or subgradient are NaN/Inf; the run stops here and "
            + "the last checkpoint is left as it was");
  }

  /**
   * One SGD step k → k + 1 with the step's minibatch sum (θ updated in place); records the step row
   * on its schedule, its {@code wall_ms} measured from {@code stepStart} (before the batch sum).
   */
  private TrainingState step(TrainingState s, BatchGradient sum, long stepStart) {
    long k = s.step();
    double[] theta = s.theta();
    double logGamma = rule.logStepSize(s.rule());
    ParameterUpdate.Result r =
        ParameterUpdate.apply(
            theta,
            sum,
            logGamma,
            network.degree(),
            backend.layerNormsHandoff(),
            backend.updateThreads());
    if (!r.gradientFinite()) {
      throw nonFiniteSum(k); // θ was left as it was
    }
    if (!r.thetaFinite()) {
      throw new NonFiniteException(
          "step "
              + k
              + ": the update made θ NaN/Inf (log γ = "
              + logGamma
              + "); the run stops here and the last checkpoint is left as it was");
    }
    double wallMs = (System.nanoTime() - stepStart) / 1e6;
    if ((k % config.output().logStepsEvery()) == 0) {
      recorder.step(MetricRows.stepRow(k, r, sum, wallMs));
    }
    return new TrainingState(
        k + 1,
        theta,
        rule.advance(s.rule()),
        s.odeTime() + EffectiveStep.clockIncrement(r.logEffectiveStep()),
        s.monitor(),
        s.previousEvalStep(),
        s.previousEvalTheta(),
        s.epochStart());
  }

  /**
   * The loss-based rule's decision at the end of an epoch: accept (keep the state, new rule state)
   * or roll the whole state back to the epoch start (θ, ODE clock, monitor, previous evaluation),
   * keeping the step counter.
   */
  private TrainingState endEpoch(TrainingState s) {
    double newLogLoss = fullLogLoss(s.theta());
    TrainingState epochStart = s.epochStart();
    StepRule.EpochOutcome outcome = rule.endEpoch(epochStart.rule(), s.rule(), newLogLoss);
    if (outcome.accepted()) {
      return s.withRule(outcome.state());
    }
    LOG.info(
        "step {}: loss-based epoch rolled back to step {} (log loss {} ≥ {})",
        s.step(),
        epochStart.step(),
        newLogLoss,
        epochStart.rule().referenceLogLoss());
    return s.rolledBackTo(s.step(), outcome.state());
  }

  /**
   * Lyu–Li's abort: the batch loss of step k exceeded {@code abort-batch-loss}, so the epoch is
   * abandoned before the update and rolled back exactly as a failed epoch (the whole state of the
   * epoch start, α ÷ decrease, rollbacks + 1). The step counter jumps to the next epoch boundary
   * (or the step budget): the skipped steps count like the steps of a rolled-back epoch, so epochs
   * stay aligned with the sampler's permutations and step numbers stay monotone. The aborted step
   * writes no step row.
   */
  private TrainingState abortEpoch(TrainingState s, double batchLogLoss) {
    TrainingState epochStart = s.epochStart();
    long next =
        Math.min((s.step() / stepsPerEpoch + 1) * stepsPerEpoch, config.optimizer().steps());
    StepRuleState newRule = rule.abortEpoch(epochStart.rule(), next);
    LOG.info(
        "step {}: batch log loss {} > log(abort-batch-loss): loss-based epoch aborted and rolled"
            + " back to step {}, continuing at step {}",
        s.step(),
        batchLogLoss,
        epochStart.step(),
        next);
    return s.rolledBackTo(next, newRule);
  }

  /** True if a step of [from, to] is on the evaluation schedule. */
  private boolean evalIn(long from, long to) {
    for (long j = from; j <= to; j++) {
      if (schedule.isEvalStep(j)) {
        return true;
      }
    }
    return false;
  }

  private static double alpha(TrainingState s) {
    return Math.exp(s.rule().logAlpha());
  }

  private double fullLogLoss(double[] theta) {
    return backend.logSumLoss(theta) - Math.log(backend.trainRows());
  }

  private record Evaluated(TrainingState state, MarginSummary train) {}

  /**
   * The full-data evaluation at the state's step: records the train (and test) rows and returns the
   * state with the monitor and the previous evaluation advanced. NaN/Inf on either split is flagged
   * in its row and stops the run (after the row is written).
   */
  private Evaluated evaluate(TrainingState s, long stepsThisSession, double seconds) {
    long k = s.step();
    double[] theta = s.theta();
    double[] prevEvalTheta = s.previousEvalTheta();
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
    LateStageMonitor monitor = LateStageMonitor.fromState(s.monitor());
    List<String> flags =
        monitor.observe(k, summary.minMargin(), norm, summary.nonFinite() || !allFinite(theta));
    double logGamma = rule.logStepSize(s.rule());
    recorder.eval(
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
            s.odeTime(),
            flags));
    boolean testNonFinite = false;
    if (backend.hasTest()) {
      EvaluationPass test = backend.evaluate(true, theta, normPowL, prevEvalTheta, prevNormPowL);
      MarginSummary ts = test.accumulator().summarize(normPowL > 0 ? normPowL : 1.0);
      testNonFinite = ts.nonFinite();
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
              testNonFinite ? List.of(LateStageMonitor.NON_FINITE) : List.of()));
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
    if (summary.nonFinite() || testNonFinite) {
      throw new NonFiniteException(
          "step "
              + k
              + ": a full-data margin of the "
              + (summary.nonFinite() ? "training" : "test")
              + " split is NaN/Inf; the run stops here and the last checkpoint is left as it was");
    }
    return new Evaluated(
        new TrainingState(
            k, theta, s.rule(), s.odeTime(), monitor.state(), k, theta.clone(), s.epochStart()),
        summary);
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

  private static boolean allFinite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  private static String formatEta(double seconds) {
    long s = Math.round(seconds);
    return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.step.StepRuleState;
import io.marginflow.common.train.TrainingState;
import io.marginflow.spark.store.Checkpoint;
import java.util.LinkedHashMap;
import java.util.Map;

/** Converts between the loop's {@link TrainingState} and a stored {@link Checkpoint}. */
public final class CheckpointStates {

  private CheckpointStates() {}

  /** The monitor's state as a JSON object. */
  public static Map<String, Object> monitorToMap(LateStageMonitor.State s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("evaluations", s.evaluations());
    m.put("last_step", s.lastStep());
    m.put("last_norm", Double.isNaN(s.lastNorm()) ? "NaN" : (Object) s.lastNorm());
    m.put("separated", s.separated());
    m.put("first_separated_step", s.firstSeparatedStep());
    return m;
  }

  /** The monitor's state from its JSON object. */
  public static LateStageMonitor.State monitorFromMap(Map<String, Object> m) {
    Object norm = m.get("last_norm");
    double lastNorm =
        norm instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(norm));
    return new LateStageMonitor.State(
        ((Number) m.get("evaluations")).longValue(),
        ((Number) m.get("last_step")).longValue(),
        lastNorm,
        (Boolean) m.get("separated"),
        ((Number) m.get("first_separated_step")).longValue());
  }

  /** Key in {@link CheckpointMeta#extra()} of the loss-based epoch start's scalar state. */
  static final String EPOCH_START = "epoch_start";

  /**
   * The checkpoint's free JSON state: the loss-based epoch start's step, ODE clock, step rule,
   * monitor and previous evaluation step (its arrays are stored as files), or nothing.
   */
  public static Map<String, Object> extraToMap(TrainingState state) {
    TrainingState e = state.epochStart();
    if (e == null) {
      return Map.of();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", e.step());
    m.put("ode_time", e.odeTime());
    m.put("last_eval_step", e.previousEvalStep());
    StepRuleState r = e.rule();
    m.put("log_alpha", r.logAlpha());
    m.put("reference_log_loss", Double.toString(r.referenceLogLoss()));
    m.put("epochs", r.epochs());
    m.put("rollbacks", r.rollbacks());
    m.put("rule_step", r.step());
    m.put("monitor", monitorToMap(e.monitor()));
    return Map.of(EPOCH_START, m);
  }

  /**
   * The loop state stored in a checkpoint (extra arrays by file name; may be absent). A checkpoint
   * written before the epoch start's full state was recorded (only its θ) continues from an epoch
   * start made of that θ and the checkpoint's own scalars.
   */
  public static TrainingState toState(Checkpoint c, Map<String, double[]> extra) {
    CheckpointMeta m = c.meta();
    CheckpointMeta.StepRuleState r = m.stepRule();
    StepRuleState rule =
        new StepRuleState(r.step(), r.logAlpha(), r.referenceLogLoss(), r.epochs(), r.rollbacks());
    LateStageMonitor.State monitor = monitorFromMap(m.monitor());
    double[] previousEvalTheta = extra.get(RunDirectoryRecorder.PREVIOUS_EVAL_THETA);
    double[] epochTheta = extra.get(RunDirectoryRecorder.EPOCH_START_THETA);
    TrainingState epochStart = null;
    if (epochTheta != null) {
      Object stored = m.extra().get(EPOCH_START);
      if (stored instanceof Map<?, ?> e) {
        epochStart =
            new TrainingState(
                number(e, "step").longValue(),
                epochTheta,
                new StepRuleState(
                    number(e, "rule_step").longValue(),
                    number(e, "log_alpha").doubleValue(),
                    Double.parseDouble(String.valueOf(e.get("reference_log_loss"))),
                    number(e, "epochs").longValue(),
                    number(e, "rollbacks").longValue()),
                number(e, "ode_time").doubleValue(),
                monitorFromMap(cast(e.get("monitor"))),
                number(e, "last_eval_step").longValue(),
                extra.get(RunDirectoryRecorder.EPOCH_START_PREVIOUS_EVAL_THETA),
                null);
      } else {
        epochStart =
            new TrainingState(
                c.step(),
                epochTheta,
                rule,
                m.odeTime(),
                monitor,
                m.lastEvalStep(),
                previousEvalTheta,
                null);
      }
    }
    return new TrainingState(
        c.step(),
        c.theta(),
        rule,
        m.odeTime(),
        monitor,
        m.lastEvalStep(),
        previousEvalTheta,
        epochStart);
  }

  private static Number number(Map<?, ?> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(
          "checkpoint meta.json: extra.epoch_start." + key + ": expected a number, got " + v);
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    if (!(o instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(
          "checkpoint meta.json: extra.epoch_start.monitor: expected an object, got " + o);
    }
    return (Map<String, Object>) o;
  }
}

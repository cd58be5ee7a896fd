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

  /** The loop state stored in a checkpoint (extra arrays by file name; may be absent). */
  public static TrainingState toState(Checkpoint c, Map<String, double[]> extra) {
    CheckpointMeta m = c.meta();
    CheckpointMeta.StepRuleState r = m.stepRule();
    return new TrainingState(
        c.step(),
        c.theta(),
        new StepRuleState(r.step(), r.logAlpha(), r.referenceLogLoss(), r.epochs(), r.rollbacks()),
        m.odeTime(),
        monitorFromMap(m.monitor()),
        m.lastEvalStep(),
        extra.get(RunDirectoryRecorder.PREVIOUS_EVAL_THETA),
        extra.get(RunDirectoryRecorder.EPOCH_START_THETA));
  }
}

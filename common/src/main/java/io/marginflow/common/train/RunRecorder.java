package io.marginflow.common.train;

import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.StepRow;

/**
 * Receives what a run produces, in order. Implementations decide where it goes: memory (tests),
 * local files, or a run directory on any Hadoop file system.
 */
public interface RunRecorder {

  /** One per-step metric row (already thinned by the loop). */
  void step(StepRow row);

  /** One full-data evaluation row (train, then test if any). */
  void eval(EvalRow row);

  /** A checkpoint of the loop state (after the metric rows up to this step were handed over). */
  void checkpoint(TrainingState state);

  /** Called once when the loop ends, with the reason. */
  default void finished(TrainingState state, String reason) {}

  /**
   * Whether someone asked the run to stop (e.g. {@code marginflow serve}'s stop request); asked
   * after every step, so implementations that look at a file should rate-limit the look.
   */
  default boolean stopRequested() {
    return false;
  }
}

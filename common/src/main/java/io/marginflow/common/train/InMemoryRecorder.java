package io.marginflow.common.train;

import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.StepRow;
import java.util.ArrayList;
import java.util.List;

/** Keeps everything a run produces in memory (for tests, notebooks-in-Java and small runs). */
public final class InMemoryRecorder implements RunRecorder {

  private final List<StepRow> steps = new ArrayList<>();
  private final List<EvalRow> evals = new ArrayList<>();
  private final List<TrainingState> checkpoints = new ArrayList<>();
  private String finishReason;

  @Override
  public void step(StepRow row) {
    steps.add(row);
  }

  @Override
  public void eval(EvalRow row) {
    evals.add(row);
  }

  @Override
  public void checkpoint(TrainingState state) {
    checkpoints.add(state);
  }

  @Override
  public void finished(TrainingState state, String reason) {
    finishReason = reason;
  }

  /** Per-step rows, in order. */
  public List<StepRow> steps() {
    return steps;
  }

  /** Evaluation rows, in order. */
  public List<EvalRow> evals() {
    return evals;
  }

  /** Checkpointed states, in order. */
  public List<TrainingState> checkpoints() {
    return checkpoints;
  }

  /** Why the run ended (null while running). */
  public String finishReason() {
    return finishReason;
  }
}

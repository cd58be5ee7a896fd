package io.marginflow.spark.sweep;

import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.train.RunRecorder;
import io.marginflow.common.train.TrainingState;

/**
 * A {@link RunRecorder} decorator that passes everything to the run's own recorder and reports the
 * run's events to the sweep's {@link SweepProgress}: each train evaluation, the first evaluation
 * with a positive minimum margin ({@code separated}), and the stop reason. It keeps the last train
 * evaluation for the closing table.
 */
final class SweepEvents implements RunRecorder {

  private final RunRecorder delegate;
  private final SweepProgress progress;
  private final String runId;
  private volatile EvalRow lastTrain;
  private volatile String reason = "";

  SweepEvents(RunRecorder delegate, SweepProgress progress, String runId) {
    this.delegate = delegate;
    this.progress = progress;
    this.runId = runId;
  }

  @Override
  public void step(StepRow row) {
    delegate.step(row);
  }

  @Override
  public void eval(EvalRow row) {
    delegate.eval(row);
    if (!row.split().equals(EvalRow.TRAIN)) {
      return;
    }
    lastTrain = row;
    if (row.flags().contains(LateStageMonitor.SEPARATED)) {
      progress.event(runId, "separated", "step " + row.step());
    }
    progress.event(
        runId,
        "evaluated",
        String.format(
            java.util.Locale.ROOT,
            "step %d  log_loss %.6g  normalized_margin %.6g",
            row.step(),
            row.logLoss(),
            row.normalizedMargin()));
  }

  @Override
  public void checkpoint(TrainingState state) {
    delegate.checkpoint(state);
  }

  @Override
  public void finished(TrainingState state, String why) {
    delegate.finished(state, why);
    reason = why;
  }

  /** The last train evaluation row, or null. */
  EvalRow lastTrain() {
    return lastTrain;
  }

  /** The stop reason given to {@link #finished}, or empty. */
  String reason() {
    return reason;
  }
}

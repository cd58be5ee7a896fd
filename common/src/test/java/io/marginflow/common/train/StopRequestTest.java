package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.StepRow;
import org.junit.jupiter.api.Test;

/**
 * A stop request ({@link RunRecorder#stopRequested()}, e.g. marginflow serve's STOP file) ends the
 * loop after the step it was seen at, with an evaluation, a checkpoint of that step and the reason
 * {@code stop-requested}; the trajectory up to there is the one of an unstopped run.
 */
class StopRequestTest {

  /** Asks to stop once {@code after} steps were logged. */
  private static final class StoppingRecorder implements RunRecorder {
    final InMemoryRecorder rows = new InMemoryRecorder();
    final long after;
    TrainingState lastCheckpoint;
    String reason;

    StoppingRecorder(long after) {
      this.after = after;
    }

    @Override
    public void step(StepRow row) {
      rows.step(row);
    }

    @Override
    public void eval(EvalRow row) {
      rows.eval(row);
    }

    @Override
    public void checkpoint(TrainingState state) {
      lastCheckpoint = state;
    }

    @Override
    public void finished(TrainingState state, String r) {
      reason = r;
    }

    @Override
    public boolean stopRequested() {
      return rows.steps().size() >= after;
    }
  }

  @Test
  void aStopRequestEndsTheRunWithACheckpointAtThatStep() {
    Dataset data = TrainFixtures.teacher(3, 300, 6, 50);
    TrainConfig cfg =
        TrainFixtures.config(
            "--model", "mlp:6-8-1", "--steps", "100", "--batch", "30", "--eval-every", "50");
    StoppingRecorder stopped = new StoppingRecorder(37);
    TrainingState s = new LocalTrainer(cfg, 6).run(data, null, stopped, null);
    assertEquals(37, s.step());
    assertEquals(TrainingLoop.STOP_REQUESTED, stopped.reason);
    assertEquals(37, stopped.lastCheckpoint.step());
    assertEquals(37, stopped.rows.evals().get(stopped.rows.evals().size() - 1).step());

    InMemoryRecorder full = new InMemoryRecorder();
    TrainConfig cfg37 =
        TrainFixtures.config(
            "--model", "mlp:6-8-1", "--steps", "37", "--batch", "30", "--eval-every", "50");
    TrainingState ref = new LocalTrainer(cfg37, 6).run(data, null, full, null);
    assertArrayEquals(ref.theta(), s.theta(), "the stopped run follows the same trajectory");
    assertEquals("steps", full.finishReason());
  }
}

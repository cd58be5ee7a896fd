package io.marginflow.spark.job;

import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.train.RunRecorder;
import io.marginflow.common.train.TrainingState;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes what the training loop produces into a run directory: metric rows appended to {@code
 * metrics/*.jsonl}, checkpoints (θ, the previous evaluation's θ, the loss-based epoch start, and
 * {@link CheckpointMeta} with the metric files' lengths), and {@code status.json} at the end.
 */
public final class RunDirectoryRecorder implements RunRecorder {

  /** Extra θ-shaped arrays stored beside {@code theta.bin} in a checkpoint. */
  public static final String PREVIOUS_EVAL_THETA = "previous-eval-theta.bin";

  /** θ at the start of the current loss-based epoch. */
  public static final String EPOCH_START_THETA = "epoch-start-theta.bin";

  /** The previous evaluation's θ as it was at the start of the current loss-based epoch. */
  public static final String EPOCH_START_PREVIOUS_EVAL_THETA =
      "epoch-start-previous-eval-theta.bin";

  private final RunStore store;
  private final String samplerName;
  private final long samplerSeed;

  /** A recorder writing into {@code store}. */
  public RunDirectoryRecorder(RunStore store, String samplerName, long samplerSeed) {
    this.store = store;
    this.samplerName = samplerName;
    this.samplerSeed = samplerSeed;
  }

  @Override
  public void step(StepRow row) {
    io(() -> store.steps().appendLine(MetricsJson.toJsonLine(row)));
  }

  @Override
  public void eval(EvalRow row) {
    io(() -> store.eval().appendLine(MetricsJson.toJsonLine(row)));
  }

  @Override
  public void checkpoint(TrainingState state) {
    io(
        () -> {
          store.flushMetrics();
          CheckpointMeta meta =
              new CheckpointMeta(
                  state.step(),
                  new CheckpointMeta.StepRuleState(
                      state.rule().step(),
                      state.rule().logAlpha(),
                      state.rule().referenceLogLoss(),
                      state.rule().epochs(),
                      state.rule().rollbacks()),
                  samplerName,
                  samplerSeed,
                  store.steps().length(),
                  store.eval().length(),
                  state.odeTime(),
                  state.previousEvalStep(),
                  CheckpointStates.monitorToMap(state.monitor()),
                  CheckpointStates.extraToMap(state));
          Map<String, double[]> extra = new LinkedHashMap<>();
          if (state.previousEvalTheta() != null) {
            extra.put(PREVIOUS_EVAL_THETA, state.previousEvalTheta());
          }
          if (state.epochStart() != null) {
            extra.put(EPOCH_START_THETA, state.epochStart().theta());
            if (state.epochStart().previousEvalTheta() != null) {
              extra.put(EPOCH_START_PREVIOUS_EVAL_THETA, state.epochStart().previousEvalTheta());
            }
          }
          store.writeCheckpoint(state.step(), state.theta(), extra, meta);
        });
  }

  @Override
  public void finished(TrainingState state, String reason) {
    io(
        () -> {
          store.flushMetrics();
          writeStatus(store, "finished", reason, state.step());
        });
  }

  /** Writes {@code status.json}: {"state": …, "reason": …, "step": …}. */
  public static void writeStatus(RunStore store, String state, String reason, long step)
      throws IOException {
    String json =
        "{\"state\":\"" + state + "\",\"reason\":" + quote(reason) + ",\"step\":" + step + "}\n";
    store.writeAtomically("status.json", json.getBytes(StandardCharsets.UTF_8));
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void io(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException("writing the run directory failed: " + e.getMessage(), e);
    }
  }
}

package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.StepRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Lyu–Li's two options of the loss-based rule in {@link LocalTrainer} (the oracle): an epoch whose
 * batch loss exceeds {@code abort-batch-loss} is rolled back at once exactly as a failed epoch, and
 * the run stops cleanly when α falls below {@code min-alpha}; resuming across an aborted epoch is
 * bit-identical.
 */
class LossBasedLimitsTest {

  /** 300 rows / batch 30: 10 steps per epoch. */
  private static final int STEPS_PER_EPOCH = 10;

  private static final double ABORT = 0.8;

  private static final Dataset DATA = TrainFixtures.teacher(5, 300, 6, 50);

  private static TrainConfig config(String... extra) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--model",
                "mlp:6-8-1",
                "--sampler",
                "reshuffle",
                "--batch",
                "30",
                "--steps",
                "200",
                "--eval-every",
                "10",
                "--checkpoint-every",
                "1",
                "--schedule",
                "loss-based",
                "--step",
                "1",
                "--abort-batch-loss",
                String.valueOf(ABORT)));
    flags.addAll(List.of(extra));
    return TrainFixtures.config(flags.toArray(String[]::new));
  }

  /** The epochs (by index) that have fewer step rows than steps: the aborted ones. */
  private static List<Long> abortedEpochs(InMemoryRecorder rec, long steps) {
    Map<Long, Integer> rows = new TreeMap<>();
    for (StepRow r : rec.steps()) {
      rows.merge(r.step() / STEPS_PER_EPOCH, 1, Integer::sum);
    }
    List<Long> out = new ArrayList<>();
    for (long e = 0; e < steps / STEPS_PER_EPOCH; e++) {
      if (rows.getOrDefault(e, 0) < STEPS_PER_EPOCH) {
        out.add(e);
      }
    }
    return out;
  }

  private static TrainingState checkpointAt(InMemoryRecorder rec, long step) {
    return rec.checkpoints().stream()
        .filter(s -> s.step() == step)
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no checkpoint at step " + step));
  }

  @Test
  void anEpochWithAnExplodingBatchLossIsRolledBackAtOnce() {
    TrainConfig cfg = config();
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState end = new LocalTrainer(cfg, 6).run(DATA, null, rec, null);
    assertEquals(200, end.step());
    assertEquals("steps", rec.finishReason());
    List<Long> aborted = abortedEpochs(rec, 200);
    assertTrue(aborted.size() >= 2, "the step size makes aborts happen: " + aborted);
    for (StepRow r : rec.steps()) {
      assertTrue(
          r.batchLogLoss() <= Math.log(ABORT),
          "a recorded step's batch loss is under the threshold, else it aborts: " + r);
    }
    for (long e : aborted) {
      long start = e * STEPS_PER_EPOCH;
      long next = start + STEPS_PER_EPOCH;
      TrainingState before = checkpointAt(rec, start);
      TrainingState after = checkpointAt(rec, next);
      assertArrayEquals(before.theta(), after.theta(), "epoch " + e + ": θ rolled back");
      assertEquals(before.odeTime(), after.odeTime(), "epoch " + e + ": clock rolled back");
      assertEquals(before.rule().rollbacks() + 1, after.rule().rollbacks());
      assertEquals(before.rule().epochs(), after.rule().epochs());
      assertEquals(
          before.rule().logAlpha() - Math.log(Math.pow(2, 0.1)),
          after.rule().logAlpha(),
          1e-15,
          "epoch " + e + ": α ÷ 2^{1/10}");
      assertEquals(before.rule().referenceLogLoss(), after.rule().referenceLogLoss());
      long rows = rec.steps().stream().filter(r -> r.step() / STEPS_PER_EPOCH == e).count();
      assertTrue(rows < STEPS_PER_EPOCH, "the rest of the epoch is skipped");
    }
    // the evaluations the skipped steps held happen at the jump's end: one per 10 steps still
    assertTrue(rec.evals().stream().anyMatch(r -> r.step() == (aborted.get(0) + 1) * 10));

    TrainingState off =
        new LocalTrainer(config("--abort-batch-loss", "Infinity"), 6)
            .run(DATA, null, new InMemoryRecorder(), null);
    assertTrue(
        off.rule().rollbacks() < end.rule().rollbacks(),
        "without the abort fewer epochs are rolled back: " + off.rule() + " vs " + end.rule());
  }

  @Test
  void resumingInsideAndAfterAnAbortedEpochIsBitIdentical() {
    TrainConfig cfg = config();
    InMemoryRecorder whole = new InMemoryRecorder();
    TrainingState end = new LocalTrainer(cfg, 6).run(DATA, null, whole, null);
    long epoch = abortedEpochs(whole, 200).get(0);
    long abortedStep =
        whole.steps().stream()
                .filter(r -> r.step() / STEPS_PER_EPOCH == epoch)
                .mapToLong(StepRow::step)
                .max()
                .orElse(epoch * STEPS_PER_EPOCH - 1)
            + 1;
    for (long at : new long[] {abortedStep, (epoch + 1) * STEPS_PER_EPOCH}) {
      TrainingState from = checkpointAt(whole, at);
      InMemoryRecorder rest = new InMemoryRecorder();
      TrainingState resumed = new LocalTrainer(cfg, 6).run(from, DATA, null, rest, null);
      assertEquals(end, resumed, "resumed at step " + at);
      List<EvalRow> tail = whole.evals().stream().filter(r -> r.step() > at).toList();
      assertEquals(tail, rest.evals(), "evaluation rows after step " + at);
    }
  }

  @Test
  void theRunStopsCleanlyWhenAlphaFallsBelowMinAlpha() {
    // α₀ = 1: the run stops at the first rollback or abort that takes α below 0.99
    TrainConfig cfg = config("--min-alpha", "0.99");
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState end = new LocalTrainer(cfg, 6).run(DATA, null, rec, null);
    assertEquals(TrainingLoop.MIN_ALPHA, rec.finishReason());
    assertTrue(end.step() < 200, "stopped early at " + end.step());
    assertTrue(end.rule().logAlpha() < Math.log(0.99));
    TrainingState last = rec.checkpoints().get(rec.checkpoints().size() - 1);
    TrainingState before = rec.checkpoints().get(rec.checkpoints().size() - 2);
    assertTrue(before.rule().logAlpha() >= Math.log(0.99), "stopped at the first such α");
    assertEquals(before.rule().rollbacks() + 1, end.rule().rollbacks());
    assertEquals(end, last, "the final state is checkpointed");
    EvalRow lastEval = rec.evals().get(rec.evals().size() - 1);
    assertEquals(end.step(), lastEval.step(), "and evaluated");

    InMemoryRecorder again = new InMemoryRecorder();
    TrainingState resumed = new LocalTrainer(cfg, 6).run(last, DATA, null, again, null);
    assertEquals(end, resumed, "a resumed stopped run stays stopped");
    assertEquals(TrainingLoop.MIN_ALPHA, again.finishReason());
    assertNotNull(again.finishReason());
    assertTrue(again.steps().isEmpty());
  }
}

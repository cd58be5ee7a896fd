package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.store.PausePoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the in-process fault tests share: the small generated run they train (60 steps, a checkpoint
 * every 20), a run started on a background thread and paused inside checkpoint 40's write ({@link
 * PausePoint}) until the fault is injected, and the bit-for-bit comparison with an undisturbed run.
 */
final class FaultRuns {

  /** Where the fault is injected: after checkpoint 40's θ, before its meta and LATEST. */
  static final String PAUSE = "checkpoint:40";

  static final List<String> GENERATED_FLAGS =
      List.of(
          "--generator-rows",
          "600",
          "--generator-features",
          "12",
          "--model",
          "mlp:12-8-1",
          "--partitions",
          "2",
          "--batch",
          "40",
          "--step",
          "0.5",
          "--steps",
          "60",
          "--eval-every",
          "20",
          "--checkpoint-every",
          "20",
          "--seed",
          "11");

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService RUNNER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "fault-run-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  private FaultRuns() {}

  /** {@code flags} plus {@code more}, parsed. */
  static TrainConfig config(List<String> flags, String... more) {
    List<String> f = new ArrayList<>(flags);
    f.addAll(List.of(more));
    return RunFiles.config(f.toArray(String[]::new));
  }

  /**
   * Starts {@code config} on a background thread with the pause at {@link #PAUSE} set and waits
   * until checkpoint 40's θ exists under {@code out} (read through {@code fs}); the caller injects
   * its fault, then lets the run go with {@link #release()}.
   */
  static Future<TrainJob.Outcome> startPaused(TrainConfig config, FileSystem fs, URI out)
      throws Exception {
    System.setProperty(PausePoint.PROPERTY, PAUSE);
    Future<TrainJob.Outcome> run = RUNNER.submit(() -> TrainJob.run(config, SparkFixture.spark()));
    Path theta40 = new Path(out.toString() + "/checkpoints/step-40/theta.bin");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!fs.exists(theta40)) {
      if (run.isDone() || System.nanoTime() > deadline) {
        release();
        run.get(1, TimeUnit.SECONDS);
        fail("the run did not reach " + PAUSE);
      }
      Thread.sleep(20);
    }
    return run;
  }

  /** Clears the pause: the paused run goes on. */
  static void release() {
    System.clearProperty(PausePoint.PROPERTY);
  }

  /** The run's failure; fails the test if it finished. */
  static Throwable failureOf(Future<?> run) throws Exception {
    try {
      run.get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the run finished despite the injected fault");
  }

  /** θ of the last checkpoint, steps.jsonl without wall_ms and eval.jsonl equal, bit for bit. */
  static void assertSameRun(URI reference, Configuration refConf, URI run, Configuration runConf)
      throws IOException {
    try (RunStore a = RunStore.open(reference, refConf);
        RunStore b = RunStore.open(run, runConf)) {
      assertEquals(
          a.readLatestCheckpoint().orElseThrow().step(),
          b.readLatestCheckpoint().orElseThrow().step(),
          "last checkpoint");
      assertArrayEquals(
          a.readLatestCheckpoint().orElseThrow().theta(),
          b.readLatestCheckpoint().orElseThrow().theta(),
          "θ");
    }
    assertEquals(
        RunFiles.stepsWithoutWall(reference, refConf),
        RunFiles.stepsWithoutWall(run, runConf),
        "steps.jsonl without wall_ms");
    assertEquals(
        RunFiles.text(reference, RunStore.EVAL, refConf),
        RunFiles.text(run, RunStore.EVAL, runConf),
        "eval.jsonl");
  }

  /** Every message of the cause chain and of suppressed exceptions, in one string. */
  static String messages(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append(" | ");
      for (Throwable s : c.getSuppressed()) {
        sb.append("suppressed ").append(s).append(" | ");
      }
    }
    return sb.toString();
  }
}

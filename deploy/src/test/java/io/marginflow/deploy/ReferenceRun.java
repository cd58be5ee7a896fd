package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.marginflow.common.testing.SharedDatasets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The undisturbed run every deployment must reproduce bit for bit: a9a, {@code mlp:123-8-1}, two
 * partitions, 60 steps, run once per test JVM by {@code deploy/bin/marginflow train --master
 * local[2]} (the launcher's local mode) into {@code target/reference-a9a}.
 */
final class ReferenceRun {

  /** The training flags shared by the reference and every cluster run (everything but data/out). */
  static final List<String> TRAIN_FLAGS =
      List.of(
          "--features",
          "123",
          "--model",
          "mlp:123-8-1",
          "--partitions",
          "2",
          "--batch",
          "100",
          "--step",
          "0.5",
          "--steps",
          "60",
          "--eval-every",
          "30",
          "--log-spaced-evals",
          "false",
          "--checkpoint-every",
          "20",
          "--seed",
          "7");

  /** Checkpoints the runs write: 0 and every 20 steps. */
  static final List<Long> CHECKPOINTS = List.of(0L, 20L, 40L, 60L);

  /** The last step of every run. */
  static final long STEPS = 60;

  /** SHA-256 of a9a.gz as stored in ../shared/datasets (its README). */
  static final String A9A_SHA256 =
      "8930931143e8ecd54a1dac81e65d7651cbd4f4840e2e9536ae18ee03d135d28c";

  static final int A9A_ROWS = 32_561;

  private static CompletableFuture<RunDir> run;

  private ReferenceRun() {}

  static Path a9a() {
    return SharedDatasets.resolve("a9a/a9a.gz");
  }

  /** Starts the reference run in the background (it overlaps with a cluster start-up). */
  static synchronized CompletableFuture<RunDir> startInBackground() {
    if (run == null) {
      run = CompletableFuture.supplyAsync(ReferenceRun::train);
    }
    return run;
  }

  /** The reference run directory (trained on first use, ~10-20 s). */
  static RunDir get() {
    return startInBackground().join();
  }

  private static RunDir train() {
    Path out = Path.of("target", "reference-a9a").toAbsolutePath();
    Scratch.deleteRecursively(out);
    Scripts.Result r =
        Scripts.start(
                "reference-local2",
                Map.of(),
                "marginflow",
                Scripts.args(
                    List.of("train", "--master", "local[2]", "--data", a9a().toString()),
                    Scripts.args(TRAIN_FLAGS, "--out", out.toString()).toArray(String[]::new)))
            .await(Duration.ofMinutes(8)); // generous: other launcher runs may share the cores
    assertEquals(0, r.exitCode(), "reference run:\n" + r.output());
    return new RunDir(out.toUri());
  }
}

package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.store.PausePoint;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Faults B1 and B5 end to end, as a user meets them: the driver of {@code deploy/bin/marginflow
 * train --master local[2]} (its own JVM: the launcher execs java) is killed with SIGKILL three
 * times, each time resumed with {@code --resume}, and the run must end bit-identical to {@link
 * ReferenceRun} (θ printed by {@code marginflow weights}, steps.jsonl without {@code wall_ms},
 * eval.jsonl, the checkpoint steps) with a margin snapshot equal to the one the first, undisturbed
 * attempt wrote.
 *
 * <p>Injected, in order: (1) SIGKILL inside the write of checkpoint 40, after its {@code theta.bin}
 * and before its {@code meta.json}, digests and {@code LATEST} ({@link PausePoint} {@code
 * checkpoint:40}); (2) SIGKILL inside the rewrite of the margin snapshot at step 30, with its
 * Parquet files open ({@code snapshot:30}); (3) SIGKILL at an unprepared point right after
 * checkpoint 40 is published; (4) a flipped byte in checkpoint 40's {@code meta.json} before the
 * last resume, which must fall back to checkpoint 20 with a warning naming the file. Each resume
 * also takes over the dead driver's {@code run.lock} with a warning.
 */
class DriverKillIT {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  private static final long SNAPSHOT_STEP = 30;

  @Test
  void killedThreeTimesAndFedACorruptedCheckpointTheRunEndsBitIdentical() throws Exception {
    ReferenceRun.startInBackground();
    Path out = Path.of("target", "driver-kill", "run").toAbsolutePath();
    Path savedSnapshot = Path.of("target", "driver-kill", "snapshot-30").toAbsolutePath();
    Scratch.deleteRecursively(out.getParent());
    Path margins = out.resolve("margins/step=" + SNAPSHOT_STEP);

    // (1) Killed inside the write of checkpoint 40.
    Scripts.Running first = train("kill-1-checkpoint", "checkpoint:40", false, out);
    first.awaitOutput("paused at checkpoint:40", RUN_TIMEOUT);
    first.kill();
    assertEquals("20\n", read(out.resolve(RunStore.LATEST)), "LATEST after the kill");
    assertTrue(Files.exists(out.resolve("checkpoints/step-40/theta.bin")), "θ of 40 was written");
    assertFalse(Files.exists(out.resolve("checkpoints/step-40/meta.json")), "meta of 40 was not");
    assertTrue(Files.exists(out.resolve("run.lock")), "the dead driver's lock is left behind");
    assertTrue(Files.exists(margins.resolve("_SUCCESS")), "snapshot 30 completed before the kill");
    copyTree(margins, savedSnapshot);

    // (2) Killed inside the rewrite of the margin snapshot at step 30.
    Scripts.Running second = train("kill-2-snapshot", "snapshot:30", true, out);
    second.awaitOutput("paused at snapshot:30", RUN_TIMEOUT);
    second.kill();
    assertTrue(second.output().contains("taking over the stale lock"), second.output());
    assertTrue(
        second.output().matches("(?s).*resuming file:" + out + "/? at step 20.*"), second.output());
    assertFalse(Files.exists(margins.resolve("_SUCCESS")), "killed while writing the snapshot");

    // (3) Killed at an unprepared point, right after checkpoint 40 is published.
    Scripts.Running third = train("kill-3-plain", null, true, out);
    third.awaitOutput("checkpoint 40 written", RUN_TIMEOUT);
    assertTrue(third.isAlive(), "the run ended before it could be killed:\n" + third.output());
    third.kill();
    assertEquals("40\n", read(out.resolve(RunStore.LATEST)));

    // (4) A flipped byte in checkpoint 40's meta.json: the resume falls back to checkpoint 20.
    Path meta40 = out.resolve("checkpoints/step-40/meta.json");
    byte[] bytes = Files.readAllBytes(meta40);
    int digit = new String(bytes, StandardCharsets.US_ASCII).indexOf("\"step\" : 40") + 9;
    bytes[digit] ^= 0x01; // '4' → '5': still valid JSON, caught by SHA256SUMS
    Files.write(meta40, bytes);
    Scripts.Result last = train("kill-4-resume", null, true, out).await(RUN_TIMEOUT);
    assertEquals(0, last.exitCode(), last.output());
    assertTrue(last.output().contains("step-40/meta.json: SHA-256 mismatch"), last.output());
    assertTrue(
        last.output().contains("resuming from checkpoint 20 instead of LATEST (step 40)"),
        last.output());

    RunDir run = new RunDir(out.toUri());
    RunDir reference = ReferenceRun.get();
    assertArrayEquals(reference.theta(), weights(out), "θ printed by marginflow weights");
    assertEquals(reference.stepRowsWithoutWall(), run.stepRowsWithoutWall(), "steps.jsonl");
    assertEquals(reference.evalRows(), run.evalRows(), "eval.jsonl");
    assertEquals(ReferenceRun.CHECKPOINTS, run.checkpointSteps(), "checkpoints");
    assertTrue(Files.isDirectory(out.resolve("checkpoints/corrupt-step-40")), "kept aside");
    assertFalse(Files.exists(out.resolve("run.lock")), "the last driver released its lock");
    assertTrue(Files.exists(margins.resolve("_SUCCESS")));
    assertEquals(snapshotRows(savedSnapshot), snapshotRows(margins), "snapshot at step 30");
  }

  private static Scripts.Running train(String name, String pause, boolean resume, Path out) {
    List<String> args =
        resume
            ? List.of("train", "--master", "local[2]", "--resume", out.toString())
            : Scripts.args(
                List.of(
                    "train",
                    "--master",
                    "local[2]",
                    "--data",
                    ReferenceRun.a9a().toString(),
                    "--snapshot-margins-at",
                    Long.toString(SNAPSHOT_STEP),
                    "--out",
                    out.toString()),
                ReferenceRun.TRAIN_FLAGS.toArray(String[]::new));
    String opts = "-Xmx1g" + (pause == null ? "" : " -D" + PausePoint.PROPERTY + "=" + pause);
    return Scripts.start(name, Map.of("MARGINFLOW_JAVA_OPTS", opts), "marginflow", args);
  }

  private static double[] weights(Path out) {
    Scripts.Result r =
        Scripts.run(
            "kill-weights",
            Map.of(),
            Duration.ofMinutes(2),
            "marginflow",
            "weights",
            out.toString());
    assertEquals(0, r.exitCode(), r.output());
    return r.output()
        .lines()
        .filter(l -> l.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?"))
        .mapToDouble(Double::parseDouble)
        .toArray();
  }

  /** The snapshot's rows in row order, read with a Spark session of this JVM. */
  private static List<Row> snapshotRows(Path folder) {
    SparkSession spark =
        SparkSession.builder().master("local[1]").appName("driver-kill-check").getOrCreate();
    try {
      return spark.read().parquet(folder.toString()).orderBy("row").collectAsList();
    } finally {
      spark.stop();
    }
  }

  private static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.US_ASCII);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

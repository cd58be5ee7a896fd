package io.marginflow.spark.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.format.FormatException;
import io.marginflow.common.format.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The behaviour every file system must give {@link RunStore}; subclasses bind it to the local file
 * system and to HDFS. Each test works in its own fresh run directory.
 */
abstract class RunStoreContract {

  /** A fresh, not yet existing run directory for the named test. */
  abstract URI newRunDir(String testName) throws IOException;

  /** The configuration stores are opened with. */
  abstract Configuration conf();

  /** A file system client to inspect the run directory independently of the store. */
  abstract FileSystem inspector() throws IOException;

  URI dir;
  FileSystem fs;

  @BeforeEach
  void setUp(TestInfo info) throws IOException {
    dir = newRunDir(info.getTestMethod().orElseThrow().getName());
    fs = inspector();
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  @Test
  void createRefusesNonEmptyDirectoryAndOpenNeedsAnExistingOne() throws IOException {
    assertThrows(java.io.FileNotFoundException.class, () -> RunStore.open(dir, conf()));
    try (RunStore store = RunStore.create(dir, conf())) {
      assertTrue(fs.getFileStatus(new Path(dir.toString(), "metrics")).isDirectory());
      assertTrue(fs.getFileStatus(new Path(dir.toString(), "checkpoints")).isDirectory());
      store.writeAtomically("notes.txt", "x".getBytes(StandardCharsets.UTF_8));
    }
    FileAlreadyExistsException e =
        assertThrows(FileAlreadyExistsException.class, () -> RunStore.create(dir, conf()));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertTrue(e.getMessage().contains("RunStore.open"), e.getMessage());
    try (RunStore store = RunStore.open(dir, conf())) {
      assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), store.readBytes("notes.txt"));
    }
  }

  @Test
  void atomicWritesReplaceTheTargetAndLeaveNoTemporaryFiles() throws IOException {
    try (RunStore store = RunStore.create(dir, conf())) {
      store.writeAtomically("a/b.txt", "first".getBytes(StandardCharsets.UTF_8));
      store.writeAtomically("a/b.txt", out -> out.write("second".getBytes(StandardCharsets.UTF_8)));
      assertEquals("second", new String(store.readBytes("a/b.txt"), StandardCharsets.UTF_8));

      IOException boom =
          assertThrows(
              IOException.class,
              () ->
                  store.writeAtomically(
                      "a/b.txt",
                      out -> {
                        out.write("partial".getBytes(StandardCharsets.UTF_8));
                        throw new IOException("writer failed");
                      }));
      assertEquals("writer failed", boom.getMessage());
      assertEquals("second", new String(store.readBytes("a/b.txt"), StandardCharsets.UTF_8));

      assertThrows(
          IllegalArgumentException.class, () -> store.writeAtomically("../x", new byte[0]));
      assertThrows(IllegalArgumentException.class, () -> store.writeAtomically("/x", new byte[0]));
      assertThrows(
          IllegalArgumentException.class, () -> store.writeAtomically("_tmp-x", new byte[0]));
    }
    assertEquals(List.of(), temporaries());
  }

  @Test
  void metricStreamsAppendFlushAndKeepTheirLengthAcrossReopen() throws IOException {
    List<String> stepLines = lines("step", 0, 5);
    try (RunStore store = RunStore.create(dir, conf())) {
      MetricStream steps = store.steps();
      for (String l : stepLines.subList(0, 3)) {
        steps.appendLine(l);
      }
      assertEquals(0, steps.length(), "nothing flushed yet");
      assertEquals(bytes(stepLines.subList(0, 3)), steps.pendingBytes());
      steps.flush();
      assertEquals(bytes(stepLines.subList(0, 3)), steps.length());
      assertEquals(0, steps.pendingBytes());
      // hflush: another client sees the complete lines while the stream is still open.
      assertEquals(stepLines.subList(0, 3), readLines(RunStore.STEPS));

      store.eval().appendLine("{\"split\":\"train\"}");
      store.flushMetrics();
      assertThrows(IllegalArgumentException.class, () -> steps.appendLine("a\nb"));
    }
    try (RunStore store = RunStore.open(dir, conf())) {
      MetricStream steps = store.steps();
      assertEquals(bytes(stepLines.subList(0, 3)), steps.length(), "length after reopen");
      for (String l : stepLines.subList(3, 5)) {
        steps.appendLine(l);
      }
      steps.flush();
      assertEquals(bytes(stepLines), steps.length());
      assertEquals(stepLines, readLines(RunStore.STEPS));
      assertEquals(List.of("{\"split\":\"train\"}"), readLines(RunStore.EVAL));
      assertEquals(
          fs.getFileStatus(new Path(dir.toString(), RunStore.EVAL)).getLen(),
          store.eval().length());
    }
  }

  @Test
  void checkpointsRoundTripAndOnlyLatestCounts() throws IOException {
    double[] theta10 = randomTheta(1_000, 10);
    double[] theta20 = randomTheta(1_000, 20);
    try (RunStore store = RunStore.create(dir, conf())) {
      assertEquals(Optional.empty(), store.readLatestCheckpoint());
      store.steps().appendLine("{\"step\":10}");
      store.flushMetrics();
      CheckpointMeta meta10 = meta(store, 10);
      store.writeCheckpoint(10, theta10, meta10);
      store.steps().appendLine("{\"step\":20}");
      store.flushMetrics();
      CheckpointMeta meta20 = meta(store, 20);
      store.writeCheckpoint(20, theta20, meta20);

      Checkpoint latest = store.readLatestCheckpoint().orElseThrow();
      assertEquals(20, latest.step());
      assertBitsEqual(theta20, latest.theta());
      assertEquals(meta20, latest.meta());
      assertEquals(List.of(10L, 20L), store.checkpointSteps());

      // A complete checkpoint directory that LATEST does not point to (crash before LATEST).
      copyCheckpointDir(20, 30);
      assertEquals(List.of(10L, 20L, 30L), store.checkpointSteps());
      assertEquals(20, store.readLatestCheckpoint().orElseThrow().step());

      IllegalArgumentException notAfter =
          assertThrows(
              IllegalArgumentException.class, () -> store.writeCheckpoint(20, theta20, meta20));
      assertTrue(notAfter.getMessage().contains("after the latest checkpoint 20"));

      // The next real checkpoint 30 replaces the orphan.
      double[] theta30 = randomTheta(7, 30);
      store.writeCheckpoint(30, theta30, meta(store, 30));
      assertBitsEqual(theta30, store.readLatestCheckpoint().orElseThrow().theta());
    }
    assertEquals(List.of(), temporaries());
    try (RunStore store = RunStore.open(dir, conf())) {
      assertEquals(30, store.readLatestCheckpoint().orElseThrow().step());
    }
  }

  @Test
  void checkpointDirectoriesWithoutLatestAreIgnored() throws IOException {
    try (RunStore store = RunStore.create(dir, conf())) {
      store.writeCheckpoint(5, randomTheta(3, 5), meta(store, 5));
    }
    fs.delete(new Path(dir.toString(), RunStore.LATEST), false);
    try (RunStore store = RunStore.open(dir, conf())) {
      assertEquals(List.of(5L), store.checkpointSteps());
      assertEquals(Optional.empty(), store.readLatestCheckpoint());
    }
  }

  @Test
  void corruptedThetaAndMalformedLatestAreRejectedWithAMessage() throws IOException {
    try (RunStore store = RunStore.create(dir, conf())) {
      store.writeCheckpoint(7, randomTheta(100, 7), meta(store, 7));
      Path theta = new Path(dir.toString(), "checkpoints/step-7/theta.bin");
      byte[] bytes = readAll(theta);
      bytes[100] ^= 0x01;
      overwrite(theta, bytes);
      FormatException crc = assertThrows(FormatException.class, store::readLatestCheckpoint);
      assertTrue(crc.getMessage().contains("checkpoints/step-7/theta.bin"), crc.getMessage());
      assertTrue(crc.getMessage().contains("CRC32 mismatch"), crc.getMessage());

      overwrite(theta, java.util.Arrays.copyOf(bytes, 50));
      FormatException cut = assertThrows(FormatException.class, store::readLatestCheckpoint);
      assertTrue(cut.getMessage().contains("truncated checkpoint"), cut.getMessage());

      fs.delete(theta, false);
      FormatException missing = assertThrows(FormatException.class, store::readLatestCheckpoint);
      assertTrue(missing.getMessage().contains("points to step 7"), missing.getMessage());

      overwrite(
          new Path(dir.toString(), RunStore.LATEST), "seven\n".getBytes(StandardCharsets.UTF_8));
      FormatException latest = assertThrows(FormatException.class, store::readLatestCheckpoint);
      assertTrue(
          latest.getMessage().contains("LATEST: expected a step number"), latest.getMessage());
    }
  }

  @Test
  void pruningKeepsTheNewestCheckpoints() throws IOException {
    try (RunStore store =
        RunStore.create(dir, conf(), RunStore.Options.DEFAULTS.withKeepLastCheckpoints(2))) {
      for (long step = 10; step <= 40; step += 10) {
        store.writeCheckpoint(step, randomTheta(4, step), meta(store, step));
      }
      assertEquals(List.of(30L, 40L), store.checkpointSteps());
      assertEquals(40, store.readLatestCheckpoint().orElseThrow().step());
    }
  }

  @Test
  void checkpointRequiresFlushedMetricsRecordedInMeta() throws IOException {
    try (RunStore store = RunStore.create(dir, conf())) {
      store.steps().appendLine("{\"step\":1}");
      CheckpointMeta stale = meta(store, 1);
      IllegalStateException pending =
          assertThrows(
              IllegalStateException.class, () -> store.writeCheckpoint(1, new double[1], stale));
      assertTrue(pending.getMessage().contains("unflushed"), pending.getMessage());
      store.flushMetrics();
      IllegalArgumentException wrong =
          assertThrows(
              IllegalArgumentException.class, () -> store.writeCheckpoint(1, new double[1], stale));
      assertTrue(wrong.getMessage().startsWith("meta.steps_jsonl_bytes"), wrong.getMessage());
      assertEquals(Optional.empty(), store.readLatestCheckpoint());
    }
  }

  @Test
  void resumeTruncatesMetricsToTheCheckpoint() throws IOException {
    List<String> steps = lines("step", 0, 6);
    List<String> evals = lines("eval", 0, 3);
    try (RunStore store = RunStore.create(dir, conf())) {
      for (int k = 0; k < 4; k++) {
        store.steps().appendLine(steps.get(k));
      }
      store.eval().appendLine(evals.get(0));
      store.eval().appendLine(evals.get(1));
      store.flushMetrics();
      store.writeCheckpoint(3, randomTheta(10, 3), meta(store, 3));
      // Progress after the checkpoint that a crash will lose.
      store.steps().appendLine(steps.get(4));
      store.steps().appendLine(steps.get(5));
      store.eval().appendLine(evals.get(2));
    }
    try (RunStore store = RunStore.open(dir, conf())) {
      Checkpoint cp = store.readLatestCheckpoint().orElseThrow();
      FormatException notLineEnd =
          assertThrows(
              FormatException.class,
              () -> store.truncateMetrics(cp.meta().stepsBytes() - 1, cp.meta().evalBytes()));
      assertTrue(notLineEnd.getMessage().contains("not at a line end"), notLineEnd.getMessage());

      store.truncateMetrics(cp.meta().stepsBytes(), cp.meta().evalBytes());
      assertEquals(steps.subList(0, 4), readLines(RunStore.STEPS));
      assertEquals(evals.subList(0, 2), readLines(RunStore.EVAL));
      assertEquals(cp.meta().stepsBytes(), store.steps().length());

      store.steps().appendLine("{\"step\":4,\"again\":true}");
      store.flushMetrics();
      List<String> expected = new ArrayList<>(steps.subList(0, 4));
      expected.add("{\"step\":4,\"again\":true}");
      assertEquals(expected, readLines(RunStore.STEPS));

      FormatException tooLong =
          assertThrows(FormatException.class, () -> store.truncateMetrics(1_000_000, 0));
      assertTrue(
          tooLong.getMessage().contains("fewer than the 1000000 recorded"), tooLong.getMessage());
    }
  }

  @Test
  void manifestRoundTripsThroughTheStore() throws IOException {
    Manifest m =
        new Manifest(
            "run-" + dir.getPath().hashCode(),
            Map.of("gamma", 0.25, "layers", List.of(64, 64)),
            List.of(
                new Manifest.DataFile(
                    "file:/data/a9a.gz",
                    197_565,
                    Instant.parse("2025-11-27T10:55:00Z"),
                    32_561,
                    123,
                    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")),
            new Manifest.Versions("0.1.0-SNAPSHOT", "abc1234", "4.2.0", "3.5.0", "17"),
            "dev.ludovic.netlib.blas.Java11BLAS",
            new Manifest.Conventions("mean", 0.0, "iid", "sgd"),
            Instant.parse("2026-01-02T03:04:05Z"),
            "localhost");
    try (RunStore store = RunStore.create(dir, conf())) {
      assertEquals(Optional.empty(), store.readManifest());
      store.writeManifest(m);
    }
    try (RunStore store = RunStore.open(dir, conf())) {
      assertEquals(Optional.of(m), store.readManifest());
    }
  }

  @Test
  void openRestoresLatestInterruptedInsideTheRenameWindowAndDeletesTemporaries()
      throws IOException {
    double[] theta = randomTheta(5, 9);
    try (RunStore store = RunStore.create(dir, conf())) {
      store.writeCheckpoint(9, theta, meta(store, 9));
    }
    // Simulate the delete-then-rename fallback stopped between its two steps ...
    Path latest = new Path(dir.toString(), RunStore.LATEST);
    fs.delete(latest, false);
    overwrite(
        new Path(dir.toString(), "checkpoints/_tmp-LATEST-1111"),
        "9\n".getBytes(StandardCharsets.US_ASCII));
    // ... plus a temporary LATEST whose write was cut short, and a stale temporary θ.
    overwrite(
        new Path(dir.toString(), "checkpoints/_tmp-LATEST-2222"),
        "1".getBytes(StandardCharsets.US_ASCII));
    overwrite(new Path(dir.toString(), "checkpoints/step-9/_tmp-theta.bin-3333"), new byte[3]);
    try (RunStore store = RunStore.open(dir, conf())) {
      Checkpoint cp = store.readLatestCheckpoint().orElseThrow();
      assertEquals(9, cp.step());
      assertBitsEqual(theta, cp.theta());
    }
    assertEquals(List.of(), temporaries());
  }

  /**
   * B5. Injected: one seeded flipped byte in each file of the newest checkpoint in turn (θ, an
   * extra array, meta.json, SHA256SUMS), then a truncated θ, then a LATEST naming a missing step.
   * Compared: the checkpoint resume gets (step and θ bits) with the previous good one; LATEST after
   * the fallback; the damaged directory kept as corrupt-step-K.
   */
  @Test
  void resumeFallsBackPastAFlippedByteATruncatedFileAndALatestNamingAMissingStep()
      throws IOException {
    String[] files = {"theta.bin", "previous-eval-theta.bin", "meta.json", "SHA256SUMS"};
    SplittableRandom rnd = new SplittableRandom(13);
    try (RunStore store = RunStore.create(dir, conf())) {
      long good = 0;
      for (String victim : files) {
        double[] goodTheta = randomTheta(50, good + 10);
        writeWithArray(store, good + 10, goodTheta);
        writeWithArray(store, good + 15, randomTheta(50, good + 15));
        Path p = new Path(dir.toString(), "checkpoints/step-" + (good + 15) + "/" + victim);
        byte[] bytes = readAll(p);
        bytes[rnd.nextInt(bytes.length)] ^= (byte) (1 << rnd.nextInt(8));
        overwrite(p, bytes);
        // A check before the resume sees the same fallback and changes nothing.
        assertEquals(good + 10, store.findLatestGoodCheckpoint().orElseThrow().step());
        assertEquals(good + 15, store.latestStep().getAsLong(), "LATEST untouched by the check");
        Checkpoint c = store.recoverLatestCheckpoint().orElseThrow();
        assertEquals(good + 10, c.step(), "fallback after flipping a byte of " + victim);
        assertBitsEqual(goodTheta, c.theta());
        assertEquals(good + 10, store.latestStep().getAsLong(), "LATEST rewritten");
        assertTrue(
            fs.exists(new Path(dir.toString(), "checkpoints/corrupt-step-" + (good + 15))),
            "the damaged checkpoint is kept aside");
        good += 10;
      }
      // A truncated θ, and then LATEST naming a step whose directory is gone.
      writeWithArray(store, 50, randomTheta(50, 50));
      Path theta = new Path(dir.toString(), "checkpoints/step-50/theta.bin");
      overwrite(theta, java.util.Arrays.copyOf(readAll(theta), 30));
      overwrite(
          new Path(dir.toString(), RunStore.LATEST), "60\n".getBytes(StandardCharsets.US_ASCII));
      Checkpoint c = store.recoverLatestCheckpoint().orElseThrow();
      assertEquals(40, c.step());
      assertBitsEqual(randomTheta(50, 40), c.theta());
      // Training goes on from the fallback: the next checkpoint is accepted and read back.
      store.truncateMetrics(c.meta().stepsBytes(), c.meta().evalBytes());
      writeWithArray(store, 50, randomTheta(50, 51));
      assertBitsEqual(randomTheta(50, 51), store.readLatestCheckpoint().orElseThrow().theta());
    }
  }

  /** B5. Injected: every checkpoint damaged. Compared: the error names each damaged file. */
  @Test
  void resumeWithoutAnyGoodCheckpointNamesEveryDamagedFile() throws IOException {
    try (RunStore store = RunStore.create(dir, conf())) {
      writeWithArray(store, 1, randomTheta(5, 1));
      writeWithArray(store, 2, randomTheta(5, 2));
      for (long step : new long[] {1, 2}) {
        Path meta = new Path(dir.toString(), "checkpoints/step-" + step + "/meta.json");
        overwrite(meta, java.util.Arrays.copyOf(readAll(meta), 10));
      }
      FormatException e = assertThrows(FormatException.class, store::recoverLatestCheckpoint);
      assertTrue(e.getMessage().contains("no checkpoint verifies"), e.getMessage());
      assertTrue(e.getMessage().contains("step-1/meta.json"), e.getMessage());
      assertTrue(e.getMessage().contains("step-2/meta.json"), e.getMessage());
    }
  }

  /**
   * B6. Injected: a second writer on a live run, a lock left by a dead process on this host, a lock
   * with a 5-minute-old heartbeat from another host, and a takeover behind a live writer's back.
   * Compared: refusal messages (owner, host, pid, heartbeat), who holds run.lock afterwards, and
   * that the writer that lost its lock publishes no checkpoint.
   */
  @Test
  void aSecondWriterIsRefusedAndAStaleLockIsTakenOver() throws Exception {
    Path lockPath = new Path(dir.toString(), RunLock.FILE_NAME);
    String host = java.net.InetAddress.getLocalHost().getHostName();
    try (RunStore first = RunStore.create(dir, conf())) {
      String held = new String(readAll(lockPath), StandardCharsets.UTF_8);
      assertTrue(held.contains("\"pid\":" + ProcessHandle.current().pid()), held);
      assertTrue(held.contains("\"heartbeat\":"), held);
      RunLockedException refused =
          assertThrows(RunLockedException.class, () -> RunStore.open(dir, conf()));
      for (String part :
          List.of("another run", "owner " + System.getProperty("user.name"), "host " + host)) {
        assertTrue(refused.getMessage().contains(part), refused.getMessage());
      }
      assertTrue(refused.getMessage().contains("pid " + ProcessHandle.current().pid()));
      // Someone takes the lock over behind the first writer's back: it publishes nothing more.
      overwrite(lockPath, lockJson("intruder", host, 1, java.time.Instant.now()));
      RunLockedException lost =
          assertThrows(
              RunLockedException.class,
              () -> first.writeCheckpoint(1, new double[] {1}, meta(first, 1)));
      assertTrue(lost.getMessage().contains("taken over"), lost.getMessage());
      assertEquals(Optional.empty(), first.readLatestCheckpoint());
    }
    assertTrue(fs.exists(lockPath), "a writer that lost the lock leaves the new holder's lock");

    Process dead = new ProcessBuilder("true").start();
    dead.waitFor();
    overwrite(lockPath, lockJson("crashed", host, dead.pid(), java.time.Instant.now()));
    try (RunStore store = RunStore.open(dir, conf())) {
      assertTrue(
          new String(readAll(lockPath), StandardCharsets.UTF_8)
              .contains("\"pid\":" + ProcessHandle.current().pid()),
          "taken over from the dead process");
    }
    assertFalse(fs.exists(lockPath), "close releases the lock");

    java.time.Instant old = java.time.Instant.now().minusSeconds(300);
    overwrite(lockPath, lockJson("gone", "elsewhere.invalid", 4242, old));
    try (RunStore store = RunStore.open(dir, conf())) {
      store.writeCheckpoint(1, new double[] {1}, meta(store, 1));
    }
    overwrite(lockPath, lockJson("alive", "elsewhere.invalid", 4242, java.time.Instant.now()));
    RunLockedException live =
        assertThrows(RunLockedException.class, () -> RunStore.open(dir, conf()));
    assertTrue(live.getMessage().contains("host elsewhere.invalid, pid 4242"), live.getMessage());
  }

  /** B6. The heartbeat thread rewrites run.lock while the lock is held. */
  @Test
  void theLockHeartbeatAdvancesWhileHeld() throws Exception {
    fs.mkdirs(new Path(dir.toString()));
    FileSystem own = inspector();
    FileOps ops = new FileOps(own, java.time.Duration.ofSeconds(30));
    Path lockPath = new Path(dir.toString(), RunLock.FILE_NAME);
    RunLock lock =
        RunLock.acquire(
            own,
            ops,
            new Path(dir.toString()),
            java.time.Duration.ofMillis(50),
            java.time.Duration.ofSeconds(60));
    try {
      String first = new String(readAll(lockPath), StandardCharsets.UTF_8);
      long deadline = System.nanoTime() + 10_000_000_000L;
      String now = first;
      while (now.equals(first) && System.nanoTime() < deadline) {
        Thread.sleep(20);
        now = new String(readAll(lockPath), StandardCharsets.UTF_8);
      }
      assertTrue(!now.equals(first), "heartbeat did not advance: " + now);
      lock.verify();
    } finally {
      lock.release();
      own.close();
    }
    assertFalse(fs.exists(lockPath));
  }

  static byte[] lockJson(String owner, String host, long pid, java.time.Instant beat) {
    return ("{\"token\":\"t-"
            + owner
            + "\",\"owner\":\""
            + owner
            + "\",\"host\":\""
            + host
            + "\",\"pid\":"
            + pid
            + ",\"heartbeat\":\""
            + beat
            + "\"}\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static void writeWithArray(RunStore store, long step, double[] theta) throws IOException {
    store.steps().appendLine("{\"step\":" + step + "}");
    store.flushMetrics();
    store.writeCheckpoint(
        step, theta, Map.of("previous-eval-theta.bin", theta.clone()), meta(store, step));
  }

  // ---------------------------------------------------------------- helpers

  static CheckpointMeta meta(RunStore store, long step) throws IOException {
    return new CheckpointMeta(
        step,
        new CheckpointMeta.StepRuleState(step, Math.log(0.1), -3.5, step / 10, 0),
        "iid",
        42,
        store.steps().length(),
        store.eval().length(),
        0.5 * step,
        step,
        Map.of("first_separated_step", 1),
        Map.of());
  }

  static double[] randomTheta(int d, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] t = new double[d];
    for (int i = 0; i < d; i++) {
      t[i] = rnd.nextGaussian();
    }
    return t;
  }

  static void assertBitsEqual(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          Double.doubleToRawLongBits(expected[i]),
          Double.doubleToRawLongBits(actual[i]),
          "θ[" + i + "]");
    }
  }

  static List<String> lines(String kind, int from, int to) {
    List<String> out = new ArrayList<>();
    for (int k = from; k < to; k++) {
      out.add("{\"schema\":1,\"" + kind + "\":" + k + ",\"note\":\"ü\"}"); // non-ASCII on purpose
    }
    return out;
  }

  static long bytes(List<String> lines) {
    long n = 0;
    for (String l : lines) {
      n += l.getBytes(StandardCharsets.UTF_8).length + 1;
    }
    return n;
  }

  /** Reads a metric file to its end through the inspector (sees hflushed data). */
  List<String> readLines(String relPath) throws IOException {
    String s = new String(readAll(new Path(dir.toString(), relPath)), StandardCharsets.UTF_8);
    assertTrue(s.isEmpty() || s.endsWith("\n"), relPath + " ends with a partial line");
    return s.isEmpty() ? List.of() : List.of(s.substring(0, s.length() - 1).split("\n", -1));
  }

  byte[] readAll(Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  void overwrite(Path p, byte[] content) throws IOException {
    try (OutputStream out = fs.create(p, true)) {
      out.write(content);
    }
  }

  void copyCheckpointDir(long from, long to) throws IOException {
    for (String f : new String[] {RunStore.THETA_FILE, RunStore.META_FILE}) {
      byte[] b = readAll(new Path(dir.toString(), "checkpoints/step-" + from + "/" + f));
      if (f.equals(RunStore.META_FILE)) {
        b =
            new String(b, StandardCharsets.UTF_8)
                .replace("\"step\" : " + from + ",", "\"step\" : " + to + ",")
                .getBytes(StandardCharsets.UTF_8);
      }
      overwrite(new Path(dir.toString(), "checkpoints/step-" + to + "/" + f), b);
    }
  }

  List<String> temporaries() throws IOException {
    List<String> out = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(new Path(dir.toString()), true);
    while (it.hasNext()) {
      FileStatus st = it.next();
      if (st.getPath().getName().startsWith(RunStore.TMP_PREFIX)) {
        out.add(st.getPath().toString());
      }
    }
    return out;
  }
}

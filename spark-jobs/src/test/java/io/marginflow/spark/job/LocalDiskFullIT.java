package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault B4 on a local disk: the run directory lives on a small {@code tmpfs} mounted for this test
 * (needs root, as CI runs; skipped elsewhere). Injected: while the run is inside the write of
 * checkpoint 40 ({@link FaultRuns#startPaused}), a filler file takes every free byte of the mount.
 * Compared: the run fails with an exception (not Hadoop's {@code FSError}) naming the file and the
 * full disk, {@code LATEST} still names the intact checkpoint 20, and after the filler is removed
 * {@code --resume} ends bit-identical to an undisturbed run on the ordinary disk.
 */
class LocalDiskFullIT {

  private static final Path MOUNT = Path.of("target", "disk-full-mount").toAbsolutePath();
  private static boolean mounted;

  @TempDir static Path tmp;

  @BeforeAll
  static void mountSmallTmpfs() throws Exception {
    Files.createDirectories(MOUNT);
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    unmount(); // left over by a JVM that died
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", MOUNT.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    Assumptions.assumeTrue(p.waitFor() == 0, "this machine allows no tmpfs mount: " + out);
    mounted = true;
  }

  @AfterAll
  static void unmountIt() throws Exception {
    FaultRuns.release();
    if (mounted) {
      unmount();
    }
  }

  @Test
  void diskFilledMidRunFailsNamingThePathKeepsTheLastCheckpointAndResumesBitIdentical()
      throws Exception {
    URI reference = TrainJob.run(config(tmp.resolve("reference")), SparkFixture.spark()).runDir();
    Path runDir = MOUNT.resolve("run");
    Path filler = MOUNT.resolve("filler");
    Configuration local = new Configuration();
    Throwable failure;
    try (FileSystem fs = FileSystem.newInstance(runDir.toUri(), local)) {
      Future<TrainJob.Outcome> run = FaultRuns.startPaused(config(runDir), fs, runDir.toUri());
      fill(filler);
      FaultRuns.release();
      failure = FaultRuns.failureOf(run);
    }
    assertTrue(failure instanceof Exception, "an exception, not an Error: " + failure);
    String chain = FaultRuns.messages(failure);
    assertTrue(chain.contains(runDir.toString()), "the error names the run directory: " + chain);
    assertTrue(
        chain.toLowerCase(Locale.ROOT).contains("no space left on device"),
        "the error says the disk is full: " + chain);
    try (RunStore store = RunStore.open(runDir.toUri(), local)) {
      assertEquals(20, store.readLatestCheckpoint().orElseThrow().step(), "last checkpoint");
    }
    assertFalse(
        Files.exists(runDir.resolve("checkpoints/step-40/meta.json")), "checkpoint 40 unfinished");

    Files.delete(filler);
    TrainJob.run(
        FaultRuns.config(
            FaultRuns.GENERATED_FLAGS, "--log-steps-every", "1", "--resume", runDir.toString()),
        SparkFixture.spark());
    FaultRuns.assertSameRun(reference, local, runDir.toUri(), local);
  }

  private static TrainConfig config(Path out) {
    return FaultRuns.config(
        FaultRuns.GENERATED_FLAGS, "--log-steps-every", "1", "--out", out.toString());
  }

  /** Writes zeros until the mount is full. */
  private static void fill(Path filler) throws IOException {
    byte[] chunk = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(chunk);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) {
        throw full;
      }
    }
  }

  private static void unmount() throws Exception {
    new ProcessBuilder("umount", MOUNT.toString()).redirectErrorStream(true).start().waitFor();
  }
}

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.marginflow.spark.store.PausePoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults B3 and B4 on a real HDFS ({@link HdfsFixture}) with the job on Spark {@code local[2]}: the
 * run writes its directory to HDFS, is paused inside the write of checkpoint 40 ({@link
 * PausePoint}, after {@code theta.bin}), the fault is injected, and the run is let go. Compared: θ,
 * steps.jsonl without {@code wall_ms} and eval.jsonl of the (resumed) HDFS run with an undisturbed
 * run of the same config on the local disk, bit for bit.
 */
class HdfsFaultsIT {

  private static final List<String> FLAGS =
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

  private static final String PAUSE = "checkpoint:40";
  private static URI reference;

  @TempDir static Path tmp;

  @BeforeAll
  static void undisturbedReference() throws IOException {
    HdfsFixture.cluster();
    reference =
        TrainJob.run(config(tmp.resolve("reference").toString()), SparkFixture.spark()).runDir();
  }

  @AfterEach
  void clearPause() {
    System.clearProperty(PausePoint.PROPERTY);
  }

  /**
   * B4. Injected: an HDFS space quota on the run directory set to what it already uses, while the
   * run is inside checkpoint 40. Compared: the error names the quota'd path; LATEST still names the
   * intact checkpoint 20; after the quota is lifted, {@code --resume} ends bit-identical.
   */
  @Test
  void spaceQuotaExceededMidRunFailsNamingThePathAndResumesBitIdenticalAfterRaisingIt()
      throws Exception {
    URI out = HdfsFixture.uri("/faults/quota");
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(out);
    try (FileSystem fs = HdfsFixture.newFileSystem()) {
      Future<TrainJob.Outcome> run = startPaused(out);
      awaitPaused(fs, out, run);
      DistributedFileSystem dfs = (DistributedFileSystem) fs;
      long used = dfs.getContentSummary(dir).getSpaceConsumed();
      dfs.setQuota(dir, HdfsConstants.QUOTA_DONT_SET, used + 1);
      System.clearProperty(PausePoint.PROPERTY);
      Throwable failure = outcomeFailure(run);
      String chain = messages(failure);
      assertTrue(chain.contains("/faults/quota"), "error names the path: " + chain);
      assertTrue(chain.toLowerCase(java.util.Locale.ROOT).contains("quota"), chain);
      try (RunStore store = RunStore.open(out, HdfsFixture.conf())) {
        assertEquals(20, store.readLatestCheckpoint().orElseThrow().step(), "last checkpoint");
      }
      dfs.setQuota(dir, HdfsConstants.QUOTA_DONT_SET, HdfsConstants.QUOTA_RESET);
    }
    resumeAndCompare(out);
  }

  /**
   * B3. Injected: the NameNode restarted ({@code MiniDFSCluster.restartNameNode}) while the run is
   * inside checkpoint 40 with its metric files open for append. Compared: the run either rides
   * through or fails with an error naming HDFS; either way the (resumed) run is bit-identical.
   */
  @Test
  void nameNodeRestartedMidRunRidesThroughOrResumesBitIdentical() throws Exception {
    URI out = HdfsFixture.uri("/faults/namenode");
    try (FileSystem fs = HdfsFixture.newFileSystem()) {
      Future<TrainJob.Outcome> run = startPaused(out);
      awaitPaused(fs, out, run);
      HdfsFixture.cluster().restartNameNode(true);
      System.clearProperty(PausePoint.PROPERTY);
      try {
        run.get(5, TimeUnit.MINUTES);
        assertSameAsReference(out);
        System.out.println("HdfsFaultsIT: the run rode through the NameNode restart");
        return; // rode through on the client's retries
      } catch (ExecutionException e) {
        String chain = messages(e.getCause());
        assertTrue(chain.contains("hdfs://") || chain.contains("HDFS"), chain);
        System.out.println("HdfsFaultsIT: the run stopped at the NameNode restart: " + chain);
      }
    }
    resumeAndCompare(out);
  }

  // ---------------------------------------------------------------------------------------------

  private static final ExecutorService RUNNER = Executors.newCachedThreadPool();

  private static TrainJob.Outcome train(String... flags) throws IOException {
    return TrainJob.run(RunFiles.config(flags), SparkFixture.spark());
  }

  private static io.marginflow.common.config.TrainConfig config(String out) {
    List<String> f = new ArrayList<>(FLAGS);
    f.addAll(List.of("--out", out));
    return RunFiles.config(f.toArray(String[]::new));
  }

  private static Future<TrainJob.Outcome> startPaused(URI out) {
    System.setProperty(PausePoint.PROPERTY, PAUSE);
    return RUNNER.submit(() -> TrainJob.run(config(out.toString()), SparkFixture.spark()));
  }

  private static void awaitPaused(FileSystem fs, URI out, Future<?> run) throws Exception {
    org.apache.hadoop.fs.Path theta40 =
        new org.apache.hadoop.fs.Path(out.toString() + "/checkpoints/step-40/theta.bin");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!fs.exists(theta40)) {
      if (run.isDone() || System.nanoTime() > deadline) {
        run.get(1, TimeUnit.SECONDS);
        fail("the run did not reach " + PAUSE);
      }
      Thread.sleep(20);
    }
  }

  private static Throwable outcomeFailure(Future<?> run) throws Exception {
    try {
      run.get(5, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("the run finished despite the injected fault");
  }

  private static void resumeAndCompare(URI out) throws IOException {
    List<String> f = new ArrayList<>(FLAGS); // the CLI would merge them from the manifest
    f.addAll(List.of("--resume", out.toString()));
    train(f.toArray(String[]::new));
    assertSameAsReference(out);
  }

  private static void assertSameAsReference(URI out) throws IOException {
    Configuration local = new Configuration();
    Configuration hdfs = HdfsFixture.conf();
    try (RunStore a = RunStore.open(reference, local);
        RunStore b = RunStore.open(out, hdfs)) {
      assertArrayEquals(
          a.readLatestCheckpoint().orElseThrow().theta(),
          b.readLatestCheckpoint().orElseThrow().theta(),
          "θ");
    }
    assertEquals(
        RunFiles.stepsWithoutWall(reference, local),
        RunFiles.stepsWithoutWall(out, hdfs),
        "steps.jsonl without wall_ms");
    assertEquals(
        RunFiles.text(reference, RunStore.EVAL, local),
        RunFiles.text(out, RunStore.EVAL, hdfs),
        "eval.jsonl");
  }

  private static String messages(Throwable t) {
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

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
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
 * FaultRuns#startPaused}), the fault is injected, and the run is let go. Compared: θ, steps.jsonl
 * without {@code wall_ms} and eval.jsonl of the (resumed) HDFS run with an undisturbed run of the
 * same config on the local disk, bit for bit.
 */
class HdfsFaultsIT {

  private static URI reference;

  @TempDir static Path tmp;

  @BeforeAll
  static void undisturbedReference() throws IOException {
    HdfsFixture.cluster();
    reference =
        TrainJob.run(config(tmp.resolve("reference").toUri()), SparkFixture.spark()).runDir();
  }

  @AfterEach
  void clearPause() {
    FaultRuns.release();
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
      Future<TrainJob.Outcome> run = FaultRuns.startPaused(config(out), fs, out);
      DistributedFileSystem dfs = (DistributedFileSystem) fs;
      long used = dfs.getContentSummary(dir).getSpaceConsumed();
      dfs.setQuota(dir, HdfsConstants.QUOTA_DONT_SET, used + 1);
      FaultRuns.release();
      String chain = FaultRuns.messages(FaultRuns.failureOf(run));
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
      Future<TrainJob.Outcome> run = FaultRuns.startPaused(config(out), fs, out);
      HdfsFixture.cluster().restartNameNode(true);
      FaultRuns.release();
      try {
        run.get(5, TimeUnit.MINUTES);
        assertSameAsReference(out);
        System.out.println("HdfsFaultsIT: the run rode through the NameNode restart");
        return; // rode through on the client's retries
      } catch (ExecutionException e) {
        String chain = FaultRuns.messages(e.getCause());
        assertTrue(chain.contains("hdfs://") || chain.contains("HDFS"), chain);
        System.out.println("HdfsFaultsIT: the run stopped at the NameNode restart: " + chain);
      }
    }
    resumeAndCompare(out);
  }

  private static TrainConfig config(URI out) {
    return FaultRuns.config(FaultRuns.GENERATED_FLAGS, "--out", out.toString());
  }

  private static void resumeAndCompare(URI out) throws IOException {
    // The CLI would merge the flags from the manifest.
    TrainJob.run(
        FaultRuns.config(FaultRuns.GENERATED_FLAGS, "--resume", out.toString()),
        SparkFixture.spark());
    assertSameAsReference(out);
  }

  private static void assertSameAsReference(URI out) throws IOException {
    FaultRuns.assertSameRun(reference, new Configuration(), out, HdfsFixture.conf());
  }
}

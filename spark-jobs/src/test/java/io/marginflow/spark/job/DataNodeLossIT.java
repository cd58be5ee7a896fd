package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.testing.SparkFixture;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault B3, a DataNode lost: a real HDFS of its own ({@link MiniDFSCluster} with three DataNodes,
 * replication 3 as on a production cluster) holds the input (a9a) and the run directory. Injected:
 * while the run is inside the write of checkpoint 40 ({@link FaultRuns#startPaused}) with its
 * metric files open for append, one DataNode is stopped for good. Compared: the run finishes; θ,
 * steps.jsonl without {@code wall_ms} and eval.jsonl equal an undisturbed run's on the local disk
 * bit for bit; every file of the run directory and the input reads back whole, and the NameNode
 * reports no missing or corrupt block (only under-replicated ones): nothing is lost.
 */
class DataNodeLossIT {

  private static final List<String> FLAGS =
      List.of(
          "--model",
          "mlp:123-8-1",
          "--partitions",
          "2",
          "--batch",
          "50",
          "--step",
          "0.5",
          "--steps",
          "60",
          "--eval-every",
          "20",
          "--checkpoint-every",
          "20",
          "--log-steps-every",
          "1",
          "--seed",
          "13");

  private static MiniDFSCluster hdfs;

  @TempDir static Path tmp;

  @BeforeAll
  static void startThreeDataNodes() throws IOException {
    File base = tmp.resolve("minidfs").toFile();
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
    conf.setInt("dfs.replication", 3);
    conf.setInt("dfs.heartbeat.interval", 1);
    conf.setInt("dfs.namenode.heartbeat.recheck-interval", 2000);
    hdfs = new MiniDFSCluster.Builder(conf, base).numDataNodes(3).format(true).build();
    hdfs.waitActive();
  }

  @AfterAll
  static void stop() {
    FaultRuns.release();
    if (hdfs != null) {
      hdfs.shutdown(true);
    }
  }

  @Test
  void aDataNodeStoppedMidRunLosesNothingAndChangesNoBit() throws Exception {
    Path a9a = SharedDatasets.resolve("a9a/a9a.gz");
    assertTrue(Files.exists(a9a), "real data at " + a9a);
    URI reference =
        TrainJob.run(config(a9a.toUri(), tmp.resolve("ref").toUri()), SparkFixture.spark())
            .runDir();

    URI root = hdfs.getURI();
    URI input = URI.create(root + "/data/a9a.gz");
    URI out = URI.create(root + "/runs/datanode-loss");
    try (FileSystem fs = FileSystem.newInstance(root, clientConf())) {
      fs.copyFromLocalFile(
          new org.apache.hadoop.fs.Path(a9a.toUri()), new org.apache.hadoop.fs.Path(input));

      Future<TrainJob.Outcome> run = FaultRuns.startPaused(config(input, out), fs, out);
      MiniDFSCluster.DataNodeProperties lost = hdfs.stopDataNode(0);
      assertTrue(lost != null, "a DataNode was stopped");
      FaultRuns.release();
      TrainJob.Outcome o = run.get(5, TimeUnit.MINUTES);
      assertEquals(out.getPath(), o.runDir().getPath());
      FaultRuns.assertSameRun(reference, new Configuration(), out, clientConf());

      long files = readsBackWhole(fs, new org.apache.hadoop.fs.Path(root + "/"));
      assertTrue(files >= 10, "files read back: " + files);
      DistributedFileSystem dfs = (DistributedFileSystem) fs;
      assertEquals(0, dfs.getMissingBlocksCount(), "missing blocks");
      assertEquals(0, dfs.getCorruptBlocksCount(), "corrupt blocks");
    }
  }

  /** Reads every file under {@code dir} to its end; returns how many there are. */
  private static long readsBackWhole(FileSystem fs, org.apache.hadoop.fs.Path dir)
      throws IOException {
    long files = 0;
    byte[] buf = new byte[1 << 16];
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
    while (it.hasNext()) {
      LocatedFileStatus st = it.next();
      long read = 0;
      try (InputStream in = fs.open(st.getPath())) {
        for (int n; (n = in.read(buf)) > 0; ) {
          read += n;
        }
      }
      assertEquals(st.getLen(), read, "bytes of " + st.getPath());
      files++;
    }
    return files;
  }

  private static Configuration clientConf() {
    Configuration c = new Configuration(hdfs.getConfiguration(0));
    c.set("fs.defaultFS", hdfs.getURI().toString());
    return c;
  }

  private static io.marginflow.common.config.TrainConfig config(URI data, URI out) {
    return FaultRuns.config(FLAGS, "--data", data.toString(), "--out", out.toString());
  }
}

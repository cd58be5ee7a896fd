package io.marginflow.spark.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.marginflow.spark.testing.HdfsFixture;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link RunStore} on a real HDFS ({@link HdfsFixture}): append, hflush, truncate, leases. */
class HdfsRunStoreIT extends RunStoreContract {

  private static final AtomicInteger RUNS = new AtomicInteger();

  @BeforeAll
  static void startHdfs() {
    HdfsFixture.cluster(); // ~7 s once per JVM, shared with the other HDFS tests
  }

  @Override
  URI newRunDir(String testName) {
    return HdfsFixture.uri("/runs/" + testName + "-" + RUNS.incrementAndGet());
  }

  @Override
  Configuration conf() {
    return HdfsFixture.conf();
  }

  @Override
  FileSystem inspector() {
    return HdfsFixture.newFileSystem();
  }

  @Test
  void hdfsTruncateInsideABlockReturnsBeforeItIsDone() throws IOException {
    // Why RunStore polls: truncating to a length inside a block starts an asynchronous recovery.
    Path p = new Path(dir.toString(), "probe.txt");
    try (FSDataOutputStream out = fs.create(p)) {
      out.write(new byte[100]);
    }
    assertFalse(fs.truncate(p, 50), "HDFS finished a mid-block truncate synchronously");
  }

  @Test
  void openRecoversTheLeaseLeftByACrashedWriter() throws IOException {
    RunStore.create(dir, conf()).close();
    FileSystem crashed = HdfsFixture.newFileSystem();
    try {
      FSDataOutputStream out = crashed.create(new Path(dir.toString(), RunStore.STEPS));
      out.write("{\"step\":0}\n".getBytes(StandardCharsets.UTF_8));
      out.hflush(); // the writer dies here, holding the lease
      try (RunStore store = RunStore.open(dir, conf())) {
        store.steps().appendLine("{\"step\":1}");
        store.flushMetrics();
      }
      assertEquals(List.of("{\"step\":0}", "{\"step\":1}"), readLines(RunStore.STEPS));
    } finally {
      ((DistributedFileSystem) crashed).getClient().closeAllFilesBeingWritten(true);
      crashed.close();
    }
  }
}

package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.ReportRunFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/**
 * Reports, listings and snapshot reads from HDFS ({@code MiniDFSCluster}): the real run copied to
 * HDFS reads back the same as from the local disk, and a metric file still open by its writer is
 * read up to what the writer has flushed.
 */
class HdfsReportIT {

  @Test
  void aRunOnHdfsReadsLikeTheLocalOneAndAnOpenFileUpToItsFlushedLength() throws IOException {
    java.nio.file.Path local = ReportRunFixture.runDir();
    Configuration conf = HdfsFixture.conf();
    RunData fromDisk =
        RunReader.read(local.toString(), new Configuration(), RunReader.Options.DEFAULTS);
    try (FileSystem fs = HdfsFixture.newFileSystem()) {
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path("/report/runs/mnist01"));
      String uri = HdfsFixture.uri("/report/runs/mnist01").toString();
      RunData onHdfs = RunReader.read(uri, conf, RunReader.Options.DEFAULTS);
      assertEquals(fromDisk.evals(), onHdfs.evals());
      assertEquals(fromDisk.steps(), onHdfs.steps());
      assertEquals(fromDisk.manifest(), onHdfs.manifest());
      assertEquals(fromDisk.snapshotSteps(), onHdfs.snapshotSteps());
      assertArrayEquals(fromDisk.snapshots().get(2).margin(), onHdfs.snapshots().get(2).margin());
      assertTrue(uri.startsWith("hdfs://") && onHdfs.uri().toString().startsWith("hdfs://"));
      Report report = Report.of(List.of(onHdfs), Instant.EPOCH);
      assertEquals(Report.of(List.of(fromDisk), Instant.EPOCH).charts(), report.charts());
      List<RunSummary> listed = RunLister.list(HdfsFixture.uri("/report/runs").toString(), conf);
      assertEquals(1, listed.size());
      assertEquals(ReportRunFixture.STEPS, listed.get(0).stepsDone());

      // A writer still appending: eval.jsonl open, its last row half written and hflushed.
      Path live = new Path("/report/live/mnist01");
      fs.mkdirs(new Path(live, "metrics"));
      fs.copyFromLocalFile(
          false,
          true,
          new Path(local.resolve("manifest.json").toUri()),
          new Path(live, "manifest.json"));
      byte[] eval = Files.readAllBytes(local.resolve("metrics/eval.jsonl"));
      int cut = eval.length - 250;
      try (FSDataOutputStream out = fs.create(new Path(live, "metrics/eval.jsonl"))) {
        out.write(eval, 0, cut);
        out.hflush();
        RunData reading =
            RunReader.read(
                HdfsFixture.uri(live.toString()).toString(), conf, RunReader.Options.DEFAULTS);
        assertEquals(
            fromDisk.evals().size() - 1,
            reading.evals().size(),
            "all complete rows flushed so far, the half row skipped");
        assertEquals(fromDisk.evals().subList(0, reading.evals().size()), reading.evals());
        assertEquals(RunStatus.State.RUNNING, reading.status().state());
        assertTrue(
            reading.warnings().stream().anyMatch(w -> w.contains("incomplete last line")),
            reading.warnings().toString());
        List<RunSummary> liveListed =
            RunLister.list(HdfsFixture.uri("/report/live").toString(), conf);
        assertEquals("running", liveListed.get(0).statusLabel());
        assertEquals(
            fromDisk.lastEval("train").orElseThrow().normalizedMargin(),
            liveListed.get(0).lastNormalizedMargin(),
            0,
            "the listing reads the open file's tail up to its flushed length");
        out.write(Arrays.copyOfRange(eval, cut, eval.length));
      }
      String text = new String(eval, StandardCharsets.UTF_8);
      assertTrue(text.endsWith("\n"));
      RunData done =
          RunReader.read(
              HdfsFixture.uri(live.toString()).toString(), conf, RunReader.Options.DEFAULTS);
      assertEquals(fromDisk.evals(), done.evals(), "after the writer closed");
    }
  }
}

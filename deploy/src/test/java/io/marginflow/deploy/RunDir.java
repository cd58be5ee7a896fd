package io.marginflow.deploy;

import io.marginflow.common.format.Manifest;
import io.marginflow.spark.store.RunStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** A run directory (local or HDFS) read back for assertions through the Hadoop FileSystem API. */
record RunDir(URI uri) {

  private static final Configuration CONF = new Configuration();

  double[] theta() throws IOException {
    try (RunStore store = RunStore.open(uri, CONF)) {
      return store.readLatestCheckpoint().orElseThrow().theta();
    }
  }

  List<Long> checkpointSteps() throws IOException {
    try (RunStore store = RunStore.open(uri, CONF)) {
      return store.checkpointSteps();
    }
  }

  Manifest manifest() throws IOException {
    try (RunStore store = RunStore.open(uri, CONF)) {
      return store.readManifest().orElseThrow();
    }
  }

  String text(String rel) throws IOException {
    Path p = new Path(new Path(uri), rel);
    FileSystem fs = p.getFileSystem(CONF);
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  boolean exists(String rel) throws IOException {
    Path p = new Path(new Path(uri), rel);
    return p.getFileSystem(CONF).exists(p);
  }

  /** metrics/eval.jsonl: machine-independent, so it must match exactly. */
  String evalRows() throws IOException {
    return text(RunStore.EVAL);
  }

  /** metrics/steps.jsonl with every {@code wall_ms} blanked (the one machine-dependent field). */
  String stepRowsWithoutWall() throws IOException {
    return text(RunStore.STEPS).replaceAll("\"wall_ms\":[^,}]*", "\"wall_ms\":0");
  }
}

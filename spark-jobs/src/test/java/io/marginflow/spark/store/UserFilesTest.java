package io.marginflow.spark.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UserFiles} on Hadoop's real (checksummed) local file system. */
class UserFilesTest {

  @TempDir java.nio.file.Path tmp;

  private final Configuration conf = new Configuration(false);

  @Test
  void writesNoChecksumFileNextToTheOutput() throws IOException {
    Path out = new Path(tmp.resolve("report.html").toUri());
    try (OutputStream o = UserFiles.create(out, conf)) {
      o.write("<html>1</html>".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("<html>1</html>", Files.readString(tmp.resolve("report.html")));
    assertFalse(Files.exists(tmp.resolve(".report.html.crc")), "no .crc sidecar");
  }

  @Test
  void replacingAFileWrittenWithAChecksumRemovesTheStaleChecksum() throws IOException {
    Path out = new Path(tmp.resolve("kkt.json").toUri());
    FileSystem checksummed = out.getFileSystem(conf);
    try (OutputStream o = checksummed.create(out, true)) {
      o.write("old content, longer than the new".getBytes(StandardCharsets.UTF_8));
    }
    assertTrue(Files.exists(tmp.resolve(".kkt.json.crc")), "the local file system wrote a .crc");
    try (OutputStream o = UserFiles.create(out, conf)) {
      o.write("{\"new\":1}".getBytes(StandardCharsets.UTF_8));
    }
    assertFalse(Files.exists(tmp.resolve(".kkt.json.crc")), "stale .crc removed");
    try (InputStream in = checksummed.open(out)) { // verifies checksums when a .crc exists
      assertEquals("{\"new\":1}", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}

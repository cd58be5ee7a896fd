package io.marginflow.spark.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunStore} on the local file system, plus the fallbacks for file systems lacking features.
 */
class LocalRunStoreTest extends RunStoreContract {

  @TempDir java.nio.file.Path tmp;

  @Override
  URI newRunDir(String testName) {
    return tmp.resolve(testName).toUri();
  }

  @Override
  Configuration conf() {
    return new Configuration(false);
  }

  @Override
  FileSystem inspector() throws IOException {
    RawLocalFileSystem raw = new RawLocalFileSystem();
    raw.initialize(URI.create("file:///"), conf());
    return raw;
  }

  @Test
  void plainPathsResolveToTheLocalFileSystemWithoutCrcSideFiles() throws IOException {
    URI plain = URI.create(tmp.resolve("plain").toString()); // no scheme
    try (RunStore store = RunStore.create(plain, conf())) {
      assertEquals("file", store.uri().getScheme());
      store.steps().appendLine("{}");
      store.flushMetrics();
      store.writeCheckpoint(1, new double[] {1, 2}, meta(store, 1));
    }
    try (Stream<java.nio.file.Path> files = Files.walk(tmp.resolve("plain"))) {
      List<String> crc =
          files.map(java.nio.file.Path::toString).filter(n -> n.endsWith(".crc")).toList();
      assertEquals(List.of(), crc);
    }
  }

  @Test
  void withoutTruncateOrOverwritingRenameTheStoreFallsBackToRewriteAndDeleteThenRename()
      throws IOException {
    List<String> steps = lines("step", 0, 4);
    try (RunStore store =
        RunStore.onFileSystem(
            new LimitedFileSystem(), new Path(dir), RunStore.Options.DEFAULTS, true)) {
      for (String l : steps) {
        store.steps().appendLine(l);
      }
      store.flushMetrics();
      long twoLines = bytes(steps.subList(0, 2));
      store.writeCheckpoint(1, new double[] {1}, meta(store, 1));
      store.writeCheckpoint(2, new double[] {2}, meta(store, 2)); // replaces LATEST
      assertEquals(2, store.latestStep().getAsLong());

      store.truncateMetrics(twoLines, 0);
      assertEquals(steps.subList(0, 2), readLines(RunStore.STEPS));
      store.steps().appendLine("{\"after\":true}");
      store.flushMetrics();
      assertEquals(twoLines + 15, store.steps().length());
      String all =
          new String(readAll(new Path(dir.toString(), RunStore.STEPS)), StandardCharsets.UTF_8);
      assertTrue(all.endsWith("\n{\"after\":true}\n"), all);
    }
    assertEquals(List.of(), temporaries());
  }

  /**
   * A local file system without truncate whose rename refuses an existing target (like some
   * stores).
   */
  static final class LimitedFileSystem extends FilterFileSystem {
    LimitedFileSystem() throws IOException {
      super(new RawLocalFileSystem());
      initialize(URI.create("file:///"), new Configuration(false));
    }

    @Override
    public boolean truncate(Path f, long newLength) {
      throw new UnsupportedOperationException("no truncate here");
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
      return !exists(dst) && super.rename(src, dst);
    }
  }
}

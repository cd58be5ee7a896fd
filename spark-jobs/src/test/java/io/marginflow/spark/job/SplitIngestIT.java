package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.io.compress.bzip2.CBZip2OutputStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split ingestion on real files through Spark {@code local[2]}: plain, gzip and (multi-block) bzip2
 * files mixed, cut into byte ranges of several sizes, give the same blocks bit for bit as
 * whole-file ingestion and as the single-threaded {@link LibsvmReader}; a bad line in a later split
 * is reported with its true line number; the fingerprint does not depend on the split size.
 */
class SplitIngestIT {

  private static final int FEATURES = 40;
  private static final long WHOLE = Long.MAX_VALUE / 4;

  @TempDir Path tmp;

  private final JavaSparkContext sc = SparkFixture.jsc();
  private final HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());

  @Test
  void splitIngestionEqualsWholeFileIngestionForEverySplitSize() throws IOException {
    Random rnd = new Random(14);
    Path plain = tmp.resolve("a.libsvm");
    Files.writeString(plain, libsvm(rnd, 3000, "\n"));
    Path gz = tmp.resolve("b.libsvm.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(libsvm(rnd, 700, "\r\n").getBytes(StandardCharsets.UTF_8));
    }
    Path bz2 = tmp.resolve("c.libsvm.bz2");
    String bzText = libsvm(rnd, 9000, "\n");
    assertTrue(bzText.length() > 300_000, "the bzip2 file must span several 100k blocks");
    try (OutputStream out = Files.newOutputStream(bz2)) {
      out.write(new byte[] {'B', 'Z'});
      try (CBZip2OutputStream bz = new CBZip2OutputStream(out, 1)) {
        bz.write(bzText.getBytes(StandardCharsets.UTF_8));
      }
    }
    List<String> files =
        List.of(plain.toUri().toString(), gz.toUri().toString(), bz2.toUri().toString());
    LineFormat scanFormat = new LineFormat("libsvm", 0, -1, 0);
    LineFormat format = scanFormat.withFeatures(FEATURES);

    List<InputFile> whole = SparkIngest.scan(sc, files, scanFormat, conf, WHOLE);
    assertEquals(List.of(1, 1, 1), whole.stream().map(f -> f.splits().size()).toList());
    assertEquals(
        FileFingerprint.of(sc, files, conf),
        whole.stream().map(InputFile::sha256).toList(),
        "hashed in the scan's read (plain) or apart (gzip, bzip2): the scheme's fingerprints");
    List<long[]> expected = reference(List.of(plain, gz, bz2), 3, 50);
    for (boolean sparse : new boolean[] {true, false}) {
      assertBlocksEqual(
          expected, signature(SparkIngest.load(sc, whole, format, 3, 50, sparse, conf), sparse));
    }
    for (long splitBytes : new long[] {977, 4096, 65_536}) {
      List<InputFile> split = SparkIngest.scan(sc, files, scanFormat, conf, splitBytes);
      assertTrue(split.get(0).splits().size() > 3, "plain file cut into splits");
      assertTrue(split.get(2).splits().size() > 3, "bzip2 file cut into splits");
      assertTrue(
          split.get(2).splits().stream().filter(s -> s.rows() > 0).count() > 1,
          "rows of the bzip2 file come from several splits");
      assertEquals(1, split.get(1).splits().size(), "gzip is read whole");
      for (int f = 0; f < files.size(); f++) {
        InputFile w = whole.get(f);
        InputFile s = split.get(f);
        assertEquals(
            List.of(w.rows(), w.positives(), w.nonZeros(), (long) w.maxIndex(), w.bytes()),
            List.of(s.rows(), s.positives(), s.nonZeros(), (long) s.maxIndex(), s.bytes()));
        assertEquals(w.sha256(), s.sha256(), "fingerprint independent of the split size");
        assertEquals(
            w.splits().get(0).lines(), s.splits().stream().mapToLong(InputFile.Split::lines).sum());
      }
      for (int partitions : new int[] {1, 3}) {
        List<long[]> exp = partitions == 3 ? expected : reference(List.of(plain, gz, bz2), 1, 50);
        for (boolean sparse : new boolean[] {true, false}) {
          assertBlocksEqual(
              exp,
              signature(SparkIngest.load(sc, split, format, partitions, 50, sparse, conf), sparse));
        }
      }
    }
  }

  @Test
  void aBadLineInALaterSplitIsReportedWithItsTrueLineNumber() throws IOException {
    Random rnd = new Random(15);
    StringBuilder text = new StringBuilder();
    String[] lines = libsvm(rnd, 5000, "\n").split("\n", -1);
    for (int i = 0; i < 5000; i++) {
      text.append(i == 4320 ? "+1 3:0.5 7:oops" : lines[i]).append('\n');
    }
    Path bad = tmp.resolve("bad.libsvm");
    Files.writeString(bad, text);
    LineFormat format = new LineFormat("libsvm", 0, -1, 0);
    for (long splitBytes : new long[] {1000, WHOLE}) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  SparkIngest.scan(sc, List.of(bad.toUri().toString()), format, conf, splitBytes));
      assertTrue(e.getMessage().contains("bad.libsvm:4321: "), e.getMessage());
    }

    StringBuilder mixed = new StringBuilder();
    for (int i = 1; i <= 6000; i++) {
      String label = i == 4001 ? "-1" : i == 10 || i == 5000 ? "0" : "+1";
      mixed.append(label).append(" 1:0.25 2:").append(i).append('\n');
    }
    Path labels = tmp.resolve("labels.libsvm");
    Files.writeString(labels, mixed);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SparkIngest.scan(sc, List.of(labels.toUri().toString()), format, conf, 2000));
    assertTrue(e.getMessage().contains("labels.libsvm:4001: "), e.getMessage());
    assertTrue(e.getMessage().contains("first at line 10"), e.getMessage());
  }

  @Test
  void fingerprintIsTheSha256OfChunkDigests() throws Exception {
    Path file = tmp.resolve("f.libsvm");
    Files.writeString(file, libsvm(new Random(16), 400, "\n"));
    byte[] bytes = Files.readAllBytes(file);
    String uri = file.toUri().toString();
    assertEquals(
        hex(sha(bytes, 0, bytes.length)), FileFingerprint.of(sc, List.of(uri), conf).get(0));
    MessageDigest outer = MessageDigest.getInstance("SHA-256");
    int chunk = 1000;
    for (int at = 0; at < bytes.length; at += chunk) {
      outer.update(sha(bytes, at, Math.min(chunk, bytes.length - at)));
    }
    assertEquals(hex(outer.digest()), FileFingerprint.of(sc, List.of(uri), conf, chunk).get(0));
  }

  /** LIBSVM text: random sparse rows, ±1 labels, a blank line now and then. */
  static String libsvm(Random rnd, int rows, String eol) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < rows; i++) {
      if (rnd.nextInt(50) == 0) {
        sb.append("  ").append(eol);
      }
      sb.append(rnd.nextBoolean() ? "+1" : "-1");
      for (int j = 1; j <= FEATURES; j++) {
        if (rnd.nextInt(8) == 0) {
          sb.append(' ').append(j).append(':').append(rnd.nextGaussian());
        }
      }
      sb.append(eol);
    }
    return sb.toString();
  }

  /** The expected blocks: the files read one after the other by the single-threaded reader. */
  private static List<long[]> reference(List<Path> files, int partitions, int blockRows)
      throws IOException {
    List<long[]> rows = new ArrayList<>();
    long offset = 0;
    for (Path f : files) {
      Dataset ds = readThroughPlainCopy(f);
      for (RowBlock b : ds.blocks()) {
        for (long[] row : rows(b)) {
          row[0] += offset;
          rows.add(row);
        }
      }
      offset += ds.rows();
    }
    // Cut into P contiguous ranges, then blocks of blockRows, as the load pass must.
    List<long[]> blocks = new ArrayList<>();
    long n = rows.size();
    for (int p = 0; p < partitions; p++) {
      int lo = (int) RangeIndexPartitioner.firstIndex(n, partitions, p);
      int hi = (int) RangeIndexPartitioner.firstIndex(n, partitions, p + 1);
      for (int at = lo; at < hi; at += blockRows) {
        blocks.add(flatten(p, rows.subList(at, Math.min(hi, at + blockRows))));
      }
    }
    return blocks;
  }

  private static Dataset readThroughPlainCopy(Path f) throws IOException {
    if (!f.toString().endsWith(".bz2")) {
      return LibsvmReader.read(f, FEATURES, false, 1 << 20);
    }
    Path copy = Files.createTempFile(f.getParent(), "plain", ".libsvm");
    org.apache.hadoop.io.compress.BZip2Codec codec = new org.apache.hadoop.io.compress.BZip2Codec();
    codec.setConf(new org.apache.hadoop.conf.Configuration());
    try (var in = codec.createInputStream(Files.newInputStream(f))) {
      Files.write(copy, in.readAllBytes());
    }
    return LibsvmReader.read(copy, FEATURES, false, 1 << 20);
  }

  private static long[] flatten(int partition, List<long[]> rows) {
    long[] out = new long[2 + rows.size() * (2 + FEATURES)];
    out[0] = partition;
    out[1] = rows.size();
    int k = 2;
    for (long[] r : rows) {
      System.arraycopy(r, 0, out, k, r.length);
      k += r.length;
    }
    return out;
  }

  /** Each block as (partition, rows, then per row: index, label bits, dense value bits). */
  private static List<long[]> signature(
      org.apache.spark.api.java.JavaRDD<RowBlock> blocks, boolean sparse) {
    assertEquals(0, blocks.filter(b -> (b instanceof CsrBlock) != sparse).count(), "block kind");
    return blocks
        .mapPartitionsWithIndex(
            (p, it) -> {
              List<long[]> out = new ArrayList<>();
              it.forEachRemaining(b -> out.add(flatten(p, rows(b))));
              return out.iterator();
            },
            true)
        .collect();
  }

  private static List<long[]> rows(RowBlock b) {
    DenseBlock d = b instanceof CsrBlock c ? c.toDense() : (DenseBlock) b;
    List<long[]> rows = new ArrayList<>();
    for (int r = 0; r < d.rows(); r++) {
      long[] row = new long[2 + FEATURES];
      row[0] = d.rowIndex()[r];
      row[1] = Double.doubleToRawLongBits(d.labels()[r]);
      for (int j = 0; j < FEATURES; j++) {
        row[2 + j] = Double.doubleToRawLongBits(d.values()[r * FEATURES + j]);
      }
      rows.add(row);
    }
    return rows;
  }

  private static void assertBlocksEqual(List<long[]> expected, List<long[]> actual) {
    assertEquals(expected.size(), actual.size(), "block count");
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), "block " + i);
    }
  }

  private static byte[] sha(byte[] b, int off, int len) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(b, off, len);
    return md.digest();
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}

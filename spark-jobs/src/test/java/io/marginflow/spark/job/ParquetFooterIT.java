package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Footers read once ({@link ParquetFooter}, {@link ParquetFooters}): the footer of Spark-written
 * files read from the file's tail in one read, or in two when the first read is shorter than the
 * footer, parses to what parquet-mr's own footer reader gives (schema, row groups, column chunks
 * with their statistics, key-value metadata), also after Java serialization (as shipped to tasks);
 * a file that is not Parquet gets parquet-mr's error; a footer is read once per file, and again
 * when the file is rewritten.
 */
class ParquetFooterIT {

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());

  @Test
  void footerFromTheTailIsParquetMrsFooterWhateverTheFirstReadsLength() throws Exception {
    List<String> files = MlVectorParquet.write(spark, rows(3000, 11), tmp.resolve("v"), 2000, conf);
    assertEquals(2, files.size());
    for (String f : files) {
      Configuration c = conf.get();
      FileStatus st = status(f);
      ParquetMetadata expected =
          ParquetFileReader.readFooter(
              HadoopInputFile.fromStatus(st, c), ParquetMetadataConverter.NO_FILTER);
      assertTrue(expected.getBlocks().size() > 3, "row groups: " + expected.getBlocks().size());
      String want = ParquetMetadata.toJSON(expected);
      int footer = footerLength(f);
      assertTrue(footer > 1000, "footer bytes " + footer);
      // first read: everything, the footer exactly, one byte short of it, a few bytes, the minimum
      for (int tail : new int[] {ParquetFooter.TAIL_BYTES, footer + 8, footer + 7, 100, 9, 1}) {
        ParquetFooter read = ParquetFooter.read(f, st, c, tail);
        assertEquals(want, ParquetMetadata.toJSON(read.metadata()), f + ", first read " + tail);
        assertEquals(st.getLen(), read.length());
        assertEquals(f, read.uri());
        ParquetFooter shipped = roundTrip(read);
        assertEquals(want, ParquetMetadata.toJSON(shipped.metadata()), "after serialization");
      }
      ParquetFileMeta meta = ParquetFileMeta.of(ParquetFooter.read(f, st, c));
      assertEquals(expected.getBlocks().size(), meta.groups().size());
      for (int g = 0; g < meta.groups().size(); g++) {
        assertEquals(expected.getBlocks().get(g).getRowCount(), meta.groups().get(g).rows());
        assertEquals(expected.getBlocks().get(g).getStartingPos(), meta.groups().get(g).start());
      }
    }
  }

  @Test
  void aFileThatIsNotParquetGetsParquetMrsError() throws Exception {
    for (byte[] bytes :
        new byte[][] {
          "not a parquet file at all, but long enough".getBytes(), "PAR1".getBytes(), new byte[0]
        }) {
      Path p = tmp.resolve("bad-" + bytes.length + ".parquet");
      Files.write(p, bytes);
      String uri = p.toUri().toString();
      // parquet-mr throws a RuntimeException for these, as before
      Exception e = assertThrows(Exception.class, () -> ParquetFooters.of(uri, conf.get()));
      Exception theirs =
          assertThrows(
              Exception.class,
              () ->
                  ParquetFileReader.readFooter(
                      HadoopInputFile.fromStatus(status(uri), conf.get()),
                      ParquetMetadataConverter.NO_FILTER));
      assertEquals(theirs.getClass(), e.getClass());
      assertEquals(theirs.getMessage(), e.getMessage());
      Exception side =
          assertThrows(Exception.class, () -> ParquetFooters.of(List.of(uri, uri), conf.get()));
      assertEquals(theirs.getMessage(), side.getMessage(), "read side by side");
    }
  }

  @Test
  void aFooterIsReadOnceAndAgainWhenTheFileIsRewritten() throws Exception {
    List<String> a = MlVectorParquet.write(spark, rows(800, 1), tmp.resolve("a"), 1000, conf);
    List<String> b = MlVectorParquet.write(spark, rows(1200, 2), tmp.resolve("b"), 2000, conf);
    String uri = a.get(0);
    ParquetFooter first = ParquetFooters.of(uri, conf.get());
    assertSame(first, ParquetFooters.of(List.of(uri, uri), conf.get()).get(1), "kept");
    // the file rewritten with other rows: another length and modification time
    Path file = Path.of(java.net.URI.create(uri));
    Files.copy(Path.of(java.net.URI.create(b.get(0))), file, StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc")); // now stale
    Files.setLastModifiedTime(
        file,
        java.nio.file.attribute.FileTime.fromMillis(
            Files.getLastModifiedTime(file).toMillis() + 5000));
    ParquetFooter again = ParquetFooters.of(uri, conf.get());
    assertNotEquals(first.length(), again.length());
    assertEquals(1200, ParquetFileMeta.of(again).rows());
    assertEquals(800, ParquetFileMeta.of(first).rows());
    // the same files side by side, in order
    List<String> many = new ArrayList<>(b);
    many.add(uri);
    List<ParquetFooter> footers = ParquetFooters.of(many, conf.get());
    assertEquals(many.size(), footers.size());
    for (int i = 0; i < many.size(); i++) {
      assertEquals(many.get(i), footers.get(i).uri());
      assertEquals(status(many.get(i)).getLen(), footers.get(i).length());
    }
  }

  private FileStatus status(String uri) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    return p.getFileSystem(conf.get()).getFileStatus(p);
  }

  /** The footer length stored in the file's last 8 bytes. */
  private int footerLength(String uri) throws IOException {
    byte[] all = Files.readAllBytes(Path.of(java.net.URI.create(uri)));
    int n = all.length;
    return (all[n - 8] & 0xff)
        | (all[n - 7] & 0xff) << 8
        | (all[n - 6] & 0xff) << 16
        | (all[n - 5] & 0xff) << 24;
  }

  private static ParquetFooter roundTrip(ParquetFooter f) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(f);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (ParquetFooter) in.readObject();
    }
  }

  /** Dense vectors of 30 values, labels ±1. */
  private static List<Row> rows(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      double[] v = new double[30];
      for (int j = 0; j < v.length; j++) {
        v[j] = rnd.nextDouble(-1, 1);
      }
      rows.add(RowFactory.create(rnd.nextBoolean() ? 1.0 : -1.0, Vectors.dense(v)));
    }
    return rows;
  }
}

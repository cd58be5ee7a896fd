package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.FloatDenseBlock;
import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParquetColumnChunks} (the numeric-columns layout read one column chunk at a time) against
 * Spark's vectorized reader on files Spark writes: every row group decodes, and the load gives the
 * blocks of the Spark-reader-only load bit for bit, for several row-group sizes, dictionary on and
 * off, snappy, gzip, zstd and no compression, data pages v1 and v2, partition ranges starting and
 * ending inside row groups, and double, float, int, long and short feature columns; a decimal
 * column is handed back to Spark's reader (same blocks); a null is handed back and named by Spark's
 * reader's message; a NaN in a later row group fails with the row Spark's reader names.
 */
class ParquetColumnChunksIT {

  private static final int ROWS = 7000;
  private static final int BLOCK_ROWS = 700;
  private static final List<String> COLUMNS = List.of("a", "b", "c", "f", "i", "l", "s");

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());

  @Test
  void everyRowGroupDecodesAndTheLoadEqualsSparksReader() throws IOException {
    List<Row> rows = rows(-1, false, false);
    List<Case> cases =
        List.of(
            new Case("snappy", true, "PARQUET_1_0", 16 << 10),
            new Case("gzip", false, "PARQUET_1_0", 64 << 10),
            new Case("zstd", true, "PARQUET_2_0", 16 << 10),
            new Case("none", false, "PARQUET_2_0", 128 << 20),
            new Case("snappy", false, "PARQUET_2_0", 40 << 10),
            new Case("none", true, "PARQUET_1_0", 128 << 20));
    for (Case c : cases) {
      String name =
          c.compression() + "-" + c.dictionary() + "-" + c.version() + "-" + c.blockSize();
      List<String> files = write(rows, schema(false), name, c);
      long groups = 0;
      for (String f : files) {
        ParquetFileMeta meta = ParquetFileMeta.read(f, conf.get());
        groups += meta.groups().size();
        for (int g = 0; g < meta.groups().size(); g++) {
          assertDecodes(f, g, meta.groups().get(g).start(), name);
        }
      }
      assertTrue(groups >= (c.blockSize() < 1 << 20 ? 6 : 2), name + ": row groups " + groups);
      for (int parts : new int[] {1, 3, 7}) {
        assertSameBlocks(files, parts, name + ", P=" + parts);
      }
    }
  }

  /**
   * {@code --feature-storage float}: the column-chunk load builds its full blocks in single
   * precision, and every block (compacted as the run does) equals the compacted blocks of Spark's
   * reader in double, for several partition counts.
   */
  @Test
  void floatBlocksFromColumnChunksEqualTheCompactedDoubleBlocks() throws IOException {
    List<String> files =
        write(
            rows(-1, false, false),
            schema(false),
            "float",
            // one row group per file: segments of several full blocks
            new Case("snappy", true, "PARQUET_1_0", 128 << 20));
    List<InputFile> scanned = ParquetIngest.scan(spark, files, cols(), conf);
    for (int parts : new int[] {1, 3, 7}) {
      List<RowBlock> reference = load(scanned, parts, true);
      List<RowBlock> loaded =
          ParquetIngest.load(spark, scanned, cols(), COLUMNS.size(), parts, BLOCK_ROWS, false, true)
              .collect();
      long direct = loaded.stream().filter(b -> b instanceof FloatDenseBlock).count();
      assertTrue(direct > 0, "P=" + parts + ": no block loaded in float");
      assertEquals(reference.size(), loaded.size(), "P=" + parts);
      for (int k = 0; k < reference.size(); k++) {
        FloatDenseBlock want = (FloatDenseBlock) FloatStorage.compact(reference.get(k));
        FloatDenseBlock have = (FloatDenseBlock) FloatStorage.compact(loaded.get(k));
        String at = "P=" + parts + ", block " + k;
        assertEquals(want.rows(), have.rows(), at);
        assertEquals(want.firstRow(), have.firstRow(), at);
        assertArrayEquals(want.labelBytes(), have.labelBytes(), at);
        assertArrayEquals(want.values(), have.values(), at);
      }
    }
  }

  @Test
  void onHdfsTheLoadEqualsSparksReader() throws IOException {
    List<String> local =
        write(
            rows(-1, false, false),
            schema(false),
            "hdfs-src",
            new Case("snappy", true, "PARQUET_1_0", 16 << 10));
    String dir = "/parquet/column-chunks";
    for (String f : local) {
      String name = f.substring(f.lastIndexOf('/') + 1);
      HdfsFixture.copyFromLocal(Path.of(java.net.URI.create(f)), dir + "/" + name);
    }
    HadoopConf hdfs = new HadoopConf(HdfsFixture.conf());
    List<String> remote = InputFiles.expand(List.of(HdfsFixture.uri(dir).toString()), hdfs.get());
    assertTrue(remote.get(0).startsWith("hdfs://"), remote.get(0));
    ParquetFileMeta meta = ParquetFileMeta.read(remote.get(1), hdfs.get());
    assertDecodes(remote.get(1), 2, meta.groups().get(2).start(), "hdfs", hdfs.get());
    List<InputFile> scanned = ParquetIngest.scan(spark, remote, cols(), hdfs);
    ParquetIngestIT.assertBlocksEqual(
        load(scanned, 3, false), load(scanned, 3, true), "HDFS, column chunks vs Spark's reader");
  }

  @Test
  void aDecimalColumnIsHandedBackToSparksReader() throws IOException {
    List<String> files =
        write(
            rows(-1, false, true),
            schema(true),
            "decimal",
            new Case("snappy", true, "PARQUET_1_0", 16 << 10));
    ParquetFileMeta meta = ParquetFileMeta.read(files.get(0), conf.get());
    assertNull(
        ParquetColumnChunks.open(
            ParquetFooters.of(files.get(0), conf.get()),
            0,
            meta.groups().get(0).start(),
            "label",
            COLUMNS,
            conf.get()),
        "a decimal column: not decoded here");
    assertSameBlocks(files, 3, "decimal");
  }

  @Test
  void aNullIsHandedBackAtItsRowGroupWithNothingAdded() throws IOException {
    int bad = 5321;
    List<String> files =
        write(
            rows(bad, false, false),
            schema(false),
            "null",
            new Case("snappy", true, "PARQUET_1_0", 16 << 10));
    assertHandedBackOnlyAt(files, bad);
    // a file with a null is decoded by the scan, whose message names the row
    DataFormatException e =
        assertThrows(
            DataFormatException.class, () -> ParquetIngest.scan(spark, files, cols(), conf, true));
    assertTrue(
        e.getMessage().startsWith(files.get(1) + ":" + (bad - ROWS / 2 + 1) + ": "),
        e.getMessage());
    assertTrue(e.getMessage().contains("column 'c' is null"), e.getMessage());
  }

  @Test
  void aNanInALaterRowGroupFailsTheLoadWithItsRow() throws IOException {
    int bad = 6543;
    List<String> files =
        write(
            rows(bad, true, false),
            schema(false),
            "nan",
            new Case("zstd", false, "PARQUET_2_0", 16 << 10));
    assertHandedBackOnlyAt(files, bad);
    // the scan takes the files' facts from their footers: the load meets the NaN
    List<InputFile> scanned = ParquetIngest.scan(spark, files, cols(), conf, true);
    String[] messages = new String[2];
    for (int k = 0; k < 2; k++) {
      boolean sparkOnly = k == 1;
      Exception e = assertThrows(Exception.class, () -> load(scanned, 3, sparkOnly));
      messages[k] = rootMessage(e);
    }
    assertEquals(messages[1], messages[0], "the message of Spark's reader");
    String expected =
        files.get(1) + ":" + (bad - ROWS / 2 + 1) + ": column 'c': value must be finite (got NaN)";
    assertTrue(messages[0].contains(expected), messages[0] + " vs " + expected);
  }

  /**
   * Every row group decodes column by column but the one holding row {@code bad} (0-based, of all
   * files), which hands back adding nothing (an open block kept intact).
   */
  private void assertHandedBackOnlyAt(List<String> files, int bad) throws IOException {
    long base = 0;
    boolean met = false;
    for (String f : files) {
      ParquetFileMeta meta = ParquetFileMeta.read(f, conf.get());
      for (int g = 0; g < meta.groups().size(); g++) {
        try (ParquetColumnChunks chunks =
            ParquetColumnChunks.open(
                ParquetFooters.of(f, conf.get()),
                g,
                meta.groups().get(g).start(),
                "label",
                COLUMNS,
                conf.get())) {
          long n = chunks.rows();
          boolean holds = bad >= base && bad < base + n;
          met |= holds;
          RowBlockBuilder b = new RowBlockBuilder(COLUMNS.size(), false, 64);
          b.addDense(0, 1.0, new double[COLUMNS.size()]);
          assertEquals(!holds, b.addDenseColumns(1, (int) n, chunks.from(0)), f + ": " + g);
          assertEquals(holds ? 1 : n + 1, b.rowsAdded(), f + ": row group " + g);
          base += n;
        }
      }
    }
    assertTrue(met, "row " + bad + " found");
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? e.getMessage() : m;
  }

  /** Row group {@code g} decodes column by column to the rows Spark's reader gives. */
  private void assertDecodes(String f, int g, long start, String what) throws IOException {
    assertDecodes(f, g, start, what, conf.get());
  }

  private void assertDecodes(String f, int g, long start, String what, Configuration c)
      throws IOException {
    ParquetFooter footer = ParquetFooters.of(f, c);
    assertNull(
        ParquetColumnChunks.open(footer, g, start + 1, "label", COLUMNS, c),
        "a row group elsewhere than the plan says: not read");
    try (ParquetColumnChunks chunks =
        ParquetColumnChunks.open(footer, g, start, "label", COLUMNS, c)) {
      assertNotNull(chunks, what);
      long skip = chunks.rows() / 3; // a partition starting inside the row group
      RowBlockBuilder b = new RowBlockBuilder(COLUMNS.size(), false, 97);
      assertTrue(
          b.addDenseColumns(0, (int) (chunks.rows() - skip), chunks.from(skip)),
          what + ": row group " + g + " decodes");
      List<RowBlock> got = b.finish();
      assertEquals(chunks.rows() - skip, got.stream().mapToLong(RowBlock::rows).sum(), what);
    }
  }

  private void assertSameBlocks(List<String> files, int parts, String what) throws IOException {
    List<InputFile> scanned = ParquetIngest.scan(spark, files, cols(), conf);
    List<RowBlock> reference = load(scanned, parts, true);
    assertEquals(ROWS, reference.stream().mapToLong(RowBlock::rows).sum(), what);
    ParquetIngestIT.assertBlocksEqual(reference, load(scanned, parts, false), what);
  }

  private static ParquetColumns cols() {
    return new ParquetColumns("label", COLUMNS);
  }

  /** The load's blocks, read by Spark's reader only when {@code sparkOnly}. */
  private List<RowBlock> load(List<InputFile> files, int parts, boolean sparkOnly) {
    Configuration shared = SparkFixture.jsc().hadoopConfiguration();
    shared.setBoolean(ParquetBlockStream.COLUMN_CHUNKS, !sparkOnly);
    try {
      return ParquetIngest.load(spark, files, cols(), COLUMNS.size(), parts, BLOCK_ROWS, false)
          .collect();
    } finally {
      shared.unset(ParquetBlockStream.COLUMN_CHUNKS);
    }
  }

  /**
   * Labels 0/1 (0 maps to −1), doubles a, b, c (about a fifth zeros, −0.0 in every 7th row of a), a
   * float f, an int i, a long l (some beyond 2^53) and a short s; row {@code bad} of c null (or NaN
   * with {@code nan}); with {@code decimal}, s is a decimal(10, 3).
   */
  private static List<Row> rows(int bad, boolean nan, boolean decimal) {
    SplittableRandom rnd = new SplittableRandom(41);
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < ROWS; r++) {
      double label = rnd.nextInt(2);
      Double a = r % 7 == 0 ? -0.0 : value(rnd);
      Double c = r == bad ? (nan ? Double.NaN : null) : value(rnd);
      long l = rnd.nextInt(9) == 0 ? (1L << 55) + rnd.nextInt(1000) : rnd.nextInt(2000) - 1000;
      Object s =
          decimal
              ? BigDecimal.valueOf(rnd.nextInt(100000), 3)
              : (Object) (short) (rnd.nextInt(200) - 100);
      rows.add(
          RowFactory.create(
              label,
              a,
              value(rnd),
              c,
              (float) (double) value(rnd),
              rnd.nextInt(5) == 0 ? 0 : rnd.nextInt(),
              l,
              s));
    }
    return rows;
  }

  private static Double value(SplittableRandom rnd) {
    return rnd.nextInt(5) == 0 ? 0.0 : rnd.nextDouble(-3, 3);
  }

  private static StructType schema(boolean decimal) {
    return new StructType()
        .add("label", DataTypes.DoubleType, true)
        .add("a", DataTypes.DoubleType, true)
        .add("b", DataTypes.DoubleType, false)
        .add("c", DataTypes.DoubleType, true)
        .add("f", DataTypes.FloatType, true)
        .add("i", DataTypes.IntegerType, true)
        .add("l", DataTypes.LongType, true)
        .add("s", decimal ? DataTypes.createDecimalType(10, 3) : DataTypes.ShortType, true);
  }

  private record Case(String compression, boolean dictionary, String version, int blockSize) {}

  /** Two part files of ROWS / 2 rows each, row groups of about {@code c.blockSize()} bytes. */
  private List<String> write(List<Row> rows, StructType schema, String name, Case c)
      throws IOException {
    Path dir = tmp.resolve(name);
    spark
        .createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", ROWS / 2)
        .option("parquet.block.size", c.blockSize())
        .option("parquet.page.size", 8 << 10)
        .option("parquet.enable.dictionary", c.dictionary())
        .option("parquet.writer.version", c.version())
        .option("compression", c.compression())
        .parquet(dir.toString());
    List<String> files = InputFiles.expand(List.of(dir.toString()), conf.get());
    assertEquals(2, files.size(), name);
    return files;
  }
}

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParquetDensePages} on files Spark writes: every row group of dense vectors read in chunks
 * of any size gives the labels and values as written, bit for bit (NaN and −0.0 as stored), with
 * dictionary or plain values, snappy or no compression, data pages v1 or v2; a row group holding a
 * vector of another length or a sparse vector makes it give up (−1) no later than at that row, so
 * that no row past the first bad one is ever handed over.
 */
class ParquetDensePagesIT {

  private static final int ROWS = 6000;
  private static final int SIZE = 28;

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());

  @Test
  void everyRowGroupReadsAsWrittenInChunksOfAnySize() throws IOException {
    List<Row> rows = rows(-1, 0, false, true);
    // decodes: false where the writer picks an encoding the pages do not decode (they refuse
    // before any row); v2 without a dictionary writes the vectors' type with DELTA_BINARY_PACKED,
    // which parquet-mr's values reader decodes for them
    record Case(
        String name, String compression, boolean dictionary, String version, boolean decodes) {}
    for (Case c :
        List.of(
            new Case("snappy-dictionary-v1", "snappy", true, "PARQUET_1_0", true),
            new Case("plain-v1", "none", false, "PARQUET_1_0", true),
            new Case("snappy-dictionary-v2", "snappy", true, "PARQUET_2_0", true),
            new Case("zstd-plain-v2", "zstd", false, "PARQUET_2_0", true))) {
      List<String> files = write(rows, c.name(), c.compression(), c.dictionary(), c.version());
      if (!c.decodes()) {
        try (ParquetDensePages pages = open(files.get(0), 0)) {
          assertEquals(-1, pages.read(new double[1], new double[SIZE], 1), c.name());
          assertEquals(0, pages.taken(), c.name());
        }
        continue;
      }
      SplittableRandom rnd = new SplittableRandom(3);
      long next = 0;
      for (String f : files) {
        int groups = ParquetFileMeta.read(f, conf.get()).groups().size();
        assertTrue(groups > 3, c.name());
        for (int g = 0; g < groups; g++) {
          try (ParquetDensePages pages = open(f, g)) {
            assertNotNull(pages, c.name());
            long left = pages.rows();
            while (left > 0) {
              int want = 1 + rnd.nextInt(300);
              double[] y = new double[want];
              double[] x = new double[want * SIZE];
              int got = pages.read(y, x, want);
              assertEquals(Math.min(want, left), got, c.name() + ": row group " + g);
              for (int r = 0; r < got; r++) {
                Row row = rows.get((int) (next + r));
                assertEquals(row.getDouble(0), y[r], c.name() + ": label of row " + (next + r));
                double[] v = ((Vector) row.get(1)).toArray();
                for (int j = 0; j < SIZE; j++) {
                  assertEquals(
                      Double.doubleToRawLongBits(v[j]),
                      Double.doubleToRawLongBits(x[r * SIZE + j]),
                      c.name() + ": row " + (next + r) + " value " + j);
                }
              }
              next += got;
              left -= got;
            }
            assertEquals(0, pages.read(new double[1], new double[SIZE], 1), "at the end");
          }
        }
      }
      assertEquals(ROWS, next, c.name());
    }
  }

  @Test
  void aVectorOfAnotherLengthOrASparseVectorStopsTheReadAtItsRow() throws IOException {
    int bad = 4321;
    for (int kind = 0; kind < 3; kind++) {
      // 0: SIZE + 1 values at `bad`, SIZE − 1 three rows later; 1: the reverse; 2: a sparse vector
      List<Row> rows =
          kind < 2 ? rows(bad, kind == 0 ? 1 : -1, false, false) : rows(bad, 0, true, false);
      List<String> files = write(rows, "bad" + kind, "snappy", true, "PARQUET_1_0");
      long base = 0;
      boolean stopped = false;
      for (String f : files) {
        int groups = ParquetFileMeta.read(f, conf.get()).groups().size();
        for (int g = 0; g < groups; g++) {
          try (ParquetDensePages pages = open(f, g)) {
            long n = pages.rows();
            boolean holdsBad = bad >= base && bad < base + n;
            long read = 0;
            int got;
            while ((got = pages.read(new double[64], new double[64 * SIZE], 64)) > 0) {
              read += got;
            }
            if (holdsBad) {
              assertEquals(-1, got, "kind " + kind);
              assertTrue(base + read <= bad, "kind " + kind + ": rows past the bad one");
              stopped = true;
            } else if (!(kind < 2 && bad + 3 >= base && bad + 3 < base + n)) {
              assertEquals(n, read, "kind " + kind + ": a clean row group");
            }
            base += n;
          }
        }
      }
      assertTrue(stopped, "kind " + kind);
    }
  }

  @Test
  void theLoadGivesTheRowsAsWrittenWhetherThePagesDecodeOrSparksReaderTakesOver()
      throws IOException {
    List<Row> rows = rows(-1, 0, false, false);
    for (String version : List.of("PARQUET_1_0", "PARQUET_2_0")) {
      for (boolean dictionary : new boolean[] {true, false}) {
        String name = "load-" + version + "-" + dictionary;
        List<String> files = write(rows, name, "snappy", dictionary, version);
        List<InputFile> footers =
            ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
        assertTrue(footers.stream().allMatch(InputFile::loadCountsNonZeros), name);
        for (int partitions : new int[] {1, 5}) {
          ParquetDenseVectorsIT.assertRowsAsWritten(
              rows,
              ParquetIngest.load(
                      spark, footers, ParquetColumns.DEFAULT, SIZE, partitions, 700, false)
                  .collect(),
              SIZE,
              name + " P=" + partitions);
        }
      }
    }
  }

  /** Row group {@code g} of {@code file}'s pages (its start from the footer, as a load's plan). */
  private ParquetDensePages open(String file, int g) throws IOException {
    long start = ParquetFileMeta.read(file, conf.get()).groups().get(g).start();
    ParquetFooter footer = ParquetFooters.of(file, conf.get());
    assertNull(
        ParquetDensePages.open(footer, g, start + 1, "label", "features", SIZE, conf.get()),
        "a row group elsewhere than the plan says: not read");
    return ParquetDensePages.open(footer, g, start, "label", "features", SIZE, conf.get());
  }

  /**
   * Labels ±1 and dense vectors of SIZE random values (entry 5 of every 7th row −0.0, entry 3 of
   * row 100 NaN); with {@code delta} ≠ 0, row {@code bad} holds SIZE + delta values and row bad + 3
   * SIZE − delta; with {@code sparse}, row {@code bad} is stored as a sparse vector; the NaN only
   * with {@code nan}.
   */
  private static List<Row> rows(int bad, int delta, boolean sparse, boolean nan) {
    SplittableRandom rnd = new SplittableRandom(29);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      int n = i == bad ? SIZE + delta : i == bad + 3 ? SIZE - delta : SIZE;
      double[] x = new double[n];
      for (int j = 0; j < n; j++) {
        x[j] = rnd.nextInt(5) == 0 ? 0.0 : rnd.nextDouble(-2, 2);
      }
      if (i % 7 == 0) {
        x[5] = -0.0;
      }
      if (i == 100 && nan) {
        x[3] = Double.NaN;
      }
      Vector v = Vectors.dense(x);
      rows.add(
          RowFactory.create(rnd.nextBoolean() ? 1.0 : -1.0, sparse && i == bad ? v.toSparse() : v));
    }
    return rows;
  }

  /**
   * One part file per 2,500 rows, row groups of about 16 KiB; {@code dictionary}: for the vectors'
   * columns (the labels always have one, from which the footers learn that they do not mix 0 and
   * −1).
   */
  private List<String> write(
      List<Row> rows, String name, String compression, boolean dictionary, String version)
      throws IOException {
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType, false)
            .add("features", new VectorUDT(), true);
    Path dir = tmp.resolve(name);
    spark
        .createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", 2500)
        .option("parquet.block.size", 16 << 10)
        .option("parquet.enable.dictionary#features.type", dictionary)
        .option("parquet.enable.dictionary#features.values.list.element", dictionary)
        .option("parquet.writer.version", version)
        .option("compression", compression)
        .parquet(dir.toString());
    return InputFiles.expand(List.of(dir.toString()), conf.get());
  }
}

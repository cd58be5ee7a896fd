package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet files of plain numeric columns: a run's scan takes their facts from the footers ({@link
 * ParquetFooterScan}: no nulls recorded, labels that cannot mix 0 and −1) instead of decoding them,
 * and the load checks each row and counts the non-zeros, loading first the layout the footers hint
 * at ({@link ParquetIngest#looksSparse}). The blocks, their layout, rows, positives and cached
 * bytes equal the decoding path's with few and many zeros, whichever layout was loaded first; a NaN
 * deep in a later row group fails the run naming its file, row and column before the run directory
 * exists; a file with a null is decoded by the scan, which names the row.
 */
class ParquetColumnFootersIT {

  private static final int ROWS = 9000;
  private static final int PER_FILE = 5000;
  private static final String[] COLUMNS = {"a", "b", "c", "d", "e", "f"};

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final JavaSparkContext sc = SparkFixture.jsc();
  private final HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());

  @Test
  void footerFactsGiveTheDecodingPathsBlocksWithFewAndManyZeros() throws IOException {
    record Case(String name, double zeros, boolean csr, boolean plain, boolean guess) {}
    for (Case c :
        List.of(
            new Case("few-zeros", 0.1, false, true, false),
            new Case("many-zeros", 0.9, true, false, true),
            // plain, uncompressed values: the footers hint at dense blocks, the count says CSR
            new Case("many-zeros-plain", 0.9, true, true, false),
            // small integers in a dictionary: the footers hint at CSR, the count says dense
            new Case("few-zeros-dictionary", 0.1, false, false, true))) {
      List<String> files = write(rows(c.zeros(), c.plain(), -1, null), c.name(), !c.plain());
      assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
      List<InputFile> decoded = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf);
      List<InputFile> footers =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      for (int f = 0; f < files.size(); f++) {
        InputFile d = decoded.get(f);
        InputFile o = footers.get(f);
        assertTrue(o.loadCountsNonZeros() && !d.loadCountsNonZeros(), c.name());
        assertEquals(-1, o.positives(), c.name() + ": footers do not count positives");
        assertEquals(d.sha256(), o.sha256());
        assertEquals(d.rows(), o.rows());
        assertEquals(COLUMNS.length, o.maxIndex());
        assertEquals(d.splits(), o.splits());
        assertEquals(o.rows() * COLUMNS.length, o.nonZeros(), "the columns stand for non-zeros");
      }
      assertEquals(c.csr(), TrainJob.isSparse(decoded, COLUMNS.length), c.name() + ": the rule");
      assertFalse(TrainJob.isSparse(footers, COLUMNS.length), "footers alone plan dense blocks");
      assertEquals(
          c.guess(),
          ParquetIngest.looksSparse(spark, footers, ParquetColumns.DEFAULT, conf),
          c.name() + ": the footers' hint");

      TrainConfig config = RunFiles.config(flags(files, tmp.resolve("unused")));
      DataLoader loader = new DataLoader(sc, config);
      TrainJob.Ingested a = TrainJob.ingest(config, loader, decoded, decoded, COLUMNS.length);
      TrainJob.Ingested b = TrainJob.ingest(config, loader, footers, footers, COLUMNS.length);
      try {
        assertEquals(c.csr(), b.train().sparse(), c.name() + ": layout");
        assertEquals(c.csr(), b.test().sparse(), c.name() + ": the test split follows");
        assertEquals(a.train().rows(), b.train().rows());
        assertEquals(a.train().positives(), b.train().positives());
        assertEquals(a.train().cachedBytes(), b.train().cachedBytes(), c.name());
        var blocks = b.train().blocks().collect();
        assertEquals(c.csr() ? CsrBlock.class : DenseBlock.class, blocks.get(0).getClass());
        ParquetIngestIT.assertBlocksEqual(
            a.train().blocks().collect(), blocks, c.name() + ": train");
        ParquetIngestIT.assertBlocksEqual(
            a.test().blocks().collect(), b.test().blocks().collect(), c.name() + ": test");
      } finally {
        for (TrainJob.Ingested i : List.of(a, b)) {
          i.train().blocks().unpersist(false);
          i.test().blocks().unpersist(false);
        }
      }
    }
  }

  @Test
  void aNanDeepInALaterRowGroupFailsTheRunBeforeItsDirectoryExists() throws IOException {
    int bad = PER_FILE + 3217; // row 3,218 of the second file, in a later row group
    List<String> files = write(rows(0.3, false, bad, Double.NaN), "nan", true);
    assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
    InputFile second = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true).get(1);
    assertTrue(
        second.loadCountsNonZeros(), "the footers settle the scan; only the load sees the row");
    Path out = tmp.resolve("runs/nan");
    Exception e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainJob.run(RunFiles.config(flags(files, out)), spark));
    String at = files.get(1) + ":" + (bad - PER_FILE + 1) + ": ";
    assertTrue(e.getMessage().startsWith(at), e.getMessage());
    assertTrue(e.getMessage().contains("column 'c': value must be finite"), e.getMessage());
    assertFalse(Files.exists(out), "no run directory");

    // a null: the footers record it, so the scan decodes that file and names the row
    List<String> nulls = write(rows(0.3, false, bad, null), "null", true);
    DataFormatException d =
        assertThrows(
            DataFormatException.class,
            () -> ParquetIngest.scan(spark, nulls, ParquetColumns.DEFAULT, conf, true));
    assertTrue(d.getMessage().startsWith(nulls.get(1) + ":" + (bad - PER_FILE + 1) + ": "));
    assertTrue(d.getMessage().contains("column 'c' is null"), d.getMessage());
  }

  private static String[] flags(List<String> files, Path out) {
    String dir = files.get(0).substring(0, files.get(0).lastIndexOf('/'));
    String run =
        "--format parquet --partitions 3 --batch 20 --steps 5 --eval-every 5 --checkpoint-every 0"
            + " --block-rows 512 --model mlp:"
            + COLUMNS.length
            + "-4-1";
    List<String> all = new ArrayList<>(List.of(run.split(" ")));
    all.addAll(List.of("--data", dir, "--test-data", dir, "--out", out.toString()));
    return all.toArray(String[]::new);
  }

  /**
   * Labels 1/0 and six columns (double, int, float, long, short, double), each zero with
   * probability {@code zeros}, else a random double ({@code wide}) or a small integer; row {@code
   * bad} (if ≥ 0) holds {@code c = badValue} (null: a null).
   */
  private static List<Row> rows(double zeros, boolean wide, int bad, Double badValue) {
    SplittableRandom rnd = new SplittableRandom(53);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double[] x = new double[COLUMNS.length];
      for (int j = 0; j < x.length; j++) {
        x[j] =
            rnd.nextDouble() < zeros
                ? 0.0
                : wide ? rnd.nextDouble(-2, 2) : rnd.nextInt(1, 4) * (j % 2 == 0 ? 1 : -1);
      }
      Double c = i == bad ? badValue : Double.valueOf(x[2]);
      rows.add(
          RowFactory.create(
              rnd.nextBoolean() ? 1.0 : 0.0,
              x[0],
              (int) Math.rint(x[1] * 1000),
              c == null ? null : (float) (double) c,
              (long) Math.rint(x[3] * 1000),
              (short) Math.rint(x[4] * 100),
              x[5]));
    }
    return rows;
  }

  /**
   * Two part files (5,000 + 4,000 rows) in row groups of about 16 KiB; {@code compressed}: Spark's
   * defaults (dictionary, snappy), else plain values without compression.
   */
  private List<String> write(List<Row> rows, String name, boolean compressed) throws IOException {
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType, false)
            .add("a", DataTypes.DoubleType, false)
            .add("b", DataTypes.IntegerType, false)
            .add("c", DataTypes.FloatType, true)
            .add("d", DataTypes.LongType, false)
            .add("e", DataTypes.ShortType, false)
            .add("f", DataTypes.DoubleType, false);
    String dir = tmp.resolve(name).toString();
    spark
        .createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", PER_FILE)
        .option("parquet.block.size", 16 << 10)
        .option("parquet.enable.dictionary", compressed)
        .option("compression", compressed ? "snappy" : "none")
        .parquet(dir);
    return InputFiles.expand(List.of(dir), conf.get());
  }
}

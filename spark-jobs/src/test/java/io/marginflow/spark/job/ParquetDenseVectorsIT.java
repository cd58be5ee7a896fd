package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.FloatCsrBlock;
import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parquet files of Spark ML dense vectors ({@code VectorAssembler}'s output when dense): a run's
 * scan takes their facts from the footers ({@link ParquetFooterScan}, no decode), its load counts
 * the non-zeros and, when the dense/CSR rule calls for CSR, converts its cached blocks ({@link
 * CsrConversion}), loading first the layout the footers hint at ({@link
 * ParquetIngest#looksSparse}). The blocks and their layout equal the decoding path's, with few
 * zeros (dense blocks) and with many (CSR blocks; the test split follows the training split; float
 * storage too), whether the hint was right or wrong; a vector of the wrong length deep in a later
 * row group fails the run naming its row before its directory exists.
 */
class ParquetDenseVectorsIT {

  private static final int ROWS = 9000;
  private static final int PER_FILE = 5000;
  private static final int SIZE = 40;

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final JavaSparkContext sc = SparkFixture.jsc();
  private final HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());

  @Test
  void footerFactsGiveTheDecodingPathsBlocksWithFewAndManyZeros() throws IOException {
    // guess: the layout the footers hint at (ParquetIngest.looksSparse), loaded first
    record Case(
        String name,
        double zeros,
        boolean binary,
        boolean plain,
        boolean csr,
        boolean guess,
        String storage) {}
    for (Case c :
        List.of(
            new Case("few-zeros", 0.2, false, false, false, false, "double"),
            new Case("many-zeros", 0.9, false, false, true, true, "double"),
            new Case("many-zeros-binary", 0.9, true, false, true, true, "double"),
            // 0/1 values in a dictionary: the footers hint at CSR, the count says dense
            new Case("half-ones-binary", 0.5, true, false, false, true, "double"),
            // plain, uncompressed values: the footers hint at dense, the count says CSR
            new Case("many-zeros-plain", 0.9, false, true, true, false, "double"),
            new Case("many-zeros-float", 0.9, false, false, true, true, "float"))) {
      List<String> files =
          MlVectorParquet.write(
              spark,
              rows(c.zeros(), c.binary(), -1, 0),
              tmp.resolve(c.name()),
              PER_FILE,
              conf,
              !c.plain());
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
        assertEquals(SIZE, o.maxIndex());
        assertEquals(d.maxIndex(), o.maxIndex());
        assertEquals(d.splits(), o.splits());
        assertEquals(o.rows() * SIZE, o.nonZeros(), "stored values stand for the non-zeros");
        assertTrue(d.nonZeros() < o.nonZeros(), c.name());
      }
      assertEquals(c.csr(), TrainJob.isSparse(decoded, SIZE), c.name() + ": the rule");
      assertFalse(TrainJob.isSparse(footers, SIZE), "footers alone plan dense blocks");
      assertEquals(
          c.guess(),
          ParquetIngest.looksSparse(spark, footers, ParquetColumns.DEFAULT, conf),
          c.name() + ": the footers' hint");

      TrainConfig config = RunFiles.config(flags(files, tmp.resolve("unused"), c.storage()));
      DataLoader loader = new DataLoader(sc, config);
      TrainJob.Ingested a = TrainJob.ingest(config, loader, decoded, decoded, SIZE);
      TrainJob.Ingested b = TrainJob.ingest(config, loader, footers, footers, SIZE);
      try {
        assertEquals(c.csr(), b.train().sparse(), c.name() + ": layout");
        assertEquals(c.csr(), b.test().sparse(), c.name() + ": the test split follows");
        assertEquals(a.train().rows(), b.train().rows());
        assertEquals(a.train().positives(), b.train().positives());
        assertEquals(a.train().cachedBytes(), b.train().cachedBytes(), c.name());
        var blocks = b.train().blocks().collect();
        Class<?> kind =
            c.storage().equals("float")
                ? FloatCsrBlock.class
                : c.csr() ? CsrBlock.class : DenseBlock.class;
        assertEquals(kind, blocks.get(0).getClass(), c.name());
        ParquetIngestIT.assertBlocksEqual(
            doubles(a.train().blocks().collect()), doubles(blocks), c.name() + ": train");
        ParquetIngestIT.assertBlocksEqual(
            doubles(a.test().blocks().collect()),
            doubles(b.test().blocks().collect()),
            c.name() + ": test");
      } finally {
        for (TrainJob.Ingested i : List.of(a, b)) {
          i.train().blocks().unpersist(false);
          i.test().blocks().unpersist(false);
        }
      }
    }
  }

  @Test
  void aVectorOfTheWrongLengthDeepInALaterRowGroupFailsTheRunBeforeItsDirectoryExists()
      throws IOException {
    int bad = PER_FILE + 3217; // row 3,218 of the second file, in a later row group
    for (int delta : new int[] {1, -1}) {
      // the values stay rows × SIZE per row group: a longer and a shorter vector side by side
      List<String> files = write(rows(0.2, false, bad, delta), "ragged" + delta);
      assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
      InputFile second =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true).get(1);
      assertTrue(
          second.loadCountsNonZeros(), "the footers settle the scan; only the load sees the row");
      Path out = tmp.resolve("runs/ragged" + delta);
      Exception e =
          assertThrows(
              IllegalArgumentException.class,
              () -> TrainJob.run(RunFiles.config(flags(files, out, "double")), spark));
      String at = files.get(1) + ":" + (bad - PER_FILE + 1) + ": ";
      assertTrue(e.getMessage().startsWith(at), e.getMessage());
      assertTrue(
          e.getMessage()
              .contains(
                  "column 'features': a dense vector of "
                      + (SIZE + delta)
                      + " values where the file's footers give dense vectors of "
                      + SIZE
                      + " values each"),
          e.getMessage());
      assertFalse(Files.exists(out), "no run directory");
    }
  }

  @Test
  void aNanInADenseVectorDeepInALaterRowGroupFailsTheRunNamingItsEntry() throws IOException {
    int bad = PER_FILE + 3217;
    List<String> files = write(rows(0.2, false, bad, 0), "nan");
    assertTrue(
        ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true)
            .get(1)
            .loadCountsNonZeros());
    Path out = tmp.resolve("runs/nan");
    Exception e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainJob.run(RunFiles.config(flags(files, out, "double")), spark));
    String at = files.get(1) + ":" + (bad - PER_FILE + 1) + ": ";
    assertTrue(e.getMessage().startsWith(at), e.getMessage());
    assertTrue(
        e.getMessage().contains("column 'features[7]': value must be finite (got NaN)"),
        e.getMessage());
    assertFalse(Files.exists(out), "no run directory");
  }

  /** The blocks in double storage (float blocks widened exactly). */
  private static List<RowBlock> doubles(List<RowBlock> blocks) {
    return blocks.stream().map(FloatStorage::toDouble).toList();
  }

  private static String[] flags(List<String> files, Path out, String storage) {
    String dir = files.get(0).substring(0, files.get(0).lastIndexOf('/'));
    String run =
        "--format parquet --partitions 3 --batch 20 --steps 5 --eval-every 5 --checkpoint-every 0"
            + " --block-rows 512 --model mlp:"
            + SIZE
            + "-4-1 --feature-storage "
            + storage;
    List<String> all = new ArrayList<>(List.of(run.split(" ")));
    all.addAll(List.of("--data", dir, "--test-data", dir, "--out", out.toString()));
    return all.toArray(String[]::new);
  }

  /**
   * Labels ±1 and dense vectors of {@link #SIZE} values, each zero with probability {@code zeros},
   * else 1 ({@code binary}) or a random double (entry 5 of every 7th row −0.0); with {@code delta}
   * ≠ 0, row {@code bad} holds SIZE + delta values and row bad + 3 SIZE − delta, with {@code delta}
   * = 0 a NaN at entry 7.
   */
  private static List<Row> rows(double zeros, boolean binary, int bad, int delta) {
    SplittableRandom rnd = new SplittableRandom(47);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      int n = i == bad ? SIZE + delta : i == bad + 3 ? SIZE - delta : SIZE;
      double[] x = new double[n];
      for (int j = 0; j < n; j++) {
        x[j] = rnd.nextDouble() < zeros ? 0.0 : binary ? 1.0 : rnd.nextDouble(-2, 2);
      }
      if (!binary && i % 7 == 0) {
        x[5] = -0.0; // stored as 0.0 in every block
      }
      if (i == bad && delta == 0) {
        x[7] = Double.NaN;
      }
      rows.add(RowFactory.create(rnd.nextBoolean() ? 1.0 : -1.0, Vectors.dense(x)));
    }
    return rows;
  }

  /** Two part files (5,000 + 4,000 rows) in row groups of about 16 KiB. */
  private List<String> write(List<Row> rows, String name) throws IOException {
    return MlVectorParquet.write(spark, rows, tmp.resolve(name), PER_FILE, conf);
  }
}

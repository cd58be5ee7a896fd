package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.marginflow.common.data.RowBlockBuilder;
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

  @Test
  void aDenseOnlyReadLoadsTheRowsAsWrittenAcrossRowGroupsPartitionsAndBlocks() throws IOException {
    List<Row> rows = rows(0.2, false, -1, 0);
    for (boolean compressed : new boolean[] {true, false}) {
      String name = compressed ? "dense-only" : "dense-only-plain";
      List<String> files =
          MlVectorParquet.write(spark, rows, tmp.resolve(name), PER_FILE, conf, compressed);
      List<InputFile> footers =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      assertTrue(footers.stream().allMatch(InputFile::loadCountsNonZeros), name);
      // Spark's reader takes the pruned struct: a batch holds the vectors' type and values only
      ParquetBatchDecoder pruned = decoder(files.get(1)).denseOnly();
      assertTrue(pruned.isDenseOnly());
      assertEquals(
          ParquetBatchDecoder.DENSE_VECTOR_STRUCT, pruned.requested().apply("features").dataType());
      List<ParquetFileMeta.RowGroup> groups =
          ParquetFileMeta.read(files.get(1), conf.get()).groups();
      ParquetFileMeta.RowGroup g = groups.get(2);
      try (ParquetBatchReader in =
          new ParquetBatchReader(
              files.get(1),
              g.start(),
              g.length(),
              pruned.requested(),
              ParquetBatchReader.configure(spark, conf.get()))) {
        var b = in.next();
        assertEquals(ParquetBatchDecoder.DENSE_VECTOR_STRUCT, b.column(1).dataType());
        assertEquals(1, b.column(1).getChild(0).getByte(0), "type: dense");
        double[] stored = b.column(1).getChild(1).getArray(0).toDoubleArray();
        long first = PER_FILE + groups.get(0).rows() + groups.get(1).rows();
        Row row = rows.get((int) first);
        assertArrayEquals(((org.apache.spark.ml.linalg.Vector) row.get(1)).toArray(), stored);
        // the batch copied at once in chunks of 3 rows, and in one chunk: the rows as written
        for (int chunk : new int[] {3, ParquetBatchReader.BATCH_ROWS}) {
          RowBlockBuilder builder = new RowBlockBuilder(SIZE, false, 16);
          ParquetVectorRows view = pruned.vectorRows(b);
          assertTrue(
              pruned.addDenseRows(
                  b,
                  1,
                  b.numRows(),
                  view,
                  files.get(1),
                  first - PER_FILE + 2,
                  first + 1,
                  SIZE,
                  new double[ParquetBatchReader.BATCH_ROWS],
                  new double[chunk * SIZE],
                  builder));
          assertRowsAsWritten(
              rows.subList((int) first + 1, (int) first + b.numRows()),
              builder.finish(),
              first + 1,
              SIZE,
              name + ": chunks of " + chunk + " rows");
        }
      }
      for (int partitions : new int[] {1, 3, 7}) {
        for (int blockRows : new int[] {512, 4096}) {
          for (boolean csr : new boolean[] {false, true}) {
            List<RowBlock> blocks =
                ParquetIngest.load(
                        spark, footers, ParquetColumns.DEFAULT, SIZE, partitions, blockRows, csr)
                    .collect();
            assertRowsAsWritten(
                rows, blocks, name + " P=" + partitions + " rows " + blockRows + " csr " + csr);
          }
        }
      }
    }
  }

  @Test
  void filesMixingSparseAndDenseVectorsLoadTheRowsAsWritten() throws IOException {
    List<Row> dense = rows(0.2, false, -1, 0);
    for (int from : new int[] {0, PER_FILE}) {
      // every third row from row `from` on stored sparse, and the rows from 7,000 on all sparse:
      // mixed files, or a file of dense vectors only and a mixed one
      List<Row> written = new ArrayList<>();
      for (int i = 0; i < ROWS; i++) {
        Row r = dense.get(i);
        org.apache.spark.ml.linalg.Vector v = (org.apache.spark.ml.linalg.Vector) r.get(1);
        boolean sparseRow = i >= from && (i % 3 == 0 || i >= 7000);
        written.add(sparseRow ? RowFactory.create(r.get(0), v.toSparse()) : r);
      }
      String name = "mixed-from-" + from;
      List<String> files = write(written, name);
      List<InputFile> footers =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      assertFalse(
          footers.stream().anyMatch(InputFile::loadCountsNonZeros),
          "dense-only footers count only when every file has them: all decoded");
      for (int partitions : new int[] {1, 4}) {
        for (boolean csr : new boolean[] {false, true}) {
          List<RowBlock> blocks =
              ParquetIngest.load(spark, footers, ParquetColumns.DEFAULT, SIZE, partitions, 512, csr)
                  .collect();
          assertRowsAsWritten(written, blocks, name + " P=" + partitions + " csr " + csr);
        }
      }
    }
  }

  @Test
  void inABatchCopiedAtOnceTheFirstBadRowIsReportedWhetherItsLabelOrAValue() throws IOException {
    int at = PER_FILE + 3217; // row 3,218 of the second file
    // {row of a NaN, row of label 2.0}: the first of the two is reported, as row by row
    for (int[] bad : new int[][] {{at, at + 2}, {at + 1, at}, {at, at}}) {
      List<Row> rows = new ArrayList<>(rows(0.2, false, bad[0], 0));
      Row r = rows.get(bad[1]);
      rows.set(bad[1], RowFactory.create(2.0, r.get(1)));
      List<String> files = write(rows, "bad-" + bad[0] + "-" + bad[1]);
      List<InputFile> footers =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      assertTrue(footers.get(1).loadCountsNonZeros());
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  ParquetIngest.load(spark, footers, ParquetColumns.DEFAULT, SIZE, 2, 512, false)
                      .count());
      String message = SparkIngest.unwrap(e).getMessage();
      int first = Math.min(bad[0], bad[1]);
      assertTrue(message.startsWith(files.get(1) + ":" + (first - PER_FILE + 1) + ": "), message);
      assertTrue(
          message.contains(
              first == bad[1]
                  ? "bad label in column 'label'"
                  : "column 'features[7]': value must be finite (got NaN)"),
          message);
    }
  }

  /**
   * Asserts that {@code blocks} hold {@code rows} in order, each at its global index: its label and
   * its vector's values bit for bit (−0.0 as 0.0), whatever the blocks' layout.
   */
  private static void assertRowsAsWritten(List<Row> rows, List<RowBlock> blocks, String what) {
    assertRowsAsWritten(rows, blocks, 0, SIZE, what);
  }

  /** The same for rows of {@code size} values whose first has the global index 0. */
  static void assertRowsAsWritten(List<Row> rows, List<RowBlock> blocks, int size, String what) {
    assertRowsAsWritten(rows, blocks, 0, size, what);
  }

  /** The same for rows whose first has the global index {@code firstIndex}. */
  private static void assertRowsAsWritten(
      List<Row> rows, List<RowBlock> blocks, long firstIndex, int size, String what) {
    long next = firstIndex;
    for (RowBlock block : blocks) {
      DenseBlock d = block instanceof CsrBlock c ? c.toDense() : (DenseBlock) block;
      for (int r = 0; r < d.rows(); r++) {
        assertEquals(next, d.rowIndex()[r], what + ": row order");
        Row row = rows.get((int) (next - firstIndex));
        assertEquals(row.getDouble(0), d.labels()[r], what + ": label of row " + next);
        double[] x = ((org.apache.spark.ml.linalg.Vector) row.get(1)).toArray();
        for (int j = 0; j < size; j++) {
          assertEquals(
              Double.doubleToRawLongBits(x[j] + 0.0),
              Double.doubleToRawLongBits(d.values()[r * size + j]),
              what + ": row " + next + " feature " + j);
        }
        next++;
      }
    }
    assertEquals(rows.size(), next - firstIndex, what + ": rows");
  }

  /** The decoder of a file as a load resolves it. */
  private ParquetBatchDecoder decoder(String file) throws IOException {
    var schema = ParquetFileMeta.read(file, conf.get()).schema();
    return new ParquetBatchDecoder(ParquetLayout.of(schema, ParquetColumns.DEFAULT, file), schema);
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

package io.marginflow.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParquetIngest} against a slow, obviously correct reference (Spark's own rows, cast to
 * double, stacked into blocks row by row) on files with many small row groups and with row groups
 * longer than one column batch, so that partition ranges start and end inside row groups and
 * batches: the same blocks for several partition counts, dense and CSR, in the column layout (every
 * numeric type, zeros and −0.0) and Spark ML's vector layout (dense and sparse vectors); a bad
 * value deep in a later row group is reported with its true row; the fingerprints follow the
 * documented scheme; part files on HDFS ({@code MiniDFSCluster}) give the same blocks.
 */
class ParquetRowGroupsIT {

  private static final int ROWS = 9000;
  private static final int PER_FILE = 5000;
  private static final String[] COLUMNS = {"a", "b", "c", "d", "e", "f"};

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();
  private final HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());

  @Test
  void columnLayoutEqualsSparksRowsForAnyRowGroupsAndPartitions() throws IOException {
    Dataset<Row> data = data(-1);
    List<String> cols = List.of(COLUMNS);
    for (boolean small : new boolean[] {true, false}) {
      List<String> files = write(data.drop("v"), "cols-" + small, small);
      assertEquals(2, files.size());
      int groups = ParquetFileMeta.read(files.get(0), conf.get()).groups().size();
      assertTrue(small ? groups > 3 : groups == 1, "row groups of the first file: " + groups);
      List<InputFile> scanned =
          ParquetIngest.scan(spark, files, new ParquetColumns("label", cols), conf);
      assertEquals(ROWS, scanned.stream().mapToLong(InputFile::rows).sum());
      assertEquals(COLUMNS.length, scanned.get(0).maxIndex());
      // the fingerprint scheme is unchanged: a file under 64 MiB has the SHA-256 of its bytes
      assertEquals(
          FileFingerprint.ofLocal(files, conf), scanned.stream().map(InputFile::sha256).toList());
      assertEquals(sha256(files.get(1)), scanned.get(1).sha256());
      List<double[]> reference = reference(files, cols);
      assertEquals(
          reference.stream().mapToLong(r -> nonZeros(r)).sum(),
          scanned.stream().mapToLong(InputFile::nonZeros).sum(),
          "non-zeros");
      assertEquals(
          reference.stream().filter(r -> r[0] > 0).count(),
          scanned.stream().mapToLong(InputFile::positives).sum(),
          "positives");
      for (int parts : new int[] {1, 2, 5}) {
        for (boolean sparse : new boolean[] {false, true}) {
          // one column wider than the data: the extra feature stays 0
          int features = COLUMNS.length + (parts == 5 ? 1 : 0);
          List<RowBlock> got =
              ParquetIngest.load(
                      spark,
                      scanned,
                      new ParquetColumns("label", cols),
                      features,
                      parts,
                      700,
                      sparse)
                  .collect();
          ParquetIngestIT.assertBlocksEqual(
              blocks(reference, features, parts, sparse, 700),
              got,
              "small row groups " + small + ", " + parts + " partitions, sparse " + sparse);
        }
      }
    }
  }

  @Test
  void partFilesOnHdfsIngestToTheSameBlocksAsOnLocalDisk() throws IOException {
    List<String> local = write(data(-1).drop("v"), "hdfs-src", true);
    String dir = HdfsFixture.uri("/parquet/row-groups").toString();
    for (int f = 0; f < local.size(); f++) {
      String name = local.get(f).substring(local.get(f).lastIndexOf('/') + 1);
      HdfsFixture.copyFromLocal(
          Path.of(java.net.URI.create(local.get(f))), "/parquet/row-groups/" + name);
    }
    HadoopConf hdfs = new HadoopConf(HdfsFixture.conf());
    List<String> remote = InputFiles.expand(List.of(dir), hdfs.get());
    assertEquals(2, remote.size());
    assertTrue(remote.get(0).startsWith("hdfs://"), remote.get(0));
    ParquetColumns cols = new ParquetColumns("label", List.of(COLUMNS));
    List<InputFile> a = ParquetIngest.scan(spark, local, cols, conf);
    List<InputFile> b = ParquetIngest.scan(spark, remote, cols, hdfs);
    assertEquals(
        a.stream().map(InputFile::sha256).toList(), b.stream().map(InputFile::sha256).toList());
    assertEquals(a.get(1).nonZeros(), b.get(1).nonZeros());
    ParquetIngestIT.assertBlocksEqual(
        ParquetIngest.load(spark, a, cols, COLUMNS.length, 3, 700, false).collect(),
        ParquetIngest.load(spark, b, cols, COLUMNS.length, 3, 700, false).collect(),
        "HDFS vs local disk");
  }

  @Test
  void vectorLayoutEqualsSparksRowsForAnyRowGroupsAndPartitions() throws IOException {
    Dataset<Row> data = data(-1).select(col("label"), col("v"));
    for (boolean small : new boolean[] {true, false}) {
      List<String> files = write(data, "vec-" + small, small);
      List<InputFile> scanned = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf);
      assertEquals(COLUMNS.length, scanned.get(0).maxIndex());
      List<double[]> reference = vectorReference(files);
      for (int parts : new int[] {1, 3}) {
        for (boolean sparse : new boolean[] {false, true}) {
          List<RowBlock> got =
              ParquetIngest.load(
                      spark, scanned, ParquetColumns.DEFAULT, COLUMNS.length, parts, 512, sparse)
                  .collect();
          ParquetIngestIT.assertBlocksEqual(
              blocks(reference, COLUMNS.length, parts, sparse, 512),
              got,
              "vectors, small row groups " + small + ", " + parts + " partitions");
        }
      }
    }
  }

  @Test
  void aBadValueInALaterRowGroupNamesItsTrueRow() throws IOException {
    int bad = 7123; // row 2,123 of the second file, in its third row group or later
    List<String> files = write(data(bad).drop("v"), "bad-cols", true);
    assertTrue(ParquetFileMeta.read(files.get(1), conf.get()).groups().size() > 3);
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () ->
                ParquetIngest.scan(
                    spark, files, new ParquetColumns("label", List.of(COLUMNS)), conf));
    assertTrue(
        e.getMessage().startsWith(files.get(1) + ":" + (bad - PER_FILE + 1) + ": "),
        e.getMessage());
    assertTrue(e.getMessage().contains("column 'a': value must be finite"), e.getMessage());

    List<String> vec = write(data(bad).select(col("label"), col("v")), "bad-vec", true);
    e =
        assertThrows(
            DataFormatException.class,
            () -> ParquetIngest.scan(spark, vec, ParquetColumns.DEFAULT, conf));
    assertTrue(
        e.getMessage().startsWith(vec.get(1) + ":" + (bad - PER_FILE + 1) + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("column 'v[0]': value must be finite"), e.getMessage());
  }

  /**
   * Rows with a 1/0 label, six numeric columns of six types (many zeros, some −0.0 in the double
   * column) and the same values as a vector (sparse or dense as {@code compressed()} chooses); row
   * {@code nanRow} (if ≥ 0) has a NaN in {@code a} and in the vector's first entry.
   */
  private Dataset<Row> data(int nanRow) {
    SplittableRandom rnd = new SplittableRandom(41);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      double a = rnd.nextInt(4) == 0 ? 0.0 : rnd.nextDouble(-3, 3);
      if (i % 97 == 0) {
        a = -0.0;
      }
      if (i == nanRow) {
        a = Double.NaN;
      }
      int b = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(-50, 50);
      float c = rnd.nextInt(3) == 0 ? 0f : (float) rnd.nextDouble(-1, 1);
      long d = rnd.nextInt(2) == 0 ? 0L : rnd.nextLong(-1L << 40, 1L << 40);
      BigDecimal e = BigDecimal.valueOf(rnd.nextInt(-99999, 99999), 3);
      short f = (short) (rnd.nextInt(5) == 0 ? rnd.nextInt(-300, 300) : 0);
      double label = rnd.nextInt(3) == 0 ? 1.0 : 0.0;
      double[] v = {a, b, c, d, e.doubleValue(), f};
      rows.add(RowFactory.create(label, a, b, c, d, e, f, Vectors.dense(v).compressed()));
    }
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType, false)
            .add("a", DataTypes.DoubleType, true)
            .add("b", DataTypes.IntegerType, true)
            .add("c", DataTypes.FloatType, true)
            .add("d", DataTypes.LongType, true)
            .add("e", DataTypes.createDecimalType(10, 3), true)
            .add("f", DataTypes.ShortType, true)
            .add("v", new VectorUDT(), true);
    return spark.createDataFrame(rows, schema);
  }

  /** Two part files (5,000 + 4,000 rows); small: row groups of about 32 KiB. */
  private List<String> write(Dataset<Row> data, String name, boolean small) throws IOException {
    String dir = tmp.resolve(name).toString();
    data.coalesce(1)
        .write()
        .option("maxRecordsPerFile", PER_FILE)
        .option("parquet.block.size", small ? 32 << 10 : 128 << 20)
        .parquet(dir);
    return InputFiles.expand(List.of(dir), conf.get());
  }

  /** Spark's rows of the files in order: label mapped to ±1, then the columns cast to double. */
  private List<double[]> reference(List<String> files, List<String> cols) {
    List<double[]> out = new ArrayList<>();
    List<Column> select = new ArrayList<>();
    select.add(col("label").cast("double"));
    cols.forEach(c -> select.add(col(c).cast("double")));
    for (String f : files) {
      for (Row r : spark.read().parquet(f).select(select.toArray(Column[]::new)).collectAsList()) {
        double[] x = new double[r.size()];
        for (int k = 0; k < x.length; k++) {
          x[k] = r.getDouble(k);
        }
        x[0] = x[0] == 0.0 ? -1.0 : x[0];
        out.add(x);
      }
    }
    return out;
  }

  /** The same from the vector column, through Spark ML's own vector class. */
  private List<double[]> vectorReference(List<String> files) {
    List<double[]> out = new ArrayList<>();
    for (String f : files) {
      for (Row r : spark.read().parquet(f).collectAsList()) {
        double[] v = ((org.apache.spark.ml.linalg.Vector) r.get(1)).toArray();
        double[] x = new double[v.length + 1];
        x[0] = r.getDouble(0) == 0.0 ? -1.0 : r.getDouble(0);
        System.arraycopy(v, 0, x, 1, v.length);
        out.add(x);
      }
    }
    return out;
  }

  private static String sha256(String uri) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(Files.readAllBytes(Path.of(java.net.URI.create(uri)))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long nonZeros(double[] r) {
    long n = 0;
    for (int k = 1; k < r.length; k++) {
      n += r[k] != 0.0 ? 1 : 0;
    }
    return n;
  }

  /** Blocks of P contiguous ranges, row by row from the non-zeros of each reference row. */
  private static List<RowBlock> blocks(
      List<double[]> rows, int features, int parts, boolean sparse, int blockRows) {
    List<RowBlock> out = new ArrayList<>();
    int n = rows.size();
    for (int p = 0; p < parts; p++) {
      RowBlockBuilder b = new RowBlockBuilder(features, sparse, blockRows);
      long from = RangeIndexPartitioner.firstIndex(n, parts, p);
      long to = RangeIndexPartitioner.firstIndex(n, parts, p + 1);
      for (long i = from; i < to; i++) {
        double[] r = rows.get((int) i);
        int[] idx = new int[r.length - 1];
        double[] val = new double[r.length - 1];
        int nnz = 0;
        for (int k = 1; k < r.length; k++) {
          if (r[k] != 0.0) {
            idx[nnz] = k - 1;
            val[nnz++] = r[k];
          }
        }
        b.addSparse(i, r[0], idx, val, nnz);
      }
      out.addAll(b.finish());
    }
    return out;
  }
}

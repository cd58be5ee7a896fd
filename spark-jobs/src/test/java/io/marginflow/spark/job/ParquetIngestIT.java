package io.marginflow.spark.job;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.testing.SparkFixture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
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
 * Parquet input through Spark {@code local[2]}: real data (a9a, sparse blocks; ijcnn1, dense
 * blocks) written by Spark's own {@code libsvm} reader to several Parquet part files, in Spark ML's
 * layout and as plain numeric columns, ingest to the same blocks and train to the same bits (θ and
 * every metric) as the LIBSVM file they came from; bad files fail before anything is written, with
 * an error naming the file, row and column.
 */
class ParquetIngestIT {

  private static final Configuration CONF = new Configuration();

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();

  @Test
  void a9aParquetInBothLayoutsTrainsBitIdenticalToLibsvm() throws IOException {
    bothLayoutsEqualLibsvm("a9a/a9a.gz", 123, "mlp:123-4-1", true);
  }

  @Test
  void ijcnn1ParquetInBothLayoutsTrainsBitIdenticalToLibsvm() throws IOException {
    bothLayoutsEqualLibsvm("ijcnn1/ijcnn1.trn.gz", 22, "mlp:22-6-1", false);
  }

  private void bothLayoutsEqualLibsvm(String dataset, int p, String model, boolean sparse)
      throws IOException {
    Path libsvm = head(SharedDatasets.resolve(dataset), 3000, tmp.resolve("data.libsvm"));
    Dataset<Row> ml =
        spark.read().format("libsvm").option("numFeatures", p).load(libsvm.toString());
    Path vector = tmp.resolve("vector");
    ml.coalesce(1).write().option("maxRecordsPerFile", 1100).parquet(vector.toString());
    List<Column> cols = new ArrayList<>();
    cols.add(col("label"));
    for (int j = 0; j < p; j++) {
      cols.add(vector_to_array(col("features"), "float64").getItem(j).as("x" + (j + 1)));
    }
    Path columns = tmp.resolve("columns");
    ml.select(cols.toArray(Column[]::new))
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", 1300)
        .parquet(columns.toString());
    assertTrue(partFiles(vector) >= 3 && partFiles(columns) >= 3, "several part files");

    String[] common = {
      "--features",
      String.valueOf(p),
      "--model",
      model,
      "--partitions",
      "3",
      "--batch",
      "50",
      "--steps",
      "30",
      "--eval-every",
      "10",
      "--checkpoint-every",
      "0",
      "--step-path",
      "job"
    };
    TrainJob.Outcome text = train(common, "text", "--data", libsvm.toString());
    TrainJob.Outcome vec = train(common, "vec", "--data", vector.toString(), "--format", "parquet");
    TrainJob.Outcome colRun =
        train(common, "col", "--data", columns.toString(), "--format", "parquet");
    for (TrainJob.Outcome o : List.of(vec, colRun)) {
      String which = o == vec ? "vector layout" : "column layout";
      assertArrayEquals(text.state().theta(), o.state().theta(), which + ": θ");
      assertEquals(text.state(), o.state(), which + ": final state");
      assertEquals(
          RunFiles.stepsWithoutWall(text.runDir(), CONF),
          RunFiles.stepsWithoutWall(o.runDir(), CONF),
          which + ": steps.jsonl");
      assertEquals(
          RunFiles.text(text.runDir(), "metrics/eval.jsonl", CONF),
          RunFiles.text(o.runDir(), "metrics/eval.jsonl", CONF),
          which + ": eval.jsonl");
      String manifest = RunFiles.text(o.runDir(), "manifest.json", CONF).replace(" ", "");
      assertTrue(manifest.contains("\"sparse_blocks\":" + sparse), manifest);
      assertTrue(manifest.contains("part-00000"), "the manifest fingerprints the part files");
    }
  }

  @Test
  void sparseAndDenseBlocksEqualTheLibsvmBlocksForAnyPartitionCount() throws IOException {
    blocksEqualLibsvm("a9a/a9a.gz", 123, new boolean[] {true, false});
  }

  /**
   * Spark's libsvm reader stores a row as a dense vector when that is smaller ({@code
   * Vector.compressed}), which drops an explicit {@code idx:0} entry from CSR blocks (ijcnn1 has
   * one in its first rows): the dense blocks, and the bits of a run, are the same.
   */
  @Test
  void denseBlocksEqualTheLibsvmBlocksWhenSparkCompressedRowsToDenseVectors() throws IOException {
    blocksEqualLibsvm("ijcnn1/ijcnn1.trn.gz", 22, new boolean[] {false});
  }

  private void blocksEqualLibsvm(String dataset, int p, boolean[] layouts) throws IOException {
    Path libsvm = head(SharedDatasets.resolve(dataset), 700, tmp.resolve("i.svm"));
    Path vector = tmp.resolve("v");
    spark
        .read()
        .format("libsvm")
        .load(libsvm.toString())
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", 250)
        .parquet(vector.toString());
    HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());
    List<String> svmFiles = InputFiles.expand(List.of(libsvm.toString()), conf.get());
    List<String> pqFiles = InputFiles.expand(List.of(vector.toString()), conf.get());
    assertEquals(3, pqFiles.size());
    List<InputFile> svm =
        SparkIngest.scan(SparkFixture.jsc(), svmFiles, new LineFormat("libsvm", 0, -1, 0), conf);
    List<InputFile> pq = ParquetIngest.scan(spark, pqFiles, ParquetColumns.DEFAULT, conf);
    assertEquals(700, pq.stream().mapToLong(InputFile::rows).sum());
    long explicitZeros =
        Files.readAllLines(libsvm).stream()
            .flatMap(l -> Arrays.stream(l.split(" ")))
            .filter(t -> t.matches("\\d+:-?0(\\.0*)?"))
            .count();
    assertEquals(
        svm.get(0).nonZeros() - explicitZeros, pq.stream().mapToLong(InputFile::nonZeros).sum());
    assertEquals(svm.get(0).positives(), pq.stream().mapToLong(InputFile::positives).sum());
    for (int parts : new int[] {1, 4}) {
      for (boolean sparse : layouts) {
        List<RowBlock> a =
            SparkIngest.load(
                    SparkFixture.jsc(),
                    svm,
                    new LineFormat("libsvm", p, -1, 0),
                    parts,
                    64,
                    sparse,
                    conf)
                .collect();
        List<RowBlock> b =
            ParquetIngest.load(spark, pq, ParquetColumns.DEFAULT, p, parts, 64, sparse).collect();
        assertBlocksEqual(a, b, parts + " partitions, sparse=" + sparse);
      }
    }
  }

  @Test
  void badFilesFailNamingFileRowAndColumn() throws IOException {
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType, true)
            .add("a", DataTypes.DoubleType, true)
            .add("b", DataTypes.IntegerType, true)
            .add("name", DataTypes.StringType, true);
    List<Row> good = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      good.add(RowFactory.create(i % 2 == 0 ? 1.0 : 0.0, 0.5 * i, i, "r" + i));
    }
    assertEquals(40, scanRows(write("good", schema, good), List.of()));
    DataFormatException e =
        assertThrows(
            DataFormatException.class,
            () -> scanRows(write("good2", schema, good), List.of("a", "name")));
    assertTrue(e.getMessage().contains("'name' is string"), e.getMessage());
    assertTrue(e.getMessage().contains("part-00000"), e.getMessage());

    e =
        assertThrows(
            DataFormatException.class,
            () -> scanRows(write("good3", schema, good), List.of("a", "missing")));
    assertTrue(e.getMessage().contains("no column 'missing'"), e.getMessage());

    List<Row> withNull = new ArrayList<>(good);
    withNull.set(27, RowFactory.create(1.0, null, 3, "x"));
    e =
        assertThrows(
            DataFormatException.class, () -> scanRows(write("null", schema, withNull), List.of()));
    assertTrue(e.getMessage().contains(":28: column 'a' is null"), e.getMessage());

    List<Row> withNaN = new ArrayList<>(good);
    withNaN.set(33, RowFactory.create(1.0, Double.NaN, 3, "x"));
    e =
        assertThrows(
            DataFormatException.class, () -> scanRows(write("nan", schema, withNaN), List.of()));
    assertTrue(e.getMessage().contains(":34: column 'a': value must be finite"), e.getMessage());

    List<Row> badLabel = new ArrayList<>(good);
    badLabel.set(5, RowFactory.create(2.0, 1.0, 3, "x"));
    e =
        assertThrows(
            DataFormatException.class, () -> scanRows(write("label", schema, badLabel), List.of()));
    assertTrue(e.getMessage().contains(":6: bad label in column 'label'"), e.getMessage());

    List<Row> mixed = new ArrayList<>(good);
    mixed.set(9, RowFactory.create(-1.0, 1.0, 3, "x"));
    e =
        assertThrows(
            DataFormatException.class, () -> scanRows(write("mixed", schema, mixed), List.of()));
    assertTrue(e.getMessage().contains("mixes negative label tokens"), e.getMessage());

    // a second part file without column b: the layouts differ, the error names that file
    Path two = write("two", schema, good);
    StructType narrow =
        new StructType()
            .add("label", DataTypes.DoubleType, true)
            .add("a", DataTypes.DoubleType, true);
    List<Row> narrowRows = new ArrayList<>();
    for (Row r : good) {
      narrowRows.add(RowFactory.create(r.get(0), r.get(1)));
    }
    Path other = write("narrow", narrow, narrowRows);
    Path moved;
    try (Stream<Path> parts = Files.list(other)) {
      Path part =
          parts.filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().get();
      moved = two.resolve("part-99999-narrow.parquet");
      Files.copy(part, moved);
    }
    e = assertThrows(DataFormatException.class, () -> scanRows(two, List.of()));
    assertTrue(
        e.getMessage().startsWith(moved.toUri().toString().replace("file:///", "file:/")),
        e.getMessage());
    assertTrue(e.getMessage().contains("columns differ from"), e.getMessage());
  }

  @Test
  void checkDescribesParquetAndResumeRefusesAChangedPartFile() throws IOException {
    Path libsvm = head(SharedDatasets.resolve("ijcnn1/ijcnn1.trn.gz"), 400, tmp.resolve("r.svm"));
    Path data = tmp.resolve("parts");
    writeParts(libsvm, data, 200);
    String[] flags = {
      "--data",
      data.toString(),
      "--format",
      "parquet",
      "--features",
      "22",
      "--model",
      "mlp:22-4-1",
      "--partitions",
      "2",
      "--batch",
      "20",
      "--steps",
      "6",
      "--eval-every",
      "3",
      "--checkpoint-every",
      "3",
      "--out",
      tmp.resolve("run").toString()
    };
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    String[] check = RowsPathIT.concat(new String[] {"check"}, flags);
    int code =
        io.marginflow.spark.cli.MarginflowCli.run(
            check,
            new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    String said = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, said + err.toString(StandardCharsets.UTF_8));
    assertTrue(said.contains("400 rows") && said.contains("(parquet, 2 part files)"), said);
    assertTrue(said.contains("(dense blocks)"), said);
    assertTrue(!Files.exists(tmp.resolve("run")), "check writes nothing");

    TrainJob.Outcome first = TrainJob.run(RunFiles.config(flags), spark);
    assertEquals(6, first.state().step());
    // Same rows count, other rows: the second part file now holds rows 201-400 of the test file.
    Path other = tmp.resolve("other");
    writeParts(
        head(SharedDatasets.resolve("ijcnn1/ijcnn1.tst.gz"), 400, tmp.resolve("t.svm")),
        other,
        200);
    Path changed;
    try (Stream<Path> parts = Files.list(data)) {
      changed =
          parts
              .filter(f -> f.getFileName().toString().startsWith("part-"))
              .sorted()
              .toList()
              .get(1);
    }
    try (Stream<Path> parts = Files.list(other)) {
      Files.copy(
          parts
              .filter(f -> f.getFileName().toString().startsWith("part-"))
              .sorted()
              .toList()
              .get(1),
          changed,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    // the local file system's checksum file belongs to the old bytes
    Files.deleteIfExists(changed.resolveSibling("." + changed.getFileName() + ".crc"));
    String[] resume =
        RowsPathIT.concat(flags, "--steps", "9", "--resume", tmp.resolve("run").toString());
    io.marginflow.spark.check.RunRefusedException e =
        assertThrows(
            io.marginflow.spark.check.RunRefusedException.class,
            () -> TrainJob.run(RunFiles.config(resume), spark));
    assertTrue(e.getMessage().contains(changed.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("changed since the run started"), e.getMessage());
  }

  private void writeParts(Path libsvm, Path dir, int rowsPerFile) {
    spark
        .read()
        .format("libsvm")
        .option("numFeatures", 22)
        .load(libsvm.toString())
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", rowsPerFile)
        .parquet(dir.toString());
  }

  private long scanRows(Path dir, List<String> features) throws IOException {
    HadoopConf conf = new HadoopConf(SparkFixture.jsc().hadoopConfiguration());
    List<String> files = InputFiles.expand(List.of(dir.toString()), conf.get());
    return ParquetIngest.scan(spark, files, new ParquetColumns("label", features), conf).stream()
        .mapToLong(InputFile::rows)
        .sum();
  }

  private Path write(String name, StructType schema, List<Row> rows) {
    Path dir = tmp.resolve(name);
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
    return dir;
  }

  private TrainJob.Outcome train(String[] common, String dir, String... data) throws IOException {
    String[] all = RowsPathIT.concat(common, data);
    all = RowsPathIT.concat(all, "--out", tmp.resolve(dir).toString());
    return TrainJob.run(RunFiles.config(all), spark);
  }

  static Path head(Path gz, int lines, Path out) throws IOException {
    List<String> kept = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      String line;
      while (kept.size() < lines && (line = in.readLine()) != null) {
        kept.add(line);
      }
    }
    Files.write(out, kept, StandardCharsets.UTF_8);
    return out;
  }

  private static long partFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.getFileName().toString().startsWith("part-")).count();
    }
  }

  static void assertBlocksEqual(List<RowBlock> a, List<RowBlock> b, String what) {
    assertEquals(a.size(), b.size(), what + ": blocks");
    for (int i = 0; i < a.size(); i++) {
      RowBlock x = a.get(i);
      RowBlock y = b.get(i);
      assertEquals(x.getClass(), y.getClass(), what);
      assertArrayEquals(x.rowIndex(), y.rowIndex(), what + ": row index of block " + i);
      assertArrayEquals(x.labels(), y.labels(), what + ": labels of block " + i);
      if (x instanceof CsrBlock c) {
        CsrBlock d = (CsrBlock) y;
        assertArrayEquals(c.rowPtr(), d.rowPtr(), what);
        assertArrayEquals(c.colIdx(), d.colIdx(), what);
        assertArrayEquals(c.values(), d.values(), what);
      } else {
        assertArrayEquals(((DenseBlock) x).values(), ((DenseBlock) y).values(), what);
      }
    }
  }
}

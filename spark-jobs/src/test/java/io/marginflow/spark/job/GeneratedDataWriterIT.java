package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition-parallel generator on Spark {@code local[2]}: the part files hold the same rows, in
 * the same order, for any file count (LIBSVM text byte for byte, Parquet value for value), and the
 * LIBSVM output ingests to exactly the doubles of {@link TeacherStudentGenerator#row}.
 */
class GeneratedDataWriterIT {

  private static final TeacherStudentConfig CONFIG = new TeacherStudentConfig(77, 1001, 6, 5, 0.05);

  @TempDir Path tmp;

  private final SparkSession spark = SparkFixture.spark();

  @Test
  void libsvmFilesHoldTheSameRowsForAnyFileCountAndParseBackExactly() throws IOException {
    String one = concatenated(write(1, "libsvm"));
    for (int files : new int[] {3, 7}) {
      assertEquals(one, concatenated(write(files, "libsvm")), files + " files");
    }
    assertEquals(CONFIG.rows(), one.lines().count());

    Path dir = tmp.resolve("libsvm-3");
    List<String> uris =
        InputFiles.expand(List.of(dir.toString()), spark.sparkContext().hadoopConfiguration());
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    LineFormat format = new LineFormat("libsvm", CONFIG.features(), -1, 0);
    List<InputFile> scanned = SparkIngest.scan(SparkFixture.jsc(), uris, format, conf);
    List<RowBlock> blocks =
        SparkIngest.load(SparkFixture.jsc(), scanned, format, 2, 100, false, conf).collect();
    TeacherStudentGenerator gen = new TeacherStudentGenerator(CONFIG);
    double[] x = new double[CONFIG.features()];
    long seen = 0;
    for (RowBlock b : blocks) {
      DenseBlock d = b instanceof CsrBlock c ? c.toDense() : (DenseBlock) b;
      for (int r = 0; r < d.rows(); r++) {
        long i = d.rowIndex()[r];
        assertEquals(seen++, i, "row order");
        assertEquals(gen.row(i, x), d.labels()[r]);
        for (int j = 0; j < x.length; j++) {
          assertEquals(
              Double.doubleToRawLongBits(x[j]),
              Double.doubleToRawLongBits(d.values()[r * x.length + j]),
              "row " + i + " feature " + j);
        }
      }
    }
    assertEquals(CONFIG.rows(), seen);
    assertThrows(
        Exception.class, () -> write(3, "libsvm"), "an existing output is not overwritten");
  }

  @Test
  void parquetFilesHoldTheSameRowsForAnyFileCount() {
    List<Row> two = parquetRows(write(2, "parquet"));
    assertEquals(CONFIG.rows(), two.size());
    assertEquals(two, parquetRows(write(5, "parquet")));
    TeacherStudentGenerator gen = new TeacherStudentGenerator(CONFIG);
    double[] x = new double[CONFIG.features()];
    assertEquals(gen.row(500, x), two.get(500).getDouble(0));
    assertEquals(x[3], two.get(500).getDouble(4));
  }

  @Test
  void parquetOutputIngestsToTheGeneratorsRowsAndTrainsLikeTheInMemoryGenerator()
      throws IOException {
    TeacherStudentConfig cfg =
        new TeacherStudentConfig(
            io.marginflow.common.train.Seeds.derive(42, "generator"), 900, 6, 5, 0.05);
    Path dir = tmp.resolve("gen-parquet");
    GeneratedDataWriter.write(spark, cfg, 4, dir.toString(), "parquet");
    String[] common = {
      "--model", "mlp:6-5-1", "--partitions", "3", "--batch", "30", "--steps", "20",
      "--eval-every", "10", "--checkpoint-every", "0", "--seed", "42", "--step-path", "job"
    };
    TrainJob.Outcome memory =
        TrainJob.run(
            RunFiles.config(
                RowsPathIT.concat(
                    common,
                    "--generator-rows",
                    "900",
                    "--generator-features",
                    "6",
                    "--generator-width",
                    "5",
                    "--generator-margin",
                    "0.05",
                    "--out",
                    tmp.resolve("memory").toString())),
            spark);
    TrainJob.Outcome parquet =
        TrainJob.run(
            RunFiles.config(
                RowsPathIT.concat(
                    common,
                    "--data",
                    dir.toString(),
                    "--format",
                    "parquet",
                    "--out",
                    tmp.resolve("parquet").toString())),
            spark);
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        memory.state().theta(), parquet.state().theta(), "θ");
    assertEquals(
        RunFiles.stepsWithoutWall(memory.runDir(), spark.sparkContext().hadoopConfiguration()),
        RunFiles.stepsWithoutWall(parquet.runDir(), spark.sparkContext().hadoopConfiguration()));
    assertEquals(
        RunFiles.text(
            memory.runDir(), "metrics/eval.jsonl", spark.sparkContext().hadoopConfiguration()),
        RunFiles.text(
            parquet.runDir(), "metrics/eval.jsonl", spark.sparkContext().hadoopConfiguration()));
  }

  private Path write(int files, String format) {
    Path out = tmp.resolve(format + "-" + files);
    GeneratedDataWriter.write(spark, CONFIG, files, out.toString(), format);
    return out;
  }

  /** The part files read in name order, one row list. */
  private List<Row> parquetRows(Path dir) {
    List<Row> rows = new ArrayList<>();
    for (Path part : parts(dir)) {
      rows.addAll(spark.read().parquet(part.toString()).collectAsList());
    }
    return rows;
  }

  private static String concatenated(Path dir) throws IOException {
    StringBuilder b = new StringBuilder();
    for (Path part : parts(dir)) {
      b.append(Files.readString(part));
    }
    return b.toString();
  }

  private static List<Path> parts(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> parts =
          s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
      assertTrue(!parts.isEmpty(), "part files in " + dir);
      return parts;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

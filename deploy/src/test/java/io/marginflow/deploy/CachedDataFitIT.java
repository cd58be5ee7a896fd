package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.spark.job.CacheFit;
import io.marginflow.spark.job.GeneratedDataWriter;
import io.marginflow.spark.job.TrainJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cached data that do not fit on {@code local-cluster[2,1,1024]} (two executor JVMs of 1 GiB, with
 * {@code spark.memory.fraction} 0.02 so that about 27 MiB of storage memory make a small file "too
 * large"): a generated Parquet file of 20,000 rows × 28 features (~5 MiB cached) trains; one of
 * 200,000 rows (~48 MiB) is refused before anything is written, with the figures; and blocks that
 * Spark spilled to disk anyway are caught after caching.
 */
class CachedDataFitIT {

  private static SparkSession spark;

  @BeforeAll
  static void start() throws IOException {
    spark =
        SparkSession.builder()
            .config(
                LocalClusterSessions.conf("marginflow-cache-fit-it", "cache-fit")
                    .set("spark.memory.fraction", "0.02"))
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static Path generate(long rows) {
    Path dir = Path.of("target", "cache-fit", "gen-" + rows).toAbsolutePath();
    GeneratedDataWriter.write(
        spark, new TeacherStudentConfig(5, rows, 28, 8, 0.0), 4, dir.toString(), "parquet");
    return dir;
  }

  private static TrainConfig config(Path data, Path out) {
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--format",
                "parquet",
                "--model",
                "mlp:28-8-1",
                "--partitions",
                "4",
                "--batch",
                "50",
                "--steps",
                "5",
                "--eval-every",
                "5",
                "--checkpoint-every",
                "0",
                "--out",
                out.toString()));
    return TrainConfig.from(ConfigLoader.parse(flags.toArray(String[]::new)).settings());
  }

  @Test
  void dataThatFitTrainAndDataThatDoNotAreRefusedWithTheFigures() throws IOException {
    Path small = generate(20_000);
    Path fits = Path.of("target", "cache-fit", "fits").toAbsolutePath();
    TrainJob.Outcome o = TrainJob.run(config(small, fits), spark);
    assertEquals(5, o.state().step());

    Path large = generate(200_000);
    Path refused = Path.of("target", "cache-fit", "refused").toAbsolutePath();
    CacheFit.CacheDoesNotFitException e =
        assertThrows(
            CacheFit.CacheDoesNotFitException.class,
            () -> TrainJob.run(config(large, refused), spark));
    assertTrue(
        e.getMessage()
            .matches(
                "cached data need ~4\\d\\.\\d MiB but the 2 executor\\(s\\) can cache at most 2\\d\\.\\d MiB.*"),
        e.getMessage());
    assertTrue(e.getMessage().contains("--feature-storage float"), e.getMessage());
    assertFalse(Files.exists(refused), "nothing is written for a run that cannot cache its data");
  }

  @Test
  void blocksSpilledToDiskAreCaughtAfterCaching() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> seeds = List.of(0, 1, 2, 3);
    // 4 partitions × 12 MiB of doubles: more than the executors' ~27 MiB of storage memory.
    JavaRDD<double[]> big =
        sc.parallelize(seeds, 4)
            .map(i -> new double[12 << 17])
            .persist(StorageLevel.MEMORY_AND_DISK());
    big.count();
    CacheFit.CacheDoesNotFitException e =
        assertThrows(
            CacheFit.CacheDoesNotFitException.class,
            () -> CacheFit.checkCached(sc, big, 48L << 20));
    assertTrue(e.getMessage().contains("spilled to disk"), e.getMessage());

    JavaRDD<double[]> smallRdd =
        sc.parallelize(seeds, 4)
            .map(i -> new double[1 << 10])
            .persist(StorageLevel.MEMORY_AND_DISK());
    smallRdd.count();
    CacheFit.checkCached(sc, smallRdd, 32L << 10);
    smallRdd.unpersist(false);
  }
}

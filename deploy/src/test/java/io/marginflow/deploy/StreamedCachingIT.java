package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.FloatDenseBlock;
import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.spark.job.CacheFit;
import io.marginflow.spark.job.DataLoader;
import io.marginflow.spark.job.IngestedData;
import io.marginflow.spark.job.InputFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * Ingestion streams blocks into Spark's cache: on {@code local-cluster[2,1,1024]} (executors of 1
 * GiB, {@code spark.memory.fraction} 0.9) a LIBSVM file whose partitions are, in double, about 720
 * MiB per executor — more than twice what an executor can hold next to their float form — caches in
 * float storage (≈ 360 MiB per executor) without spilling anything to disk. Holding a whole
 * partition's double blocks before handing them on (as the load pass did) needs ≈ 1.08 GiB of live
 * heap per executor and fails with {@code OutOfMemoryError}.
 *
 * <p>The file is tiny on disk (each row has one non-zero of {@link #FEATURES} features, kept in
 * dense blocks), so the test costs memory traffic, not parsing.
 */
class StreamedCachingIT {

  private static final int FEATURES = 2000;
  private static final int ROWS = 90_000;

  private static SparkSession spark;

  @BeforeAll
  static void start() throws IOException {
    spark =
        SparkSession.builder()
            .config(
                LocalClusterSessions.conf("marginflow-streamed-caching-it", "streamed-caching")
                    .set("spark.memory.fraction", "0.9")
                    .set("spark.task.maxFailures", "1"))
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** Row i: label ±1 by parity, feature 1 + (i·7919 mod FEATURES) = 1 + i mod 3. */
  private static Path write() throws IOException {
    Path file = Path.of("target", "streamed-caching-data", "wide.libsvm").toAbsolutePath();
    Files.createDirectories(file.getParent());
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < ROWS; i++) {
        w.write(i % 2 == 0 ? "+1 " : "-1 ");
        w.write(Integer.toString(1 + (int) ((i * 7919L) % FEATURES)));
        w.write(':');
        w.write(Integer.toString(1 + i % 3));
        w.write('\n');
      }
    }
    return file;
  }

  /** Rows of {@code stored} that differ from what {@link #write} wrote. */
  private static long mismatches(RowBlock stored) {
    FloatDenseBlock b = (FloatDenseBlock) stored;
    DenseBlock d = (DenseBlock) FloatStorage.toDouble(b);
    long bad = 0;
    for (int r = 0; r < d.rows(); r++) {
      long i = d.rowIndex()[r];
      int col = (int) ((i * 7919L) % FEATURES);
      double sum = 0;
      for (int j = 0; j < FEATURES; j++) {
        sum += d.values()[r * FEATURES + j];
      }
      boolean ok =
          i == b.firstRow() + r
              && d.labels()[r] == (i % 2 == 0 ? 1.0 : -1.0)
              && d.values()[r * FEATURES + col] == 1 + i % 3
              && sum == 1 + i % 3;
      if (!ok) {
        bad++;
      }
    }
    return bad;
  }

  /** The smallest on-heap storage memory of an executor (the driver's block manager left out). */
  private static long executorStorageMemory(JavaSparkContext sc) {
    String driver = SparkEnv.get().blockManager().blockManagerId().hostPort();
    long min = Long.MAX_VALUE;
    scala.collection.Iterator<Tuple2<String, Tuple2<Object, Object>>> it =
        sc.sc().getExecutorMemoryStatus().iterator();
    while (it.hasNext()) {
      Tuple2<String, Tuple2<Object, Object>> e = it.next();
      if (!e._1().equals(driver)) {
        min = Math.min(min, (Long) e._2()._1());
      }
    }
    return min;
  }

  @Test
  void partitionsLargerThanTwiceTheStorageMemoryCacheInFloatStorage() throws IOException {
    Path file = write();
    TrainConfig config =
        TrainConfig.from(
            ConfigLoader.parse(
                    new String[] {
                      "--data",
                      file.toString(),
                      "--features",
                      String.valueOf(FEATURES),
                      "--model",
                      "mlp:" + FEATURES + "-2-1",
                      "--partitions",
                      "2",
                      "--feature-storage",
                      "float",
                      "--steps",
                      "1"
                    })
                .settings());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    DataLoader loader = new DataLoader(sc, config);
    List<InputFile> files = loader.scan(config.data().trainUris());
    IngestedData data = loader.load(files, config.data().trainUris(), FEATURES, false, 1024, false);
    try {
      assertEquals(ROWS, data.rows());
      long perExecutorDouble = (long) ROWS / 2 * (8L * FEATURES + 16);
      long storage = executorStorageMemory(sc);
      assertTrue(
          perExecutorDouble + data.cachedBytes() / 2 > storage,
          "a partition in double plus its float form must exceed an executor's storage memory ("
              + storage
              + " B) for this test to mean anything");
      // float storage: 4 bytes per feature and 1 per label, plus the row indices
      assertTrue(data.cachedBytes() < (long) ROWS * (4L * FEATURES + 16), "" + data.cachedBytes());
      CacheFit.checkCached(sc, data.blocks(), data.cachedBytes()); // nothing spilled to disk
      // every row's one non-zero, its label and its index, checked where the blocks are cached
      List<Long> bad = data.blocks().map(StreamedCachingIT::mismatches).collect();
      assertEquals(0L, bad.stream().mapToLong(Long::longValue).sum(), bad.toString());
    } finally {
      data.blocks().unpersist(true);
    }
  }
}

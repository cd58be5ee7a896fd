package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.job.DataLoader;
import io.marginflow.spark.job.IngestedData;
import io.marginflow.spark.job.InputFile;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The executors' memory of one ingestion, nothing else: in a fresh {@code local-cluster} session,
 * each executor JVM's resident set (VmHWM, VmRSS) before anything is read (the JVM's fixed part),
 * then the run's scan and load into cached blocks ({@link DataLoader}, as {@code marginflow train}
 * does; no training, no evaluation), then each executor's peak and current RSS against the storage
 * memory it uses and against its share of the cached bytes. For the issue 14 goal "executor peak
 * RSS ≤ cached + 30 %" and for comparing formats on the same rows.
 *
 * <p>Usage: {@code IngestMemory DATA FEATURES MASTER PARTITIONS [train flags...]} (e.g. {@code
 * --format parquet}, {@code --feature-storage float}). Executor heap, memory fraction and extra JVM
 * options come from {@link BenchSpark}'s system properties.
 */
public final class IngestMemory {

  /** System property: seconds to keep the session (and the executors) alive after the probe. */
  static final String HOLD_SECONDS_PROPERTY = "marginflow.bench.hold-seconds";

  private IngestMemory() {}

  /** Runs the measurement and prints one line per executor and a summary line. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int features = Integer.parseInt(args[1]);
    String master = args[2];
    int partitions = Integer.parseInt(args[3]);
    String[] flags =
        PreparedRun.scaleFlags(
            data, features, master, partitions, 1, Arrays.asList(args).subList(4, args.length));
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-ingest-mem"));
    int executors = BenchSpark.executors(master);
    if (executors == 0) {
      throw new IllegalArgumentException("master: a local-cluster[N,C,M] master, got " + master);
    }
    List<ExecutorProbe.Sample> empty = ExecutorProbe.probe(spark.sparkContext(), executors);
    TrainConfig config = TrainConfig.from(ConfigLoader.parse(flags).settings());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    DataLoader loader = new DataLoader(sc, config);
    double c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
    long t0 = System.nanoTime();
    List<InputFile> files = loader.scan(config.data().trainUris());
    int f = loader.features(files, List.of());
    boolean sparse = PreparedRun.isSparse(files, Math.max(1, f));
    IngestedData d = loader.load(files, config.data().trainUris(), f, sparse, 1024, false);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0;
    List<ExecutorProbe.Sample> after = ExecutorProbe.probe(spark.sparkContext(), executors);
    long cachedShare = d.cachedBytes() / executors;
    System.out.printf(
        "ingest-memory | %s | %s | %,d rows | P = %d | %s | heap %s, fraction %s | %.1f s wall,"
            + " %.1f s CPU | cached %,d B (%.1f B/row), %,d MB per executor%n",
        data,
        String.join(" ", Arrays.asList(args).subList(4, args.length)),
        d.rows(),
        partitions,
        master,
        System.getProperty(BenchSpark.EXECUTOR_MEMORY_PROPERTY, "1g"),
        System.getProperty(BenchSpark.MEMORY_FRACTION_PROPERTY, "0.6"),
        wall,
        cpu,
        d.cachedBytes(),
        (double) d.cachedBytes() / d.rows(),
        cachedShare >> 20);
    for (ExecutorProbe.Sample a : after) {
      ExecutorProbe.Sample e =
          empty.stream().filter(s -> s.executorId().equals(a.executorId())).findFirst().orElse(a);
      System.out.printf(
          "ingest-memory | executor %s (pid %d) | empty: peak RSS %,d MB | after ingestion: peak"
              + " RSS %,d MB, RSS %,d MB, storage used %,d MB, heap max %,d MB | peak / storage"
              + " used %.2f×, peak / cached share %.2f×, (peak − empty) / cached share %.2f×%n",
          a.executorId(),
          a.pid(),
          e.peakRssKb() >> 10,
          a.peakRssKb() >> 10,
          a.rssKb() >> 10,
          a.storageUsedBytes() >> 20,
          a.heapMaxBytes() >> 20,
          a.peakRssKb() * 1024.0 / a.storageUsedBytes(),
          a.peakRssKb() * 1024.0 / cachedShare,
          (a.peakRssKb() - e.peakRssKb()) * 1024.0 / cachedShare);
    }
    long hold = Long.getLong(HOLD_SECONDS_PROPERTY, 0L);
    if (hold > 0) { // for jcmd on the executors (native memory, class histogram) by hand
      System.out.printf("ingest-memory | holding the session for %d s%n", hold);
      Thread.sleep(hold * 1000);
    }
    d.blocks().unpersist(true);
    spark.stop();
  }
}

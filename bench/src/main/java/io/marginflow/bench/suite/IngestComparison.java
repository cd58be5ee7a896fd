package io.marginflow.bench.suite;

import io.marginflow.common.data.RowBlock;
import io.marginflow.spark.job.HadoopConf;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.job.LineFormat;
import io.marginflow.spark.job.SparkIngest;
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;

/**
 * Ingestion of one LIBSVM file (or directory), alternated in one JVM and one Spark session:
 * marginflow's scan (validate + fingerprint) and load (blocks cached {@code MEMORY_AND_DISK},
 * counted) against Spark's own {@code libsvm} source (read with the feature count given, persisted
 * {@code MEMORY_AND_DISK}, counted). Prints seconds, rows/s and cached bytes per row of each side.
 *
 * <p>Usage: {@code IngestComparison DATA FEATURES [REPEATS] [MASTER] [PARTITIONS]}.
 */
public final class IngestComparison {

  private IngestComparison() {}

  /** Runs the comparison. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int features = Integer.parseInt(args[1]);
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    String master = args.length > 3 ? args[3] : "local[*]";
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-ingest"));
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int executors = BenchSpark.executors(master);
    int partitions = args.length > 4 ? Integer.parseInt(args[4]) : sc.defaultParallelism();
    HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
    List<String> files = InputFiles.expand(List.of(data), sc.hadoopConfiguration());
    List<Double> ours = new ArrayList<>();
    List<Double> theirs = new ArrayList<>();
    List<Double> ourCpu = new ArrayList<>();
    List<Double> theirCpu = new ArrayList<>();
    long rows = 0;
    double ourBytes = 0;
    double theirBytes = 0;
    for (int r = 0; r < repeats; r++) {
      double c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
      long t0 = System.nanoTime();
      LineFormat scanFormat = new LineFormat("libsvm", 0, -1, 0);
      List<InputFile> scanned = SparkIngest.scan(sc, files, scanFormat, conf);
      boolean sparse = PreparedRun.isSparse(scanned, features); // CSR blocks as a run would
      JavaRDD<RowBlock> blocks =
          SparkIngest.load(
                  sc, scanned, scanFormat.withFeatures(features), partitions, 4096, sparse, conf)
              .persist(StorageLevel.MEMORY_AND_DISK());
      List<long[]> stats = blocks.map(b -> new long[] {b.rows(), b.sizeInBytes()}).collect();
      ours.add((System.nanoTime() - t0) / 1e9);
      ourCpu.add(CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0);
      rows = stats.stream().mapToLong(s -> s[0]).sum();
      ourBytes = (double) stats.stream().mapToLong(s -> s[1]).sum() / rows;
      blocks.unpersist(true);

      c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
      t0 = System.nanoTime();
      Dataset<Row> df =
          spark
              .read()
              .format("libsvm")
              .option("numFeatures", features)
              .load(data)
              .persist(StorageLevel.MEMORY_AND_DISK());
      long n = df.count();
      theirs.add((System.nanoTime() - t0) / 1e9);
      theirCpu.add(CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0);
      long cached = 0;
      for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
        cached += info.memSize() + info.diskSize();
      }
      theirBytes = (double) cached / n;
      df.unpersist(true);
      System.out.printf(
          "repeat %d: marginflow %.2f s, spark libsvm %.2f s (%d rows)%n",
          r, ours.get(r), theirs.get(r), n);
    }
    double a = median(ours);
    double b = median(theirs);
    System.out.printf(
        "| %s | %d rows | %d partitions | marginflow %.2f s (%.0f rows/s, range %.2f–%.2f) | Spark"
            + " libsvm %.2f s (%.0f rows/s, range %.2f–%.2f) | marginflow/Spark rate %.2f× |"
            + " cached bytes/row: marginflow %.0f, Spark %.0f |%n",
        data,
        rows,
        partitions,
        a,
        rows / a,
        Collections.min(ours),
        Collections.max(ours),
        b,
        rows / b,
        Collections.min(theirs),
        Collections.max(theirs),
        b / a,
        ourBytes,
        theirBytes);
    System.out.printf(
        "CPU seconds (this JVM and its executors' JVMs, all threads): marginflow median %.2f (%s), Spark %s median %.2f"
            + " (%s), CPU rate marginflow/Spark %.2f×%n",
        CpuClock.median(ourCpu),
        ourCpu,
        "libsvm",
        CpuClock.median(theirCpu),
        theirCpu,
        CpuClock.median(theirCpu) / CpuClock.median(ourCpu));
    spark.stop();
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}

package io.marginflow.bench.suite;

import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.spark.job.CsrConversion;
import io.marginflow.spark.job.HadoopConf;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.job.ParquetColumns;
import io.marginflow.spark.job.ParquetIngest;
import io.marginflow.spark.job.TrainJob;
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
 * Ingestion of a Parquet directory, alternated in one JVM and one Spark session: marginflow's scan
 * as a run does it (footers where they settle the facts, else validate; + fingerprint) and load
 * (dense or CSR blocks cached {@code MEMORY_AND_DISK}, counted; dense vectors taken from their
 * footers: their non-zeros counted and the blocks converted to CSR when the rule calls for it, as a
 * run does) against Spark's own {@code parquet} source (persisted {@code MEMORY_AND_DISK},
 * counted). Prints seconds, rows/s, and cached bytes per row of marginflow's double and float
 * storage, Spark's cache and minimal CSR in double (12 bytes per non-zero, 4 per row pointer, 8 per
 * label). Each repeat also times the decoding scan ({@code marginflow check}'s, and every run's
 * before the footers were used) with the same load, for a before/after in one JVM.
 *
 * <p>Usage: {@code ParquetIngestComparison DIR [REPEATS] [MASTER] [PARTITIONS] [BLOCKS]}, BLOCKS
 * {@code dense} (default) or {@code sparse} (CSR blocks, for sparse data such as a9a). CPU seconds
 * include the executor JVMs' on a {@code local-cluster} master ({@link CpuClock#clusterSeconds});
 * {@code -Dmarginflow.bench.decoding-scan=false} leaves out the decoding scan's timing.
 */
public final class ParquetIngestComparison {

  private ParquetIngestComparison() {}

  /** Runs the comparison. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String master = args.length > 2 ? args[2] : "local[*]";
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-pq-ingest"));
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions = args.length > 3 ? Integer.parseInt(args[3]) : sc.defaultParallelism();
    int executors = BenchSpark.executors(master);
    boolean decodingScan =
        Boolean.parseBoolean(System.getProperty("marginflow.bench.decoding-scan", "true"));
    boolean sparse = args.length > 4 && args[4].equals("sparse");
    HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
    List<String> files = InputFiles.expand(List.of(data), sc.hadoopConfiguration());
    List<Double> ours = new ArrayList<>();
    List<Double> theirs = new ArrayList<>();
    List<Double> ourCpu = new ArrayList<>();
    List<Double> theirCpu = new ArrayList<>();
    long rows = 0;
    long nnz = 0;
    double doubleBytes = 0;
    double floatBytes = 0;
    double sparkBytes = 0;
    List<Double> decoding = new ArrayList<>();
    List<Double> decodingCpu = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      // the decoding scan (as marginflow check, and every run before session 8) + the load,
      // first in even repeats and last in odd ones
      if (decodingScan && r % 2 == 0) {
        timeDecoding(spark, files, conf, partitions, sparse, executors, decoding, decodingCpu);
      }
      // a run's scan (footers where they settle the facts) + the load
      double c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
      long t0 = System.nanoTime();
      List<InputFile> scanned =
          ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf, true);
      // dense vectors or columns from their footers: the run's load (DataLoader) loads the layout
      // the footers hint at, counts the non-zeros and converts when the rule picks the other one
      boolean count = scanned.stream().anyMatch(InputFile::loadCountsNonZeros);
      boolean loaded =
          count ? ParquetIngest.looksSparse(spark, scanned, ParquetColumns.DEFAULT, conf) : sparse;
      JavaRDD<RowBlock> blocks = load(spark, scanned, partitions, loaded);
      List<long[]> stats =
          blocks
              .map(
                  b ->
                      new long[] {b.rows(), b.sizeInBytes(), count ? CsrConversion.nonZeros(b) : 0})
              .collect();
      rows = stats.stream().mapToLong(s -> s[0]).sum();
      nnz =
          count
              ? stats.stream().mapToLong(s -> s[2]).sum()
              : scanned.stream().mapToLong(InputFile::nonZeros).sum();
      int width = scanned.stream().mapToInt(InputFile::maxIndex).max().orElse(1);
      boolean rule = TrainJob.isSparse(rows, nnz, width);
      if (count && !sparse && rule != loaded) {
        JavaRDD<RowBlock> converted =
            blocks
                .map(b -> CsrConversion.toLayout(b, rule))
                .persist(StorageLevel.MEMORY_AND_DISK());
        stats = converted.map(b -> new long[] {b.rows(), b.sizeInBytes(), 0}).collect();
        blocks.unpersist(true);
        blocks = converted;
      }
      ours.add((System.nanoTime() - t0) / 1e9);
      ourCpu.add(CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0);
      doubleBytes = (double) stats.stream().mapToLong(s -> s[1]).sum() / rows;
      if (r == 0) {
        floatBytes =
            (double) blocks.map(b -> FloatStorage.compact(b).sizeInBytes()).reduce(Long::sum)
                / rows;
      }
      blocks.unpersist(true);

      c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
      t0 = System.nanoTime();
      Dataset<Row> df = spark.read().parquet(data).persist(StorageLevel.MEMORY_AND_DISK());
      long n = df.count();
      theirs.add((System.nanoTime() - t0) / 1e9);
      theirCpu.add(CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0);
      long cached = 0;
      for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
        cached += info.memSize() + info.diskSize();
      }
      sparkBytes = (double) cached / n;
      df.unpersist(true);
      if (decodingScan && r % 2 == 1) {
        timeDecoding(spark, files, conf, partitions, sparse, executors, decoding, decodingCpu);
      }
      System.out.printf(
          "repeat %d: marginflow %.2f s, spark parquet %.2f s (%d rows)%n",
          r, ours.get(r), theirs.get(r), n);
    }
    double a = median(ours);
    double b = median(theirs);
    double csr = (12.0 * nnz + 12.0 * rows) / rows;
    System.out.printf(
        "| %s | %d rows | %d partitions | marginflow %.2f s (%.0f rows/s, range %.2f–%.2f) | Spark"
            + " parquet %.2f s (%.0f rows/s, range %.2f–%.2f) | rate %.2f× | cached bytes/row:"
            + " double %.1f, float %.1f, Spark %.1f, minimal CSR double %.1f (float/CSR %.2f×) |%n",
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
        doubleBytes,
        floatBytes,
        sparkBytes,
        csr,
        floatBytes / csr);
    System.out.printf(
        "CPU seconds (this JVM and its executors' JVMs, all threads): marginflow median %.2f (%s), Spark %s median %.2f"
            + " (%s), CPU rate marginflow/Spark %.2f×%n",
        CpuClock.median(ourCpu),
        ourCpu,
        "parquet",
        CpuClock.median(theirCpu),
        theirCpu,
        CpuClock.median(theirCpu) / CpuClock.median(ourCpu));
    if (decoding.isEmpty()) {
      spark.stop();
      return;
    }
    System.out.printf(
        "decoding scan + load: wall median %.2f s %s (rate %.2f×), CPU median %.2f (%s), CPU"
            + " rate %.2f×%n",
        median(decoding),
        decoding,
        b / median(decoding),
        CpuClock.median(decodingCpu),
        decodingCpu,
        CpuClock.median(theirCpu) / CpuClock.median(decodingCpu));
    spark.stop();
  }

  /** Times the decoding scan and the load (cached and counted): wall and CPU seconds. */
  private static void timeDecoding(
      SparkSession spark,
      List<String> files,
      HadoopConf conf,
      int partitions,
      boolean sparse,
      int executors,
      List<Double> wall,
      List<Double> cpu)
      throws java.io.IOException {
    double c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
    long t0 = System.nanoTime();
    List<InputFile> scanned = ParquetIngest.scan(spark, files, ParquetColumns.DEFAULT, conf);
    JavaRDD<RowBlock> blocks = load(spark, scanned, partitions, sparse);
    blocks.map(b -> new long[] {b.rows(), b.sizeInBytes()}).collect();
    wall.add((System.nanoTime() - t0) / 1e9);
    cpu.add(CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0);
    blocks.unpersist(true);
  }

  private static JavaRDD<RowBlock> load(
      SparkSession spark, List<InputFile> scanned, int partitions, boolean sparse) {
    int features = scanned.stream().mapToInt(InputFile::maxIndex).max().orElse(1);
    return ParquetIngest.load(
            spark, scanned, ParquetColumns.DEFAULT, features, partitions, 4096, sparse)
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}

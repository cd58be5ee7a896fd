package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.train.EvalSchedule;
import io.marginflow.common.train.LocalBackend;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.Norms;
import io.marginflow.common.train.TrainingLoop;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;

/**
 * One scale measurement of a large LIBSVM data set, in one JVM and one Spark session: ingestion
 * into cached blocks (wall and CPU seconds — of the executors' JVMs too on a {@code local-cluster}
 * master —, rows/s, cached bytes/row), peak RSS of this JVM (the driver, and the executor in {@code
 * local[*]} mode) and of each executor JVM (with its cached bytes), full-data evaluation rows/s per
 * core against {@link LocalBackend}'s evaluation on one core (on the first {@code LOCAL_FILE}), and
 * a training run at n_b = 100 with log-spaced evaluations (wall time, per-step time: median of the
 * whole run, of its first and of its last thousand steps).
 *
 * <p>Usage: {@code ScaleRun DATA FEATURES MASTER PARTITIONS STEPS LOCAL_FILE [train flags...]}.
 */
public final class ScaleRun {

  private ScaleRun() {}

  /** Runs the measurement and prints one Markdown table row plus details. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int features = Integer.parseInt(args[1]);
    String master = args[2];
    int partitions = Integer.parseInt(args[3]);
    long steps = Long.parseLong(args[4]);
    String localFile = args[5];
    String[] argv =
        PreparedRun.scaleFlags(
            data, features, master, partitions, steps, Arrays.asList(args).subList(6, args.length));
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-scale"));
    int cores = spark.sparkContext().defaultParallelism();
    int executors = BenchSpark.executors(master);

    double c0 = CpuClock.clusterSeconds(spark.sparkContext(), executors);
    long t0 = System.nanoTime();
    try (PreparedRun run = new PreparedRun(spark, argv)) {
      double ingest = (System.nanoTime() - t0) / 1e9;
      double ingestCpu = CpuClock.clusterSeconds(spark.sparkContext(), executors) - c0;
      long rows = run.rows();
      long cached = run.data().cachedBytes();
      long stored = 0;
      for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
        stored += info.memSize() + info.diskSize();
      }
      long rssAfterIngest = ProcStatus.peakRssKb();
      String executorsAfterIngest = executorMemory(spark, executors);
      double[] evals = run.evaluationSeconds(3);
      double eval = median(evals);
      double localRate =
          localEvaluationRowsPerSecond(localFile, features, run.data().sparse(), argv);

      long t1 = System.nanoTime();
      PreparedRun.Times times = run.run();
      double wall = (System.nanoTime() - t1) / 1e9;
      double[] w = times.wallMs();
      int k = Math.min(1000, w.length);
      double stepMs = median(w);
      double firstMs = median(Arrays.copyOfRange(w, 0, k));
      double lastMs = median(Arrays.copyOfRange(w, w.length - k, w.length));
      double stepSum = Arrays.stream(w).sum() / 1e3;
      TrainConfig.OutputSettings output =
          TrainConfig.from(ConfigLoader.parse(argv).settings()).output();
      EvalSchedule schedule =
          new EvalSchedule(output.evalEvery(), output.logSpacedEvals(), w.length);
      long evalCount =
          java.util.stream.LongStream.rangeClosed(0, w.length).filter(schedule::isEvalStep).count();
      double perStepMs = (wall - evalCount * eval) / w.length * 1e3;
      System.out.printf(
          "| %s | %,d rows | P = %d | ingest %.1f s (CPU %.1f s), %,.0f rows/s | cached %.1f B/row"
              + " (Spark storage %.1f) |"
              + " peak RSS %,d MB after ingest, %,d MB at end | eval %.2f s (%s), %,.0f rows/s/core"
              + " vs LocalTrainer %,.0f rows/s (1 core): %.2f× | %d steps: %.1f s wall,"
              + " steps %.1f s, per step median %.3f ms (first %d %.3f, last %d %.3f),"
              + " evaluations + rest %.1f s; %d evaluations ⇒ (wall − evaluations) / steps = %.3f ms"
              + " (%s) |%n",
          data,
          rows,
          partitions,
          ingest,
          ingestCpu,
          rows / ingest,
          (double) cached / rows,
          (double) stored / rows,
          rssAfterIngest / 1024,
          ProcStatus.peakRssKb() / 1024,
          eval,
          Arrays.toString(evals),
          rows / eval / cores,
          localRate,
          rows / eval / cores / localRate,
          w.length,
          wall,
          stepSum,
          stepMs,
          k,
          firstMs,
          k,
          lastMs,
          wall - stepSum,
          evalCount,
          perStepMs,
          run.choice());
      if (executors > 0) {
        System.out.printf(
            "executors after ingestion: %s%nexecutors at the end: %s%n",
            executorsAfterIngest, executorMemory(spark, executors));
      }
    }
    spark.stop();
  }

  /**
   * Each executor's peak RSS (VmHWM), current RSS and storage memory in use, against the cached
   * bytes it holds: "" for local masters, where this JVM is the executor.
   */
  private static String executorMemory(SparkSession spark, int executors) {
    if (executors == 0) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (ExecutorProbe.Sample e : ExecutorProbe.probe(spark.sparkContext(), executors)) {
      out.append(
          String.format(
              "[executor %s: peak RSS %,d MB, RSS %,d MB, storage used %,d MB of %,d MB, heap max"
                  + " %,d MB, peak RSS / storage used %.2f] ",
              e.executorId(),
              e.peakRssKb() / 1024,
              e.rssKb() / 1024,
              e.storageUsedBytes() >> 20,
              e.storageMaxBytes() >> 20,
              e.heapMaxBytes() >> 20,
              e.peakRssKb() * 1024.0 / e.storageUsedBytes()));
    }
    return out.toString().trim();
  }

  /** LocalBackend's full-data evaluation rate at θ₀ on one core over {@code file} (median of 3). */
  private static double localEvaluationRowsPerSecond(
      String file, int features, boolean sparse, String[] argv) throws Exception {
    String local = file.startsWith("file:") ? new java.net.URI(file).getPath() : file;
    TrainConfig config = TrainConfig.from(ConfigLoader.parse(argv).settings());
    Dataset ds = LibsvmReader.read(Path.of(local), features, sparse, 1024);
    Network network = LocalTrainer.buildNetwork(config, features);
    LocalBackend backend =
        new LocalBackend(
            network,
            config.optimizer().loss(),
            MinibatchSampler.create(
                config.optimizer().sampler(), ds.rows(), TrainingLoop.samplerSeed(config)),
            ds,
            null,
            null);
    double[] theta = LocalTrainer.initialTheta(config, network);
    double normPowL = Math.pow(Norms.l2(theta), network.degree());
    double[] s = new double[3];
    for (int r = 0; r < s.length; r++) {
      long t0 = System.nanoTime();
      backend.evaluate(false, theta, normPowL, null, Double.NaN);
      s[r] = (System.nanoTime() - t0) / 1e9;
    }
    return ds.rows() / median(s);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}

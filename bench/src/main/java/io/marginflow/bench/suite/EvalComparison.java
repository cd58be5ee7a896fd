package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.Norms;
import io.marginflow.common.train.PartitionContext;
import io.marginflow.common.train.TrainingLoop;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * The distributed full-data evaluation against the local one on the same rows, and the executors'
 * peak RSS against the cached bytes, in one JVM and one Spark session: ingestion of a LIBSVM data
 * set into cached blocks (executor VmHWM probed before and after), then REPEATS alternations of
 * {@code SparkBackend.evaluate} (wall, summed task CPU) and {@link PartitionContext#evaluate} on
 * one thread over the same blocks collected to the driver (wall, thread CPU), at θ₀ of {@code
 * mlp:p-32-1}.
 *
 * <p>Usage: {@code EvalComparison DATA FEATURES MASTER PARTITIONS REPEATS [train flags...]}. For
 * {@code local-cluster[...]} the executor heap is {@code -Dbench.executorMemory} (default 1g).
 */
public final class EvalComparison {

  private EvalComparison() {}

  /** Sums the executor CPU time of every finished task. */
  static final class TaskCpu extends SparkListener {
    final AtomicLong cpuNs = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      if (e.taskMetrics() != null) {
        cpuNs.addAndGet(e.taskMetrics().executorCpuTime());
      }
    }
  }

  /** Runs the comparison and prints its lines. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int features = Integer.parseInt(args[1]);
    String master = args[2];
    int partitions = Integer.parseInt(args[3]);
    int repeats = Integer.parseInt(args[4]);
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--data",
                data,
                "--features",
                String.valueOf(features),
                "--model",
                "mlp:" + features + "-32-1",
                "--batch",
                "100",
                "--steps",
                "1",
                "--eval-every",
                "0",
                "--partitions",
                String.valueOf(partitions),
                "--master",
                master));
    flags.addAll(List.of(args).subList(5, args.length));
    String[] argv = flags.toArray(String[]::new);
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-evalcmp"));
    TaskCpu taskCpu = new TaskCpu();
    spark.sparkContext().addSparkListener(taskCpu);
    int cores = spark.sparkContext().defaultParallelism();
    int executors = master.startsWith("local-cluster") ? cores : 0;
    probe(spark, executors, "before ingestion");
    long t0 = System.nanoTime();
    try (PreparedRun run = new PreparedRun(spark, argv)) {
      System.out.printf(
          "ingested %,d rows in %.1f s; cached %,d bytes (%.1f B/row)%n",
          run.rows(),
          (System.nanoTime() - t0) / 1e9,
          run.data().cachedBytes(),
          (double) run.data().cachedBytes() / run.rows());
      probe(spark, executors, "after ingestion");
      TrainConfig config = TrainConfig.from(ConfigLoader.parse(argv).settings());
      Network network = run.network();
      double[] theta = LocalTrainer.initialTheta(config, network);
      double normPowL = Math.pow(Norms.l2(theta), network.degree());
      List<RowBlock> blocks = run.data().blocks().collect();
      PartitionContext local =
          new PartitionContext(
              network,
              config.optimizer().loss(),
              MinibatchSampler.create(
                  config.optimizer().sampler(), run.rows(), TrainingLoop.samplerSeed(config)));
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      List<Double> sparkRate = new ArrayList<>();
      List<Double> sparkCpuRate = new ArrayList<>();
      List<Double> localRate = new ArrayList<>();
      List<Double> localCpuRate = new ArrayList<>();
      long rows = run.rows();
      for (int r = 0; r < repeats; r++) {
        long cpu0 = taskCpu.cpuNs.get();
        double p0 = CpuClock.seconds();
        long w0 = System.nanoTime();
        EvaluationPass dist = run.backend().evaluate(false, theta, normPowL, null, Double.NaN);
        double sw = (System.nanoTime() - w0) / 1e9;
        double sp = CpuClock.seconds() - p0;
        Thread.sleep(200); // task-end events arrive asynchronously
        double sc = (taskCpu.cpuNs.get() - cpu0) / 1e9;
        long c1 = threads.getCurrentThreadCpuTime();
        double p1 = CpuClock.seconds();
        long w1 = System.nanoTime();
        EvaluationPass one = local.evaluate(blocks, theta, normPowL, null, Double.NaN);
        double lw = (System.nanoTime() - w1) / 1e9;
        double lc = (threads.getCurrentThreadCpuTime() - c1) / 1e9;
        double lp = CpuClock.seconds() - p1;
        sparkRate.add(rows / sw / cores);
        sparkCpuRate.add(rows / sc);
        localRate.add(rows / lw);
        localCpuRate.add(rows / lc);
        System.out.printf(
            "repeat %d: spark %.3f s wall, %.3f s task CPU, %.3f s this JVM's CPU (%,.0f rows/s/core"
                + " wall, %,.0f rows/CPU-s); local %.3f s wall, %.3f s thread CPU, %.3f s this JVM's"
                + " CPU (%,.0f rows/s, %,.0f rows/CPU-s); same n: %b,"
                + " same min: %b%n",
            r,
            sw,
            sc,
            sp,
            rows / sw / cores,
            rows / sc,
            lw,
            lc,
            lp,
            rows / lw,
            rows / lc,
            dist.accumulator().count() == one.accumulator().count(),
            dist.accumulator().summarize(normPowL).minMargin()
                == one.accumulator().summarize(normPowL).minMargin());
      }
      double sr = CpuClock.median(sparkRate);
      double sc = CpuClock.median(sparkCpuRate);
      double lr = CpuClock.median(localRate);
      double lc = CpuClock.median(localCpuRate);
      System.out.printf(
          "| %s | %,d rows | %s, P = %d | spark %,.0f rows/s/core (wall), %,.0f rows/CPU-s |"
              + " local 1 thread %,.0f rows/s, %,.0f rows/CPU-s | per core / local: wall %.2f×,"
              + " CPU %.2f× |%n",
          data, rows, master, partitions, sr, sc, lr, lc, sr / lr, sc / lc);
      probe(spark, executors, "after evaluations");
    }
    spark.stop();
  }

  private static void probe(SparkSession spark, int executors, String when) {
    if (executors == 0) {
      System.out.printf(
          "%s: this JVM (driver = executor) VmHWM %,d MB, VmRSS %,d MB%n",
          when, ProcStatus.peakRssKb() / 1024, ProcStatus.rssKb() / 1024);
      return;
    }
    for (ExecutorProbe.Sample s : ExecutorProbe.probe(spark.sparkContext(), executors)) {
      System.out.printf(
          "%s: executor %s pid %d VmHWM %,d MB, VmRSS %,d MB, storage used %,d MB of %,d MB,"
              + " heap max %,d MB%n",
          when,
          s.executorId(),
          s.pid(),
          s.peakRssKb() / 1024,
          s.rssKb() / 1024,
          s.storageUsedBytes() >> 20,
          s.storageMaxBytes() >> 20,
          s.heapMaxBytes() >> 20);
    }
  }
}

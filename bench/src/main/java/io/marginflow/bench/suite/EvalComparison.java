package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.stats.MarginAccumulator;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.Norms;
import io.marginflow.common.train.PartitionContext;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.spark.job.OrderedTreeAggregate;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * {@code local-cluster[...]} the executor heap is {@code -Dmarginflow.bench.executor-memory}
 * (default 1g).
 */
public final class EvalComparison {

  private EvalComparison() {}

  /** Sums the executor CPU time of every finished task. */
  static final class TaskCpu extends SparkListener {
    final AtomicLong cpuNs = new AtomicLong();
    final AtomicLong runMs = new AtomicLong();
    final AtomicLong gcMs = new AtomicLong();
    final AtomicLong resultBytes = new AtomicLong();
    final AtomicLong tasks = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      if (e.taskMetrics() != null) {
        cpuNs.addAndGet(e.taskMetrics().executorCpuTime());
        runMs.addAndGet(e.taskMetrics().executorRunTime());
        gcMs.addAndGet(e.taskMetrics().jvmGCTime());
        resultBytes.addAndGet(e.taskMetrics().resultSize());
        tasks.incrementAndGet();
      }
    }

    String since(long[] mark) {
      return String.format(
          "%d tasks, run %d ms, GC %d ms, results %,d B",
          tasks.get() - mark[0],
          runMs.get() - mark[1],
          gcMs.get() - mark[2],
          resultBytes.get() - mark[3]);
    }

    long[] mark() {
      return new long[] {tasks.get(), runMs.get(), gcMs.get(), resultBytes.get()};
    }
  }

  /** Runs the comparison and prints its lines. */
  public static void main(String[] args) throws Exception {
    String data = args[0];
    int features = Integer.parseInt(args[1]);
    String master = args[2];
    int partitions = Integer.parseInt(args[3]);
    int repeats = Integer.parseInt(args[4]);
    String[] argv =
        PreparedRun.scaleFlags(
            data, features, master, partitions, 1, List.of(args).subList(5, args.length));
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
      // Spark evaluations alone first: the executors' peak RSS of caching + evaluating, before the
      // blocks are collected for the local side (that collect costs the executors serialization
      // buffers of their whole partitions).
      for (int r = 0; r < repeats; r++) {
        run.backend().evaluate(false, theta, normPowL, null, Double.NaN);
      }
      probe(spark, executors, "after " + repeats + " Spark evaluations");
      List<List<RowBlock>> parts = run.data().blocks().glom().collect();
      List<RowBlock> blocks = parts.stream().flatMap(List::stream).toList();
      Loss loss = config.optimizer().loss();
      MinibatchSampler sampler =
          MinibatchSampler.create(
              config.optimizer().sampler(), run.rows(), TrainingLoop.samplerSeed(config));
      PartitionContext local = new PartitionContext(network, loss, sampler);
      List<PartitionContext> perPart = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        perPart.add(new PartitionContext(network, loss, sampler));
      }
      ExecutorService pool = Executors.newFixedThreadPool(cores);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      List<Double> sparkRate = new ArrayList<>();
      List<Double> sparkCpuRate = new ArrayList<>();
      List<Double> localRate = new ArrayList<>();
      List<Double> localCpuRate = new ArrayList<>();
      List<Double> parallelRate = new ArrayList<>();
      long rows = run.rows();
      for (int r = 0; r < repeats; r++) {
        long cpu0 = taskCpu.cpuNs.get();
        long[] mark = taskCpu.mark();
        double p0 = CpuClock.seconds();
        long w0 = System.nanoTime();
        EvaluationPass dist = run.backend().evaluate(false, theta, normPowL, null, Double.NaN);
        double sw = (System.nanoTime() - w0) / 1e9;
        double sp = CpuClock.seconds() - p0;
        Thread.sleep(200); // task-end events arrive asynchronously
        double sc = (taskCpu.cpuNs.get() - cpu0) / 1e9;
        System.out.println("  spark tasks: " + taskCpu.since(mark));
        long c1 = threads.getCurrentThreadCpuTime();
        double p1 = CpuClock.seconds();
        long w1 = System.nanoTime();
        EvaluationPass one = local.evaluate(blocks, theta, normPowL, null, Double.NaN);
        double lw = (System.nanoTime() - w1) / 1e9;
        double lc = (threads.getCurrentThreadCpuTime() - c1) / 1e9;
        double lp = CpuClock.seconds() - p1;
        // the same partitions on `cores` plain threads of this JVM, merged as Spark merges them
        long w2 = System.nanoTime();
        List<Future<EvaluationPass>> futures = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
          PartitionContext ctx = perPart.get(i);
          List<RowBlock> part = parts.get(i);
          futures.add(pool.submit(() -> ctx.evaluate(part, theta, normPowL, null, Double.NaN)));
        }
        List<EvaluationPass> passes = new ArrayList<>();
        for (Future<EvaluationPass> f : futures) {
          passes.add(f.get());
        }
        long w3 = System.nanoTime();
        EvaluationPass merged = mergeInOrder(passes, config);
        double mergeMs = (System.nanoTime() - w3) / 1e6;
        double pw = (System.nanoTime() - w2) / 1e9;
        sparkRate.add(rows / sw / cores);
        sparkCpuRate.add(rows / sc);
        localRate.add(rows / lw);
        localCpuRate.add(rows / lc);
        parallelRate.add(rows / pw / cores);
        System.out.printf(
            "repeat %d: spark %.3f s wall, %.3f s task CPU, %.3f s this JVM's CPU (%,.0f rows/s/core"
                + " wall, %,.0f rows/CPU-s); local %.3f s wall, %.3f s thread CPU, %.3f s this JVM's"
                + " CPU (%,.0f rows/s, %,.0f rows/CPU-s); %d local threads over the %d partitions"
                + " %.3f s wall (%,.0f rows/s/core; merge on this thread %.1f ms); summary bits"
                + " spark = threads: %b, n and min spark = 1 thread: %b%n",
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
            cores,
            parts.size(),
            pw,
            rows / pw / cores,
            mergeMs,
            sameBits(
                    dist.accumulator().summarize(normPowL),
                    merged.accumulator().summarize(normPowL))
                && dist.marginChangeSup() == merged.marginChangeSup(),
            dist.accumulator().count() == one.accumulator().count()
                && dist.accumulator().summarize(normPowL).minMargin()
                    == one.accumulator().summarize(normPowL).minMargin());
      }
      pool.shutdown();
      driverMerge(perPart.get(0).evaluate(parts.get(0), theta, normPowL, null, Double.NaN), config);
      double sr = CpuClock.median(sparkRate);
      double sc = CpuClock.median(sparkCpuRate);
      double lr = CpuClock.median(localRate);
      double lc = CpuClock.median(localCpuRate);
      double pr = CpuClock.median(parallelRate);
      System.out.printf(
          "| %s | %,d rows | %s, P = %d | spark %,.0f rows/s/core (wall), %,.0f rows/CPU-s |"
              + " local 1 thread %,.0f rows/s, %,.0f rows/CPU-s | %d local threads %,.0f"
              + " rows/s/core | spark per core / local 1 thread: wall %.2f×, CPU %.2f× |"
              + " spark / local threads (per core, wall): %.2f× |%n",
          data, rows, master, partitions, sr, sc, lr, lc, cores, pr, sr / lr, sc / lc, sr / pr);
      probe(spark, executors, "after the comparison (blocks collected once)");
    }
    spark.stop();
  }

  /**
   * The driver's share of an evaluation as a function of the partition count P (not of n): one
   * partition's result, Java-serialized as its task ships it, deserialized P times and merged in
   * order through the configured tree depth, then summarized.
   */
  static void driverMerge(EvaluationPass one, TrainConfig config) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(one);
    }
    byte[] wire = bytes.toByteArray();
    for (int p : new int[] {2, 16, 64, 128}) {
      long t0 = System.nanoTime();
      List<EvaluationPass> passes = new ArrayList<>();
      for (int i = 0; i < p; i++) {
        try (java.io.ObjectInputStream in =
            new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(wire))) {
          passes.add((EvaluationPass) in.readObject());
        }
      }
      long t1 = System.nanoTime();
      EvaluationPass merged = mergeInOrder(passes, config);
      merged.accumulator().summarize(1.0);
      long t2 = System.nanoTime();
      System.out.printf(
          "driver side, P = %d partition results of %,d B each: deserialize %.1f ms, merge +"
              + " summarize %.1f ms%n",
          p, wire.length, (t1 - t0) / 1e6, (t2 - t1) / 1e6);
    }
  }

  /** The passes merged as Spark's evaluation merges its partitions' (non-empty list). */
  static EvaluationPass mergeInOrder(List<EvaluationPass> passes, TrainConfig config) {
    MarginAccumulator first = passes.get(0).accumulator();
    return OrderedTreeAggregate.mergeInOrder(
        passes,
        EvaluationPass::merge,
        config.cluster().treeDepth(),
        new EvaluationPass(first.loss(), first.parameterCount()));
  }

  /** True if every component of the two summaries has the same bits (arrays and nested too). */
  static boolean sameBits(Record a, Record b) {
    try {
      for (RecordComponent c : a.getClass().getRecordComponents()) {
        Object x = c.getAccessor().invoke(a);
        Object y = c.getAccessor().invoke(b);
        if (x instanceof Record rx && y instanceof Record ry) {
          if (!sameBits(rx, ry)) {
            return false;
          }
        } else if (!Objects.deepEquals(x, y)) {
          return false;
        }
      }
      return true;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
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

package io.marginflow.bench.suite;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;

/**
 * The local-cluster parts of comparisons 6 and 7 ({@code --cluster}): peak RSS of the driver and of
 * each executor JVM per data set on {@code local-cluster[2,1,1024]}, and the per-step time of a
 * full batch on one executor against two. A JVM holds one SparkContext at a time, so every
 * measurement starts and stops a session of its own (fresh executor JVMs each time), after the
 * suite's local[2] session has stopped.
 */
final class ClusterComparisons {

  /** The master of the memory comparison: 2 executor JVMs, 1 core and 1 GiB each (issue 6). */
  static final String MEMORY_MASTER = "local-cluster[2,1,1024]";

  /** The masters compared for scaling in executors, alternated session by session. */
  static final List<String> SCALING_MASTERS =
      List.of("local-cluster[1,1,1024]", "local-cluster[2,1,1024]");

  private static final double MB = 1024.0 * 1024.0;

  private final Scale scale;
  private final Path datasets;
  private final Path scratch;
  private final Report report;

  ClusterComparisons(Scale scale, Path datasets, Path scratch, Report report) {
    this.scale = scale;
    this.datasets = datasets;
    this.scratch = scratch;
    this.report = report;
  }

  // ---------------------------------------------------------------- comparison 6, executors

  /** Comparison 6 on local-cluster: one fresh session per data set. */
  void memory() throws java.io.IOException {
    int executors = BenchSpark.executors(MEMORY_MASTER);
    report.linef("%n## 6. Memory on %s: peak RSS of driver and executors%n", MEMORY_MASTER);
    report.line(
        "One fresh session (new executor JVMs, `spark.executor.memory=1g`) per data set: ingest and"
            + " cache (`MEMORY_AND_DISK`, 2 partitions), run "
            + Suite.memorySteps(scale)
            + " full-batch steps of the linear model, then a probe job whose tasks read"
            + " /proc/self/status inside each executor (executor id, VmHWM, VmRSS, storage memory)."
            + " Driver = this JVM (`-Xmx6g`, heap already grown by the local[2] comparisons): its RSS"
            + " when VmHWM is reset (after a System.gc(), before ingest) → its VmHWM at the end; the"
            + " difference is what this data set added. Spark storage = Spark's size estimate of the cached partitions"
            + " in memory / on disk (disk > 0: spilled). Executors: `id: MB`.\n");
    report.tableHeader(
        "| data | rows | cached blocks MB | Spark storage MB memory / disk | driver RSS MB at reset → peak"
            + " | executor peak RSS MB | executor RSS MB now | executor storage used / max MB"
            + " | executors lost | load |");
    List<String> notes = new ArrayList<>();
    for (String[] d : Suite.memorySets(scale)) {
      Path file = Suite.memoryFile(datasets, scale, scratch, d[0]);
      int f = Integer.parseInt(d[1]);
      String name = d[0].replace("#", " ×");
      SparkSession lc = BenchSpark.start(MEMORY_MASTER, scratch.toFile());
      ExecutorProbe.LossCounter loss = new ExecutorProbe.LossCounter();
      lc.sparkContext().addSparkListener(loss);
      try {
        System.gc();
        ProcStatus.resetPeak();
        long driverStartKb = ProcStatus.rssKb();
        String rows;
        String cached;
        String storage;
        try (PreparedRun mf =
            new PreparedRun(lc, Suite.fullBatchLinear(file, f, Suite.memorySteps(scale)))) {
          mf.run();
          rows = "" + mf.rows();
          cached = String.format(Locale.ROOT, "%.1f", mf.data().cachedBytes() / MB);
          storage = storage(lc, mf.data().blocks().id());
          report.line(row(name, rows, cached, storage, driverStartKb, lc, executors, loss));
        } catch (Exception e) {
          // an executor out of memory or a job abort is a result here, not a crash of the suite
          String what = oneLine(e);
          notes.add(name + ": " + what);
          report.line(row(name, "—", "**failed**", "—", driverStartKb, lc, executors, loss));
        }
        notes.addAll(loss.reasons().stream().map(r -> name + ": executor " + r).toList());
      } finally {
        lc.sparkContext().removeSparkListener(loss);
        lc.stop();
      }
    }
    for (String n : notes) {
      report.line("\n- " + n);
    }
    report.linef("%nLoad average %s.", Report.loadAverage());
  }

  private String row(
      String name,
      String rows,
      String cached,
      String storage,
      long driverStartKb,
      SparkSession lc,
      int executors,
      ExecutorProbe.LossCounter loss) {
    String driverPeak =
        String.format(
            Locale.ROOT, "%.0f → %.0f", driverStartKb / 1024.0, ProcStatus.peakRssKb() / 1024.0);
    List<ExecutorProbe.Sample> ex;
    try {
      ex = ExecutorProbe.probe(lc.sparkContext(), executors);
    } catch (Exception e) { // a broken session: the executor cells say "—"
      ex = List.of();
    }
    String seen = ex.size() < executors ? " (" + ex.size() + " of " + executors + " answered)" : "";
    return String.format(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s | %s%s | %s | %s | %d | %s |",
        name,
        rows,
        cached,
        storage,
        driverPeak,
        perExecutor(ex, s -> s.peakRssKb() * 1024, 0),
        seen,
        perExecutor(ex, s -> s.rssKb() * 1024, 0),
        ex.stream()
            .map(
                s ->
                    String.format(
                        Locale.ROOT,
                        "%s: %.1f / %.0f",
                        s.executorId(),
                        s.storageUsedBytes() / MB,
                        s.storageMaxBytes() / MB))
            .collect(Collectors.joining(", ")),
        loss.removed(),
        Report.loadAverage());
  }

  private static String perExecutor(
      List<ExecutorProbe.Sample> ex, ToLongFunction<ExecutorProbe.Sample> bytes, int decimals) {
    if (ex.isEmpty()) {
      return "—";
    }
    return ex.stream()
        .map(
            s ->
                String.format(
                    Locale.ROOT,
                    "%s: %." + decimals + "f",
                    s.executorId(),
                    bytes.applyAsLong(s) / MB))
        .collect(Collectors.joining(", "));
  }

  private static String storage(SparkSession spark, int rddId) {
    for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
      if (info.id() == rddId) {
        return String.format(
            Locale.ROOT,
            "%.1f / %.1f%s",
            info.memSize() / MB,
            info.diskSize() / MB,
            info.diskSize() > 0 ? " (spilled)" : "");
      }
    }
    return "not cached";
  }

  // ---------------------------------------------------------------- comparison 7, executors

  /** Comparison 7 on local-cluster: 1 vs 2 executors, sessions alternated [1] [2] [1] [2] …. */
  void scaling() throws java.io.IOException {
    report.linef(
        "%n## 7. Scaling in executors: full batch, ijcnn1 ×%d, %s vs %s, ms per step%n",
        scale.scalingFactor(), SCALING_MASTERS.get(0), SCALING_MASTERS.get(1));
    report.line(
        "`mlp:22-1 --sampler full`, partitions = executor cores (1 and 2); one fresh session per"
            + " run, the two configurations alternated session by session ("
            + scale.reps()
            + " each); per session "
            + (scale.warmUp() ? "one untimed run, then " : "")
            + "one run of "
            + scale.scalingSteps()
            + " steps (mean per step, first 10 % skipped). Speed-up per repetition = [1] ÷ [2] of"
            + " the adjacent sessions. Storage columns (last session of each): the cached RDD in memory /"
            + " on disk, and the storage memory in use per executor (where the partitions live).\n");
    Path file =
        Replicas.write(
            Suite.source(datasets, "ijcnn1/ijcnn1.trn.gz"),
            scale.scalingFactor(),
            scale.rowLimit(),
            scratch);
    List<Samples> times = new ArrayList<>();
    List<String> placement = new ArrayList<>();
    List<String> stored = new ArrayList<>();
    List<Integer> partitions = new ArrayList<>();
    for (String m : SCALING_MASTERS) {
      times.add(new Samples());
      placement.add("—");
      stored.add("—");
      partitions.add(BenchSpark.executorCores(m));
    }
    Samples speedUp = new Samples();
    List<String> notes = new ArrayList<>();
    for (int r = 0; r < scale.reps(); r++) {
      double[] ms = new double[SCALING_MASTERS.size()];
      for (int q = 0; q < SCALING_MASTERS.size(); q++) {
        String master = SCALING_MASTERS.get(q);
        ms[q] = Double.NaN;
        SparkSession lc = BenchSpark.start(master, scratch.toFile());
        try (PreparedRun mf =
            new PreparedRun(
                lc,
                Suite.fullBatchLinear(
                    file, 22, scale.scalingSteps(), "--partitions", "" + partitions.get(q)))) {
          if (scale.warmUp()) {
            mf.run();
          }
          ms[q] = Samples.meanOf(mf.run().wallMs(), 0.1);
          times.get(q).add(ms[q]);
          placement.set(
              q,
              perExecutor(
                  ExecutorProbe.probe(lc.sparkContext(), BenchSpark.executors(master)),
                  ExecutorProbe.Sample::storageUsedBytes,
                  1));
          stored.set(q, storage(lc, mf.data().blocks().id()));
        } catch (Exception e) {
          notes.add("repetition " + (r + 1) + ", " + master + ": **failed**, " + oneLine(e));
        } finally {
          lc.stop();
        }
      }
      if (Double.isFinite(ms[0]) && Double.isFinite(ms[1])) {
        speedUp.add(ms[0] / ms[1]);
      }
    }
    report.tableHeader(
        "| master | partitions | ms per step | speed-up vs 1 executor (medians) | Spark storage MB"
            + " memory / disk | storage used MB per executor |");
    for (int q = 0; q < SCALING_MASTERS.size(); q++) {
      report.linef(
          "| `%s` | %d | %s | %.2f | %s | %s |",
          SCALING_MASTERS.get(q),
          partitions.get(q),
          times.get(q).format(2),
          times.get(0).median() / times.get(q).median(),
          stored.get(q),
          placement.get(q));
    }
    report.linef(
        "%nSpeed-up per repetition, 1 → 2 executors: **%s** (ideal 2). Load average %s.",
        speedUp.format(2), Report.loadAverage());
    for (String n : notes) {
      report.line("\n- " + n);
    }
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    if (m.length() > 200) {
      m = m.substring(0, 200) + "…";
    }
    return e.getClass().getSimpleName() + ": " + m.replace("|", "/");
  }
}

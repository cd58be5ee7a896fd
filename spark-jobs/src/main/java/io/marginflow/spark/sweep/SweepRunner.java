package io.marginflow.spark.sweep;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.spark.job.DataLoader;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.RunDirectoryRecorder;
import io.marginflow.spark.job.SharedSetup;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.report.RunLister;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.store.SweepStore;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the unfinished runs of a sweep inside one Spark application. Runs are grouped by their data
 * configuration (the data keys, partitions, block size, and the seed for generated data); each
 * group's data are scanned, ingested and cached once, and its runs go {@code parallel} at a time,
 * each on its own thread driving its own {@code TrainingLoop} over the shared cached blocks, in its
 * own FAIR scheduler pool ({@code run-<slot>}). A run's directory is an ordinary run directory, and
 * the run is the same bits as the same config trained alone. A failing run is marked failed in
 * {@code sweep.json} with its reason (and in its own {@code status.json}); the others go on.
 */
public final class SweepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SweepRunner.class);

  /** The settings that decide what ingestion produces. */
  static final List<ConfigKey> DATA_KEYS =
      List.of(
          ConfigKey.DATA,
          ConfigKey.TEST_DATA,
          ConfigKey.FORMAT,
          ConfigKey.FEATURES,
          ConfigKey.LABELS,
          ConfigKey.IDX_LABELS,
          ConfigKey.CSV_LABEL_COLUMN,
          ConfigKey.CSV_HEADER,
          ConfigKey.GENERATOR_ROWS,
          ConfigKey.GENERATOR_FEATURES,
          ConfigKey.GENERATOR_WIDTH,
          ConfigKey.GENERATOR_MARGIN,
          ConfigKey.PARTITIONS,
          ConfigKey.BLOCK_ROWS);

  /**
   * A file in the sweep directory that asks the sweep to stop: runs not started yet stay pending
   * (reason {@value #STOPPED_BEFORE_START}); running runs stop on their own {@code STOP} file.
   */
  public static final String STOP_REQUEST = RunDirectoryRecorder.STOP_REQUEST;

  /** The reason of a run left pending by a stop request. */
  public static final String STOPPED_BEFORE_START = "stop-requested before it started";

  private final SparkSession spark;
  private final JavaSparkContext sc;
  private final Configuration conf;
  private final SweepStore store;
  private final SweepProgress progress;
  private final AtomicReference<SweepManifest> manifest = new AtomicReference<>();
  private final Map<String, double[]> finals = new ConcurrentHashMap<>();

  /** A runner writing into {@code store} and reporting to {@code progress}. */
  public SweepRunner(SparkSession spark, SweepStore store, SweepProgress progress) {
    this.spark = spark;
    this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.conf = sc.hadoopConfiguration();
    this.store = store;
    this.progress = progress;
  }

  /**
   * Runs every run of {@code m} that is neither finished nor failed (a run with a checkpoint
   * resumes from it), then prints the closing table. Returns the final sweep file.
   */
  public SweepManifest run(SweepManifest m) throws IOException {
    manifest.set(m);
    store.write(m);
    Map<String, List<Integer>> groups = new LinkedHashMap<>();
    Map<Integer, TrainConfig> configs = new LinkedHashMap<>();
    Map<Integer, Boolean> resumes = new LinkedHashMap<>();
    for (int i = 0; i < m.runs().size(); i++) {
      SweepManifest.Run r = m.runs().get(i);
      if (r.done()) {
        continue;
      }
      try {
        boolean resume = prepareDirectory(r.id());
        TrainConfig c = configFor(r, resume);
        configs.put(i, c);
        resumes.put(i, resume);
        groups.computeIfAbsent(dataKey(c), k -> new ArrayList<>()).add(i);
      } catch (ConfigException e) {
        fail(i, "bad config: " + e.getMessage(), -1, -1);
      }
    }
    progress.note(
        configs.size()
            + " run(s) to go in "
            + groups.size()
            + " data configuration(s), "
            + m.parallel()
            + " at a time; sweep directory "
            + store.uri());
    for (List<Integer> group : groups.values()) {
      if (stopRequested()) {
        for (int i : group) {
          SweepManifest.Run r = manifest.get().runs().get(i);
          update(i, r.with(SweepManifest.PENDING, STOPPED_BEFORE_START, r.step(), -1));
        }
        continue;
      }
      runGroup(group, configs, resumes, m.parallel());
    }
    SweepManifest end = manifest.get();
    for (SweepManifest.Run r : end.runs()) {
      if (!finals.containsKey(r.id())) {
        Path dir = new Path(store.runDir(r.id()));
        FileSystem fs = dir.getFileSystem(conf);
        if (fs.exists(new Path(dir, RunStore.MANIFEST))) {
          finals.put(
              r.id(),
              new double[] {Double.NaN, RunLister.summarize(fs, dir).lastNormalizedMargin()});
        }
      }
    }
    progress.table(end, finals);
    return end;
  }

  private void runGroup(
      List<Integer> group,
      Map<Integer, TrainConfig> configs,
      Map<Integer, Boolean> resumes,
      int parallel)
      throws IOException {
    TrainConfig first = configs.get(group.get(0));
    TrainJob.Ingested data;
    try {
      DataLoader loader = new DataLoader(sc, first);
      List<InputFile> trainFiles = loader.scan(first.data().trainUris());
      List<InputFile> testFiles = loader.scan(first.data().testUris());
      int features = loader.features(trainFiles, testFiles);
      data = TrainJob.ingest(first, loader, trainFiles, testFiles, features);
    } catch (IOException | RuntimeException e) {
      LOG.warn("ingestion failed", e);
      for (int i : group) {
        fail(i, "data: " + e.getMessage(), -1, -1);
      }
      return;
    }
    progress.note(
        "ingested "
            + data.train().description()
            + " once ("
            + data.train().rows()
            + " rows, "
            + data.partitions()
            + " partitions) for "
            + group.size()
            + " run(s)");
    // Runs that go at once share the driver's cores: each sums its rows-path steps on its share
    // (a thread hand-off per step for a sub-millisecond sum only costs; the bits do not change).
    int driverThreads =
        Math.max(1, Runtime.getRuntime().availableProcessors() / Math.min(parallel, group.size()));
    SharedSetup shared = new SharedSetup(); // the group's runs share one cached data set
    AtomicInteger slots = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(parallel, group.size()),
            r -> {
              Thread t = new Thread(r, "sweep-run-" + slots.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i : group) {
        futures.add(
            pool.submit(
                () -> {
                  sc.setLocalProperty(
                      "spark.scheduler.pool", "run-" + Thread.currentThread().getName());
                  runOne(i, configs.get(i), resumes.get(i), data, driverThreads, shared);
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a sweep thread failed", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the sweep's runs", e);
        }
      }
    } finally {
      pool.shutdownNow();
      data.train().blocks().unpersist(false);
      if (data.test() != null) {
        data.test().blocks().unpersist(false);
      }
    }
  }

  private void runOne(
      int index,
      TrainConfig config,
      boolean resume,
      TrainJob.Ingested data,
      int driverThreads,
      SharedSetup shared) {
    SweepManifest.Run r = manifest.get().runs().get(index);
    URI dir = store.runDir(r.id());
    if (stopRequested()) {
      update(index, r.with(SweepManifest.PENDING, STOPPED_BEFORE_START, r.step(), -1));
      progress.event(r.id(), "not started", STOPPED_BEFORE_START);
      return;
    }
    update(index, r.with(SweepManifest.RUNNING, "", r.step(), -1));
    progress.event(
        r.id(), "started", (resume ? "resuming its checkpoint; " : "") + describe(r.point()));
    long t0 = System.nanoTime();
    RunStore rs = null;
    SweepEvents[] events = new SweepEvents[1];
    try {
      rs = resume ? RunStore.open(dir, conf) : RunStore.create(dir, conf);
      String runId = resume ? null : manifest.get().sweepId() + "-" + r.id();
      TrainJob.Outcome o =
          TrainJob.runOn(
              config,
              spark,
              rs,
              runId,
              data,
              rec -> events[0] = new SweepEvents(rec, progress, r.id()),
              new TrainJob.RunOptions(driverThreads, shared));
      double secs = (System.nanoTime() - t0) / 1e9;
      EvalRow last = events[0].lastTrain();
      finals.put(
          r.id(),
          last == null
              ? new double[] {Double.NaN, Double.NaN}
              : new double[] {last.logLoss(), last.normalizedMargin()});
      // a run stopped on request is not done: it stays pending and a resume continues it
      String status =
          TrainingLoop.STOP_REQUESTED.equals(events[0].reason())
              ? SweepManifest.PENDING
              : SweepManifest.FINISHED;
      update(index, r.with(status, events[0].reason(), o.state().step(), secs));
      progress.event(
          r.id(),
          "finished",
          String.format(
              java.util.Locale.ROOT,
              "step %d (%s) in %.1f s",
              o.state().step(),
              events[0].reason(),
              secs));
    } catch (IOException | RuntimeException | Error e) {
      LOG.warn("run {} failed", r.id(), e);
      String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
      if (rs != null) {
        try {
          rs.flushMetrics();
          RunDirectoryRecorder.writeStatus(rs, SweepManifest.FAILED, reason, -1);
        } catch (IOException | RuntimeException suppressed) {
          LOG.warn("could not write the failed status of {}", r.id(), suppressed);
        }
      }
      EvalRow last = events[0] == null ? null : events[0].lastTrain();
      fail(index, reason, last == null ? -1 : last.step(), (System.nanoTime() - t0) / 1e9);
    } finally {
      if (rs != null) {
        try {
          rs.close();
        } catch (IOException e) {
          LOG.warn("closing {} failed", dir, e);
        }
      }
    }
  }

  /** Whether the sweep directory holds a stop request ({@link #STOP_REQUEST}). */
  private boolean stopRequested() {
    try {
      Path p = new Path(new Path(store.uri()), STOP_REQUEST);
      return p.getFileSystem(conf).exists(p);
    } catch (IOException e) {
      LOG.warn("cannot look for the sweep's stop request", e);
      return false;
    }
  }

  private void fail(int index, String reason, long step, double secs) {
    SweepManifest.Run r = manifest.get().runs().get(index);
    update(index, r.with(SweepManifest.FAILED, reason, step, secs));
    progress.event(r.id(), "failed", reason.replace('\n', ' '));
  }

  private void update(int index, SweepManifest.Run run) {
    SweepManifest m = manifest.updateAndGet(old -> old.withRun(index, run));
    try {
      store.write(m);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing sweep.json failed: " + e.getMessage(), e);
    }
  }

  /**
   * True if run {@code id} has a checkpoint to resume from. A run directory without one (a run
   * stopped before its first checkpoint) holds nothing a rerun does not rewrite, and is removed.
   */
  private boolean prepareDirectory(String id) throws IOException {
    Path dir = new Path(store.runDir(id));
    FileSystem fs = dir.getFileSystem(conf);
    if (fs.exists(new Path(dir, RunStore.LATEST))) {
      return true;
    }
    if (fs.exists(dir)) {
      LOG.info("{} has no checkpoint: starting it again", dir);
      fs.delete(dir, true);
    }
    return false;
  }

  /** The run's config: its recorded settings, with its directory as out (or resume). */
  TrainConfig configFor(SweepManifest.Run r, boolean resume) {
    Settings s = r.settings();
    String dir = store.runDir(r.id()).toString();
    s = resume ? s.with(ConfigKey.RESUME, dir).with(ConfigKey.OUT, "") : s.with(ConfigKey.OUT, dir);
    return TrainConfig.from(s);
  }

  /** What decides the ingested blocks: runs with equal keys share them. */
  static String dataKey(TrainConfig c) {
    StringBuilder b = new StringBuilder();
    for (ConfigKey k : DATA_KEYS) {
      b.append(k.key()).append('=').append(c.settings().text(k)).append('\n');
    }
    b.append("cnn=").append(c.model().spec().startsWith("cnn")).append('\n');
    if (c.data().generated()) {
      b.append("seed=").append(c.optimizer().seed()).append('\n'); // the generator's seed
    }
    return b.toString();
  }

  private static String describe(Map<String, String> point) {
    List<String> parts = new ArrayList<>();
    point.forEach((k, v) -> parts.add(k + "=" + v));
    return parts.isEmpty() ? "(base config)" : String.join(" ", parts);
  }
}

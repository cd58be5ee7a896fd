package io.marginflow.spark.job;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.net.BlasInfo;
import io.marginflow.common.net.Network;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.RunRecorder;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.common.train.TrainingState;
import io.marginflow.spark.check.RunPlan;
import io.marginflow.spark.check.RunRefusedException;
import io.marginflow.spark.check.RunValidator;
import io.marginflow.spark.check.ValidationOptions;
import io.marginflow.spark.check.ValidationReport;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job, read top to bottom like the script it is: validate the run ({@link RunValidator}:
 * config, model, output, resume, and the scan of the input, every line checked before anything is
 * written) → load and cache the blocks (which checks the Parquet rows the scan took from footers) →
 * create or reopen the run directory → write the manifest → run {@link TrainingLoop} on a {@link
 * SparkBackend} → release the cache and broadcasts.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** How a run ended. */
  public record Outcome(URI runDir, TrainingState state) {}

  /**
   * Runs (or resumes) the configured job on the given session, after {@link RunValidator} passed
   * (the data are scanned on Spark); throws a {@link RunRefusedException} listing every problem
   * before anything is written otherwise.
   */
  public static Outcome run(TrainConfig config, SparkSession spark) throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ValidationReport report =
        new RunValidator(sc.hadoopConfiguration(), DataScanner.spark(sc))
            .validate(config, new ValidationOptions(false, sc.defaultParallelism()));
    return run(report.planOrThrow(), spark);
  }

  /** Runs a validated plan (its scanned files are used as they are, not scanned again). */
  public static Outcome run(RunPlan plan, SparkSession spark) throws IOException {
    TrainConfig config = plan.config();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = sc.hadoopConfiguration();
    boolean resume = plan.resume();
    String runId = plan.runId();
    URI runDir = plan.runDir();
    LOG.info("config: {}", config.settings().asMap());
    // marginflow serve reads the application id from this line of the driver log.
    LOG.info("spark application {} on {}", sc.sc().applicationId(), sc.sc().master());

    DataLoader loader = new DataLoader(sc, config);
    List<InputFile> trainFiles = plan.train().files();
    List<InputFile> testFiles = plan.test() == null ? List.of() : plan.test().files();
    int features = plan.features();

    CacheFit.checkEstimate(sc, plan.cachedBytes()); // before anything is written
    // The load checks the rows a scan took from Parquet footers (ParquetFooterScan): it runs
    // before the run directory is created or reopened, so a bad row leaves no output behind.
    Ingested data =
        ingest(config, loader, trainFiles, testFiles, features, plan.sparse(), plan.blockRows());
    IngestedData train = data.train();
    IngestedData test = data.test();
    RunStore store;
    try {
      store = resume ? RunStore.open(runDir, hadoop) : RunStore.create(runDir, hadoop);
    } catch (IOException | RuntimeException e) {
      release(sc, data);
      throw e;
    }
    try {
      return runOn(
          config,
          spark,
          store,
          resume ? null : runId,
          data,
          UnaryOperator.identity(),
          RunOptions.ALONE);
    } catch (Exception | Error e) {
      // Exception, not only RuntimeException: Spark throws its checked SparkException undeclared
      // (a job cancelled because the SparkContext was stopped, e.g. the YARN application killed).
      try {
        store.flushMetrics();
        RunDirectoryRecorder.writeStatus(store, "failed", String.valueOf(e.getMessage()), -1);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      release(sc, data);
      store.close();
    }
  }

  /** Unpersists the blocks of {@code data} unless the context is stopped. */
  private static void release(JavaSparkContext sc, Ingested data) {
    // A stopped context (the YARN application was killed, say) has nothing left to release, and
    // trying would throw over the exception that tells why the run ended.
    if (sc.sc().isStopped()) {
      return;
    }
    data.train().blocks().unpersist(false);
    if (data.test() != null) {
      data.test().blocks().unpersist(false);
    }
  }

  /**
   * The data of a run after ingestion, cached and materialized (shared by the runs of a sweep).
   *
   * @param train the training split
   * @param test the test split, or null
   * @param partitions the partition count the blocks were cut into
   */
  public record Ingested(IngestedData train, IngestedData test, int partitions) {}

  /**
   * Loads, caches and materializes the training (and test) split of {@code config} from the scanned
   * files. On failure, whatever was cached is released before the exception propagates.
   */
  public static Ingested ingest(
      TrainConfig config,
      DataLoader loader,
      List<InputFile> trainFiles,
      List<InputFile> testFiles,
      int features)
      throws IOException {
    boolean cnn = config.model().spec().startsWith("cnn");
    int probeFeatures = features > 0 ? features : 1;
    boolean sparse = !cnn && isSparse(trainFiles, probeFeatures);
    int blockRows = blockRows(config, features > 0 ? features : 784);
    return ingest(config, loader, trainFiles, testFiles, features, sparse, blockRows);
  }

  /** As above, with the block layout already decided (by {@link RunValidator}'s plan). */
  public static Ingested ingest(
      TrainConfig config,
      DataLoader loader,
      List<InputFile> trainFiles,
      List<InputFile> testFiles,
      int features,
      boolean sparse,
      int blockRows)
      throws IOException {
    IngestedData train =
        loader.load(trainFiles, config.data().trainUris(), features, sparse, blockRows, false);
    try {
      IngestedData test =
          config.data().testUris().isEmpty()
              ? null
              : loader.load(
                  testFiles,
                  config.data().testUris(),
                  train.features(),
                  train.sparse(), // the train split's (CSR if it found dense vectors sparse)
                  blockRows,
                  true);
      return new Ingested(train, test, loader.partitions());
    } catch (IOException | RuntimeException | Error e) {
      train.blocks().unpersist(false);
      throw e;
    }
  }

  /**
   * Runs (or resumes, when {@code runId} is null) one run on data already ingested: writes the
   * manifest, builds the backend and drives {@link TrainingLoop} with a {@link
   * RunDirectoryRecorder} passed through {@code decorate}, placed by {@code options} (driver
   * threads; the BLAS check and step-path cost model shared with other runs on the same data).
   * Neither the data nor the store are released here; the caller owns them (and writes a failed
   * status if this throws).
   */
  public static Outcome runOn(
      TrainConfig config,
      SparkSession spark,
      RunStore store,
      String runId,
      Ingested data,
      UnaryOperator<RunRecorder> decorate,
      RunOptions options)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    IngestedData train = data.train();
    IngestedData test = data.test();
    Network network = LocalTrainer.buildNetwork(config, train.features());
    SharedSetup shared = options.shared() == null ? new SharedSetup() : options.shared();
    String blas = shared.get("blas", () -> blasImplementations(sc, train));
    TrainingState start;
    if (runId == null) {
      start = resumeState(store);
      List<Long> removed =
          MarginSnapshots.removeAfter(store.uri(), start.step(), sc.hadoopConfiguration());
      if (!removed.isEmpty()) {
        LOG.info("removed margin snapshots written after the checkpoint: steps {}", removed);
      }
      LOG.info("resuming {} at step {}", store.uri(), start.step());
    } else {
      start = TrainingLoop.initialState(config, LocalTrainer.initialTheta(config, network));
    }
    ModelKey key = ModelKey.of(config, network, train.rows());
    MarginSnapshots snapshots = new MarginSnapshots(spark, train.blocks(), key, store.uri());
    SparkBackend backend =
        new SparkBackend(
            sc,
            train.blocks(),
            test == null ? null : test.blocks(),
            train.rows(),
            key,
            config.cluster().treeDepth(),
            thetaShipping(config, network),
            snapshots);
    backend.limitSteps(config.optimizer().steps());
    if (options.driverThreads() > 0) {
      backend.driverThreads(options.driverThreads());
    }
    try {
      StepPathChooser.Choice path =
          StepPathChooser.chooseShared(
              shared,
              pathKey(config, network),
              backend,
              config.cluster().stepPath(),
              config.cluster().prefetchBytes(),
              start.step(),
              start.theta(),
              !blas.startsWith("driver="));
      LOG.info("step path: {} ({})", path.path(), path.reason());
      LOG.info("backend: {}", backend.describe());
      if (runId != null) {
        store.writeManifest(
            manifest(config, runId, network, train, test, data.partitions(), spark, blas, path));
      }
      RunRecorder recorder =
          decorate.apply(new RunDirectoryRecorder(store, key.sampler(), key.samplerSeed()));
      TrainingState end = new TrainingLoop(config, network, backend, recorder).run(start);
      return new Outcome(store.uri(), end);
    } finally {
      if (!sc.sc().isStopped()) {
        backend.release(); // a stopped context (application killed) has nothing left to release
      }
    }
  }

  /**
   * How a run is placed besides its config.
   *
   * @param driverThreads driver threads summing a rows-path step (0: the driver's cores)
   * @param shared measurements shared with other runs on the same cached data (null: none)
   */
  public record RunOptions(int driverThreads, SharedSetup shared) {
    /** A run on its own. */
    public static final RunOptions ALONE = new RunOptions(0, null);
  }

  /** What the step-path cost model depends on besides the data: model, batch, sampler, path. */
  private static String pathKey(TrainConfig config, Network network) {
    return "step-path "
        + network.spec()
        + " "
        + config.model().precision()
        + " "
        + config.optimizer().sampler()
        + " "
        + config.cluster().stepPath()
        + " "
        + config.cluster().prefetchBytes();
  }

  static TrainingState resumeState(RunStore store) throws IOException {
    Checkpoint c =
        store
            .recoverLatestCheckpoint() // falls back past a damaged checkpoint, with a warning
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "resume: "
                            + store.uri()
                            + " has no valid checkpoint (checkpoints/LATEST)"));
    Map<String, double[]> extra = new LinkedHashMap<>();
    for (String name :
        new String[] {
          RunDirectoryRecorder.PREVIOUS_EVAL_THETA,
          RunDirectoryRecorder.EPOCH_START_THETA,
          RunDirectoryRecorder.EPOCH_START_PREVIOUS_EVAL_THETA
        }) {
      store.readCheckpointArray(c.step(), name).ifPresent(a -> extra.put(name, a));
    }
    store.truncateMetrics(c.meta().stepsBytes(), c.meta().evalBytes());
    return CheckpointStates.toState(c, extra);
  }

  /** CSR blocks when the data are sparse enough for the sparse first-layer kernel to pay off. */
  public static boolean isSparse(List<InputFile> files, int features) {
    long rows = 0;
    long nnz = 0;
    for (InputFile f : files) {
      rows += f.rows();
      nnz += f.nonZeros();
    }
    return isSparse(rows, nnz, features);
  }

  /** The rule of {@link #isSparse(List, int)}: fewer than 0.3 · rows · features non-zeros. */
  public static boolean isSparse(long rows, long nnz, int features) {
    return rows > 0 && nnz < 0.3 * rows * (double) features;
  }

  /** The default block size: rows per cached block unless the model needs fewer. */
  static final int DEFAULT_BLOCK_ROWS = 1024;

  /**
   * Rows per cached block: {@code --block-rows} when given, else chosen from the model — {@link
   * #DEFAULT_BLOCK_ROWS}, or fewer when one block's workspace would exceed about 64 MB ({@link
   * Network#suggestedBlockRows()}: a few dozen rows for MNIST-size CNNs).
   */
  public static int blockRows(TrainConfig config, int features) {
    if (config.cluster().blockRows() > 0) {
      return config.cluster().blockRows();
    }
    try {
      return Math.min(
          DEFAULT_BLOCK_ROWS, LocalTrainer.buildNetwork(config, features).suggestedBlockRows());
    } catch (IllegalArgumentException e) {
      return DEFAULT_BLOCK_ROWS; // the model is checked (and refused with its message) later
    }
  }

  static SparkBackend.ThetaShipping thetaShipping(TrainConfig config, Network network) {
    switch (config.cluster().thetaShipping()) {
      case "closure":
        return SparkBackend.ThetaShipping.CLOSURE;
      case "broadcast":
        return SparkBackend.ThetaShipping.BROADCAST;
      default:
        break;
    }
    // Small θ travels with the task (no broadcast round trip); large θ is broadcast once per step.
    return network.parameterCount() <= 1 << 16
        ? SparkBackend.ThetaShipping.CLOSURE
        : SparkBackend.ThetaShipping.BROADCAST;
  }

  public static String newRunId(TrainConfig config) {
    String time =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC)
            .format(Instant.now());
    return time + "-s" + Long.toUnsignedString(config.optimizer().seed());
  }

  static Manifest manifest(
      TrainConfig config,
      String runId,
      Network network,
      IngestedData train,
      IngestedData test,
      int partitions,
      SparkSession spark,
      String blas,
      StepPathChooser.Choice path) {
    List<Manifest.DataFile> data = new ArrayList<>();
    for (IngestedData d : test == null ? List.of(train) : List.of(train, test)) {
      for (InputFile f : d.files()) {
        data.add(
            new Manifest.DataFile(
                f.uri(),
                f.bytes(),
                Instant.ofEpochMilli(f.modified()),
                f.rows(),
                d.features(),
                f.sha256()));
      }
    }
    Map<String, Object> cfg = new LinkedHashMap<>(config.settings().asMap());
    cfg.put("step", String.valueOf(config.optimizer().schedule().baseStep())); // resolved γ (or α₀)
    cfg.put("resolved_model", network.spec().toString());
    cfg.put("degree", network.degree());
    cfg.put("parameters", network.parameterCount());
    cfg.put("partitions", partitions);
    cfg.put("train_rows", train.rows());
    cfg.put("train_positives", train.positives());
    cfg.put("features", train.features());
    cfg.put("sparse_blocks", train.sparse());
    cfg.put("cached_bytes", train.cachedBytes());
    cfg.put("data_source", train.description());
    cfg.put("step_path_chosen", path.path());
    cfg.put("step_path_reason", path.reason());
    if (!train.files().isEmpty()) {
      cfg.put("data_sha256_scheme", FileFingerprint.SCHEME);
    }
    if (test != null) {
      cfg.put("test_rows", test.rows());
    }
    String algorithm =
        config.optimizer().schedule().lossBased()
            ? "loss-based-step (Lyu–Li; not the paper's constant-step SGD)"
            : switch (config.optimizer().sampler().kind().name()) {
              case "FULL" -> "gd";
              case "RESHUFFLE" ->
                  "sgd-reshuffle (epoch permutations; not the paper's i.i.d. noise)";
              default -> "sgd";
            };
    return new Manifest(
        runId == null ? "resumed" : runId,
        cfg,
        data,
        Versions.current(spark),
        blas,
        new Manifest.Conventions(
            Manifest.Conventions.RISK_MEAN,
            config.model().reluDerivativeAtZero(),
            config.optimizer().sampler().kind().name().toLowerCase(java.util.Locale.ROOT),
            algorithm),
        Instant.now(),
        host());
  }

  /**
   * The BLAS implementation (and OpenBLAS kernel family, {@link BlasInfo#describe()}) of the driver
   * and of every executor holding training blocks. Results are bit-reproducible only when they
   * agree, so a mismatch is logged as a warning and recorded ("driver=X; executors=Y").
   */
  static String blasImplementations(JavaSparkContext sc, IngestedData train) {
    String driver = BlasInfo.describe();
    sc.setJobDescription("marginflow: BLAS implementation of the executors");
    List<String> executors =
        train
            .blocks()
            .mapPartitions(
                it -> java.util.Collections.singletonList(BlasInfo.describe()).iterator())
            .distinct()
            .collect();
    if (executors.size() == 1 && executors.get(0).equals(driver)) {
      return driver;
    }
    List<String> sorted = new ArrayList<>(executors);
    java.util.Collections.sort(sorted);
    String all = "driver=" + driver + "; executors=" + String.join(",", sorted);
    LOG.warn("BLAS differs between driver and executors ({}): results are not bit-comparable", all);
    return all;
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}

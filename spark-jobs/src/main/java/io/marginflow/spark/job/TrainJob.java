package io.marginflow.spark.job;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.net.BlasInfo;
import io.marginflow.common.net.Network;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.common.train.TrainingState;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job, read top to bottom like the script it is: validate the config → scan the input
 * (every line checked before anything is written) → create or reopen the run directory → load and
 * cache the blocks → write the manifest → run {@link TrainingLoop} on a {@link SparkBackend} →
 * release the cache and broadcasts.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** How a run ended. */
  public record Outcome(URI runDir, TrainingState state) {}

  /** Runs (or resumes) the configured job on the given session. */
  public static Outcome run(TrainConfig config, SparkSession spark) throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = sc.hadoopConfiguration();
    boolean resume = !config.output().resume().isEmpty();
    String runId = resume ? null : newRunId(config);
    URI runDir =
        InputFiles.qualify(
                resume
                    ? config.output().resume()
                    : config.output().out().isEmpty() ? "runs/" + runId : config.output().out(),
                hadoop)
            .toUri();
    LOG.info("config: {}", config.settings().asMap());

    DataLoader loader = new DataLoader(sc, config);
    List<InputFile> trainFiles = loader.scan(config.data().trainUris());
    List<InputFile> testFiles = loader.scan(config.data().testUris());
    int features = loader.features(trainFiles, testFiles);

    RunStore store = resume ? RunStore.open(runDir, hadoop) : RunStore.create(runDir, hadoop);
    IngestedData train = null;
    IngestedData test = null;
    SparkBackend backend = null;
    try {
      boolean cnn = config.model().spec().startsWith("cnn");
      int probeFeatures = features > 0 ? features : 1;
      boolean sparse = !cnn && isSparse(trainFiles, probeFeatures);
      int blockRows = blockRows(config, features > 0 ? features : 784);
      train =
          loader.load(trainFiles, config.data().trainUris(), features, sparse, blockRows, false);
      features = train.features();
      if (!config.data().testUris().isEmpty()) {
        test = loader.load(testFiles, config.data().testUris(), features, sparse, blockRows, true);
      }
      Network network = LocalTrainer.buildNetwork(config, features);
      String blas = blasImplementations(sc, train);
      TrainingState start;
      if (resume) {
        start = resumeState(store);
        LOG.info("resuming {} at step {}", runDir, start.step());
      } else {
        store.writeManifest(
            manifest(config, runId, network, train, test, loader.partitions(), spark, blas));
        start = TrainingLoop.initialState(config, LocalTrainer.initialTheta(config, network));
      }
      ModelKey key = ModelKey.of(config, network, train.rows());
      MarginSnapshots snapshots = new MarginSnapshots(spark, train.blocks(), key, store.uri());
      backend =
          new SparkBackend(
              sc,
              train.blocks(),
              test == null ? null : test.blocks(),
              train.rows(),
              key,
              config.cluster().treeDepth(),
              thetaShipping(config, network),
              snapshots);
      LOG.info("backend: {}", backend.describe());
      RunDirectoryRecorder recorder =
          new RunDirectoryRecorder(store, key.sampler(), key.samplerSeed());
      TrainingState end = new TrainingLoop(config, network, backend, recorder).run(start);
      return new Outcome(store.uri(), end);
    } catch (RuntimeException | Error e) {
      try {
        store.flushMetrics();
        RunDirectoryRecorder.writeStatus(store, "failed", String.valueOf(e.getMessage()), -1);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      if (backend != null) {
        backend.release();
      }
      if (train != null) {
        train.blocks().unpersist(false);
      }
      if (test != null) {
        test.blocks().unpersist(false);
      }
      store.close();
    }
  }

  static TrainingState resumeState(RunStore store) throws IOException {
    Checkpoint c =
        store
            .readLatestCheckpoint()
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
  static boolean isSparse(List<InputFile> files, int features) {
    long rows = 0;
    long nnz = 0;
    for (InputFile f : files) {
      rows += f.rows();
      nnz += f.nonZeros();
    }
    return rows > 0 && nnz < 0.3 * rows * (double) features;
  }

  /** The default block size: rows per cached block unless the model needs fewer. */
  static final int DEFAULT_BLOCK_ROWS = 1024;

  /**
   * Rows per cached block: {@code --block-rows} when given, else chosen from the model — {@link
   * #DEFAULT_BLOCK_ROWS}, or fewer when one block's workspace would exceed about 64 MB ({@link
   * Network#suggestedBlockRows()}: a few dozen rows for MNIST-size CNNs).
   */
  static int blockRows(TrainConfig config, int features) {
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

  static String newRunId(TrainConfig config) {
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
      String blas) {
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
   * The BLAS implementation of the driver and of every executor holding training blocks. Results
   * are bit-reproducible only when they agree, so a mismatch is logged as a warning and recorded
   * ("driver=X; executors=Y").
   */
  static String blasImplementations(JavaSparkContext sc, IngestedData train) {
    String driver = BlasInfo.implementation();
    sc.setJobDescription("marginflow: BLAS implementation of the executors");
    List<String> executors =
        train
            .blocks()
            .mapPartitions(
                it -> java.util.Collections.singletonList(BlasInfo.implementation()).iterator())
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

package io.marginflow.bench.suite;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.Network;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.TrainingBackend;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.spark.job.DataLoader;
import io.marginflow.spark.job.IngestedData;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.ModelKey;
import io.marginflow.spark.job.SparkBackend;
import io.marginflow.spark.job.StepPathChooser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * marginflow's training job with its data ingested and cached once, so that repetitions time only
 * the loop: the same steps as {@code TrainJob.run} (DataLoader → SparkBackend → TrainingLoop) minus
 * the run directory. Each {@link #run()} starts from step 0 and returns the per-step driver times
 * ({@code wall_ms}: batchSum + update) and the time spent inside {@code batchSum}.
 */
public final class PreparedRun implements AutoCloseable {

  /** Per-step times of one run, in ms: the step rows' wall_ms and the batchSum part of them. */
  public record Times(double[] wallMs, double[] batchSumMs) {}

  private final TrainConfig config;
  private final IngestedData train;
  private final Network network;
  private final SparkBackend backend;
  private final StepPathChooser.Choice choice;

  /**
   * The train flags of the scale benchmarks ({@code ScaleRun}, {@code EvalComparison}): the data as
   * given, model {@code mlp:p-32-1}, n_b = 100, no periodic evaluations, then {@code extra}.
   */
  public static String[] scaleFlags(
      String data, int features, String master, int partitions, long steps, List<String> extra) {
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
                String.valueOf(steps),
                "--eval-every",
                "0",
                "--partitions",
                String.valueOf(partitions),
                "--master",
                master));
    flags.addAll(extra);
    return flags.toArray(String[]::new);
  }

  /** Ingests and caches the data of the run given by CLI flags (as {@code marginflow train}). */
  public PreparedRun(SparkSession spark, String... flags) throws IOException {
    this(spark, SparkBackend.StepPath.AUTO, flags);
  }

  /** As above, with the step path forced (for A/B measurements of the two). */
  public PreparedRun(SparkSession spark, SparkBackend.StepPath path, String... flags)
      throws IOException {
    this.config = TrainConfig.from(ConfigLoader.parse(flags).settings());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    DataLoader loader = new DataLoader(sc, config);
    List<InputFile> files = loader.scan(config.data().trainUris());
    int features = loader.features(files, List.of());
    boolean sparse = isSparse(files, Math.max(1, features));
    int blockRows = config.cluster().blockRows() > 0 ? config.cluster().blockRows() : 1024;
    this.train = loader.load(files, config.data().trainUris(), features, sparse, blockRows, false);
    this.network = LocalTrainer.buildNetwork(config, train.features());
    ModelKey key = ModelKey.of(config, network, train.rows());
    String ship = config.cluster().thetaShipping();
    SparkBackend.ThetaShipping shipping =
        ship.equals("broadcast") || (ship.equals("auto") && network.parameterCount() > 1 << 16)
            ? SparkBackend.ThetaShipping.BROADCAST
            : SparkBackend.ThetaShipping.CLOSURE;
    this.backend =
        new SparkBackend(
            sc,
            train.blocks(),
            null,
            train.rows(),
            key,
            config.cluster().treeDepth(),
            shipping,
            null,
            path);
    // As TrainJob: the configured step path (auto: measured at θ₀, step 0).
    this.choice =
        StepPathChooser.choose(
            backend,
            config.cluster().stepPath(),
            config.cluster().prefetchBytes(),
            0,
            LocalTrainer.initialTheta(config, network),
            true);
  }

  /** The step path chosen for this run (rows or job) and why. */
  public StepPathChooser.Choice choice() {
    return choice;
  }

  /** The step path the backend uses. */
  public SparkBackend.StepPath stepPath() {
    return backend.stepPath();
  }

  /** Rows of the cached training data. */
  public long rows() {
    return train.rows();
  }

  /** The ingested data (cached bytes, features, sparsity). */
  public IngestedData data() {
    return train;
  }

  /** The backend over the cached blocks. */
  public SparkBackend backend() {
    return backend;
  }

  /** The resolved network. */
  public Network network() {
    return network;
  }

  /** Seconds of each of {@code repeats} full-data evaluations at θ₀ (as the loop's evaluation). */
  public double[] evaluationSeconds(int repeats) {
    double[] theta = LocalTrainer.initialTheta(config, network);
    double normPowL = Math.pow(io.marginflow.common.train.Norms.l2(theta), network.degree());
    double[] out = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long t0 = System.nanoTime();
      backend.evaluate(false, theta, normPowL, null, Double.NaN);
      out[r] = (System.nanoTime() - t0) / 1e9;
    }
    return out;
  }

  /** One run of the configured steps from step 0. */
  public Times run() {
    InMemoryRecorder rec = new InMemoryRecorder();
    TimedBackend timed = new TimedBackend(backend, (int) config.optimizer().steps());
    new TrainingLoop(config, network, timed, rec)
        .run(TrainingLoop.initialState(config, LocalTrainer.initialTheta(config, network)));
    double[] wall = rec.steps().stream().mapToDouble(StepRow::wallMs).toArray();
    return new Times(wall, timed.times(wall.length));
  }

  @Override
  public void close() {
    backend.release();
    train.blocks().unpersist(true);
  }

  static boolean isSparse(List<InputFile> files, int features) {
    long rows = 0;
    long nnz = 0;
    for (InputFile f : files) {
      rows += f.rows();
      nnz += f.nonZeros();
    }
    return rows > 0 && nnz < 0.3 * rows * (double) features;
  }

  /** Times {@code batchSum} calls of a backend (everything else is passed through). */
  private static final class TimedBackend implements TrainingBackend {
    private final TrainingBackend inner;
    private final double[] ms;
    private int n;

    TimedBackend(TrainingBackend inner, int steps) {
      this.inner = inner;
      this.ms = new double[Math.max(1, steps)];
    }

    double[] times(int count) {
      return java.util.Arrays.copyOf(ms, Math.min(count, n));
    }

    @Override
    public long trainRows() {
      return inner.trainRows();
    }

    @Override
    public BatchGradient batchSum(long step, double[] theta) {
      long t0 = System.nanoTime();
      BatchGradient g = inner.batchSum(step, theta);
      if (n < ms.length) {
        ms[n++] = (System.nanoTime() - t0) / 1e6;
      }
      return g;
    }

    @Override
    public EvaluationPass evaluate(
        boolean onTest,
        double[] theta,
        double normPowL,
        double[] previousTheta,
        double previousNormPowL) {
      return inner.evaluate(onTest, theta, normPowL, previousTheta, previousNormPowL);
    }

    @Override
    public boolean hasTest() {
      return inner.hasTest();
    }

    @Override
    public double logSumLoss(double[] theta) {
      return inner.logSumLoss(theta);
    }

    @Override
    public void snapshotMargins(
        long step, double[] theta, double normPowL, double logSumNegDerivative) {
      inner.snapshotMargins(step, theta, normPowL, logSumNegDerivative);
    }

    @Override
    public io.marginflow.common.net.LayerNormsHandoff layerNormsHandoff() {
      return inner.layerNormsHandoff();
    }

    @Override
    public io.marginflow.common.train.PassThreads updateThreads() {
      return inner.updateThreads();
    }

    @Override
    public String describe() {
      return inner.describe();
    }
  }
}

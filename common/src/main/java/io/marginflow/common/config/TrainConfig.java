package io.marginflow.common.config;

import static io.marginflow.common.config.ConfigKey.*;

import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Precision;
import io.marginflow.common.sample.SamplerConfig;
import io.marginflow.common.step.LossBasedStep;
import io.marginflow.common.step.StepRuleConfig;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The fully resolved, validated configuration of one training run, shared by {@code LocalTrainer}
 * and the Spark job. Built from {@link Settings} (defaults ← config file ← flags); every error
 * names the key. {@link #settings()} gives back the text form, which round-trips.
 *
 * @param data where the rows come from
 * @param model the network and its initialization
 * @param optimizer the algorithm of science.md §3
 * @param output what is recorded and when
 * @param cluster where it runs
 * @param settings the text form of all the above
 */
public record TrainConfig(
    DataSettings data,
    ModelSettings model,
    OptimizerSettings optimizer,
    OutputSettings output,
    ClusterSettings cluster,
    Settings settings) {

  private static final Set<String> FORMATS = Set.of("libsvm", "csv", "idx", "parquet");

  /** γ when --step is not given (constant and vanishing schedules). */
  public static final double DEFAULT_STEP = 1.0;

  /** Where the rows come from. Empty {@code trainUris}: the teacher–student generator. */
  public record DataSettings(
      List<String> trainUris,
      List<String> testUris,
      String format,
      int features,
      String labels,
      List<String> idxLabelUris,
      int csvLabelColumn,
      boolean csvHeader,
      long generatorRows,
      int generatorFeatures,
      int generatorWidth,
      double generatorMargin,
      String labelColumn,
      List<String> featureColumns,
      boolean floatStorage) {

    /** True when no data were given and the generator is used. */
    public boolean generated() {
      return trainUris.isEmpty();
    }

    /** The feature count the model must take: declared, or the generator's. */
    public int declaredFeatures() {
      return generated() ? generatorFeatures : features;
    }
  }

  /** The network spec (resolved), σ'(0), the initialization and the step's arithmetic. */
  public record ModelSettings(
      String spec, double reluDerivativeAtZero, String init, Precision precision) {}

  /** Loss, sampler, step rule, number of steps and the seed. */
  public record OptimizerSettings(
      Loss loss, SamplerConfig sampler, StepRuleConfig schedule, long steps, long seed) {}

  /** Evaluation, snapshot, checkpoint and logging schedule, the run directory, stop criteria. */
  public record OutputSettings(
      long evalEvery,
      boolean logSpacedEvals,
      List<Long> snapshotMarginsAt,
      long checkpointEvery,
      long logStepsEvery,
      String out,
      String resume,
      double targetLogLoss,
      double maxWallMinutes) {}

  /** Spark master, partitioning and aggregation. */
  public record ClusterSettings(
      String master,
      int partitions,
      int blockRows,
      int treeDepth,
      String thetaShipping,
      String stepPath,
      long prefetchBytes) {}

  /** Validates and types the given settings. */
  public static TrainConfig from(Settings s) {
    String format = s.text(FORMAT).toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw s.bad(FORMAT, "one of libsvm|csv|idx|parquet");
    }
    DataSettings data =
        new DataSettings(
            s.list(DATA),
            s.list(TEST_DATA),
            format,
            s.integer(FEATURES, 0),
            s.text(LABELS),
            s.list(IDX_LABELS),
            s.integer(CSV_LABEL_COLUMN, -1),
            s.bool(CSV_HEADER),
            s.longValue(GENERATOR_ROWS, 1),
            s.integer(GENERATOR_FEATURES, 1),
            s.integer(GENERATOR_WIDTH, 1),
            s.real(GENERATOR_MARGIN),
            s.text(LABEL_COLUMN),
            s.list(FEATURE_COLUMNS),
            featureStorage(s));
    if (data.generatorMargin() < 0) {
      throw s.bad(GENERATOR_MARGIN, "a number ≥ 0");
    }
    if (format.equals("idx") && !data.generated()) {
      if (data.labels().isEmpty()) {
        throw s.bad(LABELS, "a digit mapping such as 0vs1 or odd-even for --format idx");
      }
      if (data.idxLabelUris().isEmpty()) {
        throw s.bad(IDX_LABELS, "the IDX label file(s) for --format idx");
      }
    }
    if (!data.generated() && data.features() == 0 && format.equals("libsvm")) {
      // Allowed: the reader infers the largest index. Declaring it is recommended (a9a.t lacks
      // 123).
    }

    double e = s.real(RELU_DERIVATIVE_AT_ZERO);
    if (e < 0 || e > 1) {
      throw s.bad(RELU_DERIVATIVE_AT_ZERO, "a number in [0, 1]");
    }
    String init = s.text(INIT);
    if (init.isEmpty()) {
      throw s.bad(INIT, "he | zeros | a file path");
    }
    Precision precision;
    try {
      precision = Precision.parse(s.text(PRECISION));
    } catch (IllegalArgumentException ex) {
      throw s.bad(PRECISION, "double | single");
    }
    ModelSettings model = new ModelSettings(s.text(MODEL), e, init, precision);
    s = s.with(PRECISION, precision.key()); // canonical text in manifests and on resume

    Loss loss;
    try {
      loss = Loss.parse(s.text(LOSS));
    } catch (IllegalArgumentException ex) {
      throw s.bad(LOSS, "one of exp|logistic");
    }
    SamplerConfig sampler;
    try {
      sampler = SamplerConfig.parse(s.text(SAMPLER), s.integer(BATCH, 1));
    } catch (ConfigException ex) {
      throw ex;
    } catch (IllegalArgumentException ex) {
      throw new ConfigException(
          SAMPLER, SAMPLER.key() + "/" + BATCH.key() + ": " + ex.getMessage());
    }
    boolean lossBasedSchedule =
        s.text(SCHEDULE).trim().toLowerCase(Locale.ROOT).startsWith("loss-based");
    double gamma;
    if (s.text(STEP).isEmpty()) {
      gamma = lossBasedSchedule ? Double.NaN : DEFAULT_STEP; // NaN: the rule's own default α₀
    } else {
      gamma = s.real(STEP);
      if (!(gamma > 0) || Double.isInfinite(gamma)) {
        throw s.bad(STEP, "a finite number > 0");
      }
    }
    StepRuleConfig schedule;
    try {
      schedule = StepRuleConfig.parse(s.text(SCHEDULE), gamma);
    } catch (IllegalArgumentException ex) {
      throw new ConfigException(SCHEDULE, SCHEDULE.key() + ": " + ex.getMessage());
    }
    schedule = withLossBasedLimits(s, schedule);
    OptimizerSettings optimizer =
        new OptimizerSettings(
            loss, sampler, schedule, s.longValue(STEPS, 0), s.longValue(SEED, Long.MIN_VALUE));

    double maxWall = s.real(MAX_WALL);
    if (maxWall < 0) {
      throw s.bad(MAX_WALL, "minutes ≥ 0");
    }
    OutputSettings output =
        new OutputSettings(
            s.longValue(EVAL_EVERY, 0),
            s.bool(LOG_SPACED_EVALS),
            s.longList(SNAPSHOT_MARGINS_AT),
            s.longValue(CHECKPOINT_EVERY, 0),
            s.longValue(LOG_STEPS_EVERY, 1),
            s.text(OUT),
            s.text(RESUME),
            s.real(TARGET_LOG_LOSS),
            maxWall);

    String master = s.text(MASTER);
    if (master.isEmpty()) {
      throw s.bad(MASTER, "a Spark master URL such as local[*], spark://host:7077 or yarn");
    }
    String shipping = s.text(THETA_SHIPPING).toLowerCase(Locale.ROOT);
    if (!Set.of("auto", "closure", "broadcast").contains(shipping)) {
      throw s.bad(THETA_SHIPPING, "one of auto|closure|broadcast");
    }
    String stepPath = s.text(STEP_PATH).toLowerCase(Locale.ROOT);
    if (!Set.of("auto", "rows", "job").contains(stepPath)) {
      throw s.bad(STEP_PATH, "one of auto|rows|job");
    }
    ClusterSettings cluster =
        new ClusterSettings(
            master,
            s.integer(PARTITIONS, 0),
            s.integer(BLOCK_ROWS, 0),
            s.integer(TREE_DEPTH, 1),
            shipping,
            stepPath,
            s.bytes(PREFETCH_BYTES, 1));
    return new TrainConfig(data, model, optimizer, output, cluster, s);
  }

  /** Applies {@code abort-batch-loss} and {@code min-alpha}, which only the loss-based rule has. */
  private static StepRuleConfig withLossBasedLimits(Settings s, StepRuleConfig schedule) {
    double abort = s.real(ABORT_BATCH_LOSS);
    if (!(abort > 0)) {
      throw s.bad(ABORT_BATCH_LOSS, "a batch loss > 0 (Infinity: never abort)");
    }
    double minAlpha = s.real(MIN_ALPHA);
    if (!(minAlpha >= 0) || Double.isInfinite(minAlpha)) {
      throw s.bad(MIN_ALPHA, "a finite α ≥ 0 (0: never stop)");
    }
    if (schedule instanceof LossBasedStep lb) {
      return lb.withLimits(abort, minAlpha);
    }
    ConfigKey set =
        abort != Double.POSITIVE_INFINITY ? ABORT_BATCH_LOSS : minAlpha != 0 ? MIN_ALPHA : null;
    if (set != null) {
      throw new ConfigException(
          set,
          set.key()
              + ": only the loss-based schedule has epochs to abort and an α to stop at, but"
              + " schedule is "
              + schedule.describe());
    }
    return schedule;
  }

  private static boolean featureStorage(Settings s) {
    String storage = s.text(FEATURE_STORAGE).toLowerCase(Locale.ROOT);
    if (!Set.of("double", "float").contains(storage)) {
      throw s.bad(FEATURE_STORAGE, "one of double|float");
    }
    if (s.text(LABEL_COLUMN).isBlank()) {
      throw s.bad(LABEL_COLUMN, "a column name");
    }
    return storage.equals("float");
  }

  /** The teacher–student generator of this run (seed derived from the run seed for "generator"). */
  public io.marginflow.common.io.TeacherStudentConfig generatorConfig() {
    return new io.marginflow.common.io.TeacherStudentConfig(
        io.marginflow.common.train.Seeds.derive(optimizer.seed(), "generator"),
        data.generatorRows(),
        data.generatorFeatures(),
        data.generatorWidth(),
        data.generatorMargin());
  }

  /** The model spec, or the default {@code mlp:<features>-32-1} when none was given. */
  public String modelSpecFor(int features) {
    return model.spec().isEmpty() ? "mlp:" + features + "-32-1" : model.spec();
  }
}

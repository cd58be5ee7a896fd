package io.marginflow.common.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every setting of a training run: its name (the same as a command-line flag without {@code --} and
 * as a config-file key), its default and its help text. {@link TrainConfig} gives them types and
 * validates them.
 */
public enum ConfigKey {
  DATA(
      "data",
      "",
      "Training data URIs (file:, hdfs:// or a plain path; repeatable or comma list). "
          + "Empty: the seeded teacher–student generator."),
  TEST_DATA("test-data", "", "Test data URIs (same rules as --data)."),
  FORMAT(
      "format",
      "libsvm",
      "Input format: libsvm | csv | idx (MNIST images; labels file via --idx-labels) | parquet"
          + " (Spark ML's label + features vector, or numeric columns; part files in name order)."),
  FEATURES(
      "features", "0", "Declared feature count (0: the largest index seen / the column count)."),
  LABELS("labels", "", "Digit→±1 mapping for IDX data, e.g. 0vs1, 3,5vs8 or odd-even."),
  IDX_LABELS(
      "idx-labels",
      "",
      "IDX label files matching --data (and --test-data after a comma: train,test)."),
  CSV_LABEL_COLUMN("csv-label-column", "-1", "CSV: 0-based label column, -1 for the last."),
  CSV_HEADER("csv-header", "false", "CSV: skip the first line."),
  LABEL_COLUMN("label-column", "label", "Parquet: the numeric label column (±1 or 0/1)."),
  FEATURE_COLUMNS(
      "feature-columns",
      "",
      "Parquet: numeric feature columns, in order (empty: a vector column if there is one, else"
          + " all other numeric columns)."),
  FEATURE_STORAGE(
      "feature-storage",
      "double",
      "Cached feature values: double | float (half the bytes; arithmetic stays double, and a run"
          + " equals a double run on the float-rounded data bit for bit)."),
  GENERATOR_ROWS("generator-rows", "2000", "Generated data: number of rows."),
  GENERATOR_FEATURES("generator-features", "20", "Generated data: input dimension."),
  GENERATOR_WIDTH("generator-width", "8", "Generated data: hidden width of the ReLU teacher."),
  GENERATOR_MARGIN(
      "generator-margin",
      "0.1",
      "Generated data: keep points whose teacher margin exceeds this δ."),
  MODEL(
      "model",
      "",
      "Network spec, e.g. mlp:784-256-256-1 or cnn:1x28x28-conv32k5-maxpool2-dense1 "
          + "(options /act=relu|leaky:A|identity, /bias=first). Empty: mlp:<features>-32-1."),
  RELU_DERIVATIVE_AT_ZERO("relu-derivative-at-zero", "0", "The fixed subgradient σ'(0) ∈ [0,1]."),
  PRECISION(
      "precision",
      "double",
      "Arithmetic of the training step: double | single (MLPs and CNNs: float kernels on "
          + "layer-normalized weights, about 2x the arithmetic rate, within 1e-5 of double per "
          + "step, not bit-equal; evaluations and the update stay double)."),
  INIT("init", "he", "Initialization: he | zeros (L = 1 only) | FILE (one value per line)."),
  LOSS("loss", "logistic", "Loss: exp | logistic."),
  SAMPLER(
      "sampler",
      "iid",
      "Batch sampler: iid (the paper) | reshuffle (epoch permutations) | full (GD)."),
  BATCH("batch", "100", "Batch size n_b (ignored by --sampler full)."),
  STEP(
      "step",
      "",
      "Step size γ, or α₀ for --schedule loss-based. Empty: 1, or α₀ = 0.1 (Lyu–Li) for loss-based."),
  SCHEDULE(
      "schedule",
      "constant",
      "Step rule: constant | vanishing:P (γ/(k+1)^P) | loss-based (Lyu–Li)."),
  ABORT_BATCH_LOSS(
      "abort-batch-loss",
      "Infinity",
      "Loss-based only: abort and roll back the epoch (α ÷ 2^{1/10}) as soon as a batch loss"
          + " (1/n_b) Σ ℓ(p_i) exceeds this (Lyu–Li: 600). Infinity: never."),
  MIN_ALPHA(
      "min-alpha",
      "0",
      "Loss-based only: stop the run (reason min-alpha) once α falls below this (Lyu–Li:"
          + " 1e-50). 0: never."),
  STEPS("steps", "2000", "Total number of SGD steps."),
  EVAL_EVERY(
      "eval-every", "100", "Full-data evaluation every K steps (0: only log-spaced and final)."),
  LOG_SPACED_EVALS(
      "log-spaced-evals", "true", "Also evaluate at log-spaced steps (10 per decade)."),
  SNAPSHOT_MARGINS_AT(
      "snapshot-margins-at", "", "Steps at which to write per-sample margin snapshots."),
  CHECKPOINT_EVERY("checkpoint-every", "1000", "Checkpoint every K steps (0: only at the end)."),
  LOG_STEPS_EVERY(
      "log-steps-every", "1", "Write every K-th per-step metric row (thinning for long runs)."),
  SEED("seed", "42", "The run seed; every random choice derives from it."),
  PARTITIONS("partitions", "0", "Number of data partitions (0: Spark's default parallelism)."),
  BLOCK_ROWS(
      "block-rows",
      "0",
      "Rows per cached block (0: chosen from the model: 1024, or fewer when a block's workspace"
          + " would exceed about 64 MB, e.g. a few dozen rows for MNIST-size CNNs)."),
  TREE_DEPTH("tree-depth", "2", "treeAggregate depth for the per-step sums."),
  THETA_SHIPPING(
      "theta-shipping",
      "auto",
      "How θ reaches the executors each step: closure | broadcast | auto "
          + "(closure up to 65,536 parameters)."),
  STEP_PATH(
      "step-path",
      "auto",
      "How minibatch steps run: rows (one Spark job per window of steps fetches the sampled rows,"
          + " the driver computes each step) | job (one Spark job per step) | auto (measured at the"
          + " start; full batch always job). Same bits either way."),
  PREFETCH_BYTES(
      "prefetch-bytes",
      "64m",
      "Rows path: most bytes of sampled rows per prefetched window (k, m, g suffixes; two windows"
          + " are held on the driver; on a cluster at most 1 MiB per partition)."),
  MASTER("master", "local[*]", "Spark master URL."),
  OUT("out", "", "Run directory URI (default runs/<run-id> under the working directory)."),
  RESUME("resume", "", "Resume the run in this directory from its LATEST checkpoint."),
  TARGET_LOG_LOSS(
      "target-log-loss", "-Infinity", "Stop once the full-data log loss falls below this."),
  MAX_WALL("max-wall", "0", "Stop (with a checkpoint) after this many minutes (0: no limit).");

  private final String key;
  private final String defaultValue;
  private final String help;

  ConfigKey(String key, String defaultValue, String help) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.help = help;
  }

  /** The flag / config-file name. */
  public String key() {
    return key;
  }

  /** The default as text (empty means "not set"). */
  public String defaultValue() {
    return defaultValue;
  }

  /** One line of help. */
  public String help() {
    return help;
  }

  /** The key with this name, if any (case-insensitive; '_' accepted for '-'). */
  public static Optional<ConfigKey> byName(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    return Arrays.stream(values()).filter(k -> k.key.equals(n)).findFirst();
  }

  /**
   * The key a misspelt name most likely meant: the closest by edit distance (insertions, deletions,
   * substitutions and swaps of neighbours each count 1), if it is within 2 edits and less than half
   * the name's length.
   */
  public static Optional<ConfigKey> nearest(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    ConfigKey best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (ConfigKey k : values()) {
      int d = editDistance(n, k.key);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= 2 && 2 * bestDistance < Math.max(n.length(), 1)
        ? Optional.of(best)
        : Optional.empty();
  }

  /** " (did you mean --key?)" for a misspelt flag, or "" when nothing is close. */
  public static String suggestion(String name, String prefix) {
    return nearest(name).map(k -> " (did you mean " + prefix + k.key + "?)").orElse("");
  }

  /** Optimal string alignment distance (Damerau–Levenshtein without repeated edits). */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, d[i - 2][j - 2] + 1);
        }
        d[i][j] = v;
      }
    }
    return d[a.length()][b.length()];
  }

  /** All key names, comma separated (for error messages). */
  public static String allNames() {
    return String.join(", ", Arrays.stream(values()).map(ConfigKey::key).toList());
  }
}

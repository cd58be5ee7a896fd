package io.marginflow.spark.job;

/**
 * The one place where a run's {@link SparkBackend.StepPath} is chosen and explained: {@link
 * SparkBackend} resolves {@code AUTO} here, and {@code marginflow check} / {@code train --dry-run}
 * report the same choice before anything runs. A new step path adds its rule and its reason here.
 */
public final class StepPathChoice {

  private StepPathChoice() {}

  /** The path {@code AUTO} resolves to for {@code partitions} and a tree of {@code treeDepth}. */
  public static SparkBackend.StepPath choose(int partitions, int treeDepth) {
    return SparkBackend.flatMerge(partitions, treeDepth)
        ? SparkBackend.StepPath.CACHED_JOB
        : SparkBackend.StepPath.TREE_AGGREGATE;
  }

  /**
   * What a run with {@code step-path} = {@code setting} will do, for the plan printed by {@code
   * marginflow check}: the rows path ({@link StepPathChooser}: one Spark job per window of steps
   * brings the sampled rows, the driver computes the steps), the per-step job path below, or — for
   * {@code auto} — either, chosen at start from a measured cost model (full batches always take the
   * per-step path).
   */
  public static String describe(String setting, boolean fullBatch, int partitions, int treeDepth) {
    String job = describe(partitions, treeDepth);
    return switch (setting) {
      case "rows" -> "rows (configured: prefetched windows of sampled rows, steps on the driver)";
      case "job" -> "job, " + job;
      default ->
          fullBatch
              ? "job (auto: a full batch reads every row each step), " + job
              : "auto: rows or job, chosen at start from a measured cost model (per-step job"
                  + " time, rows' bytes and fetch time, driver sum time); the job path would be "
                  + job;
    };
  }

  /** The per-step job path with the reason. */
  public static String describe(int partitions, int treeDepth) {
    SparkBackend.StepPath path = choose(partitions, treeDepth);
    String why =
        path == SparkBackend.StepPath.CACHED_JOB
            ? partitions
                + " partitions would be merged on the driver by a depth-"
                + treeDepth
                + " tree anyway: one cached step job, sums merged in partition order"
            : partitions
                + " partitions: a depth-"
                + treeDepth
                + " treeAggregate per step merges on the executors";
    return path.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " (" + why + ")";
  }
}

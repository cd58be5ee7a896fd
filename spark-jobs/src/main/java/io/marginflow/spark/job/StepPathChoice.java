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

  /** The chosen path with the reason, e.g. for the plan printed by {@code marginflow check}. */
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

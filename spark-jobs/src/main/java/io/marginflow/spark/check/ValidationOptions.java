package io.marginflow.spark.check;

/**
 * How a validation runs.
 *
 * @param trustData on resume, accept data files whose size and modification time match the manifest
 *     without reading them again (no scan, no content hash); otherwise every file is scanned and
 *     its SHA-256 compared
 * @param defaultParallelism Spark's default parallelism, used when {@code --partitions} is 0; 0
 *     derives it from a {@code local[N]} master (the number of cores for {@code local[*]})
 */
public record ValidationOptions(boolean trustData, int defaultParallelism) {

  /** Scan and hash everything; parallelism from the master. */
  public static final ValidationOptions DEFAULTS = new ValidationOptions(false, 0);

  /** Validates the fields. */
  public ValidationOptions {
    if (defaultParallelism < 0) {
      throw new IllegalArgumentException(
          "defaultParallelism: expected ≥ 0, got " + defaultParallelism);
    }
  }
}

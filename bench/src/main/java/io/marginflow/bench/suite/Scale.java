package io.marginflow.bench.suite;

import java.util.List;

/**
 * Sizes of a suite run: {@link #FULL} for the measurements in BENCHMARKS.md, {@link #SMOKE} for the
 * seconds-long CI check that every benchmark still runs.
 *
 * @param name label
 * @param reps A/B alternations per comparison
 * @param warmUp whether each side runs once untimed first
 * @param linearSteps marginflow steps and MLlib iterations, comparison 1 (200: Spark's own driver
 *     code is still being JIT-compiled during the first hundreds of jobs of a JVM, on both sides;
 *     runs of 10⁴–10⁶ steps live in the steady state)
 * @param sgdSteps marginflow steps, comparison 2
 * @param sgdIterations MLlib iterations, comparison 2
 * @param replicaFactors ijcnn1 replication factors, comparison 2
 * @param rowLimit rows of each source file used (Integer.MAX_VALUE: all)
 * @param mlpSteps marginflow steps and MLlib iterations, comparison 3 (30, for the same reason)
 * @param tinySteps steps of the fixed-cost run, comparison 4
 * @param pairedReps repetitions of the interleaved kernel comparison, comparison 5
 * @param scalingFactor ijcnn1 replication of comparisons 6 and 7
 * @param scalingPartitions partition counts, comparison 7
 * @param scalingSteps full-batch steps per partition count, comparison 7
 */
public record Scale(
    String name,
    int reps,
    boolean warmUp,
    int linearSteps,
    int sgdSteps,
    int sgdIterations,
    List<Integer> replicaFactors,
    int rowLimit,
    int mlpSteps,
    int tinySteps,
    int pairedReps,
    int scalingFactor,
    List<Integer> scalingPartitions,
    int scalingSteps) {

  /** The measurement sizes. */
  public static final Scale FULL =
      new Scale(
          "full",
          3,
          true,
          200,
          200,
          15,
          List.of(1, 4, 16),
          Integer.MAX_VALUE,
          30,
          300,
          200,
          16,
          List.of(1, 2, 4, 8),
          10);

  /** The CI sizes: every code path, a few steps, small data. */
  public static final Scale SMOKE =
      new Scale("smoke", 1, false, 3, 5, 2, List.of(1, 2), 500, 2, 5, 3, 2, List.of(1, 2), 2);

  /** Validates the sizes. */
  public Scale {
    if (reps < 1 || linearSteps < 2 || sgdIterations < 2 || mlpSteps < 2 || tinySteps < 1) {
      throw new IllegalArgumentException(
          "scale: reps ≥ 1 and iteration counts ≥ 2 are required, got " + this);
    }
  }

  /** FULL or SMOKE by name. */
  public static Scale parse(String s) {
    return switch (s) {
      case "full" -> FULL;
      case "smoke" -> SMOKE;
      default -> throw new IllegalArgumentException("--scale: expected full or smoke, got " + s);
    };
  }
}

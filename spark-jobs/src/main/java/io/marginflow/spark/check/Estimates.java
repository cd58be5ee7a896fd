package io.marginflow.spark.check;

import io.marginflow.common.train.EvalSchedule;
import io.marginflow.spark.job.RangeIndexPartitioner;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The numbers a plan states before anything runs: bytes of the cached blocks (the same formulas as
 * {@code DenseBlock.sizeInBytes} and {@code CsrBlock.sizeInBytes}), the driver heap the run itself
 * needs, the partition count a master gives, and how many evaluations and checkpoints the schedule
 * makes (the rules of {@code TrainingLoop}).
 */
final class Estimates {

  /**
   * θ-sized arrays the driver holds at once: θ, the merged gradient, the update, the previous
   * evaluation's θ, the epoch-start θ, a checkpoint copy and the broadcast/serialized copies.
   */
  static final int THETA_COPIES = 8;

  private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]");
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),\\s*\\d+]");

  private Estimates() {}

  /** Bytes of dense blocks: values, labels and row indices, 8 bytes each. */
  static long denseBytes(long rows, int features) {
    return rows * (8L * features + 16L);
  }

  /**
   * Bytes of CSR blocks: 12 bytes per non-zero, 16 per row (label, row index) and 4 per row pointer
   * (one more per block than rows).
   */
  static long sparseBytes(long rows, long nonZeros, int partitions, int blockRows) {
    return 12L * nonZeros + 20L * rows + 4L * blocks(rows, partitions, blockRows);
  }

  /**
   * Bytes of blocks in float storage ({@code --feature-storage float}): 4 per value (dense: every
   * feature; CSR: 8 per entry with its column), 1 per label, 4 per CSR row pointer and 8 per block
   * (its first row index).
   */
  static long floatBytes(
      long rows, long nonZeros, int features, boolean sparse, int partitions, int blockRows) {
    long blocks = blocks(rows, partitions, blockRows);
    return sparse
        ? 8L * nonZeros + 5L * rows + 12L * blocks
        : rows * (4L * features + 1L) + 8L * blocks;
  }

  /** Blocks of at most {@code blockRows} rows in each of P contiguous partitions of n rows. */
  static long blocks(long rows, int partitions, int blockRows) {
    long b = 0;
    for (int p = 0; p < partitions; p++) {
      long n =
          RangeIndexPartitioner.firstIndex(rows, partitions, p + 1)
              - RangeIndexPartitioner.firstIndex(rows, partitions, p);
      b += (n + blockRows - 1) / blockRows;
    }
    return b;
  }

  /** The driver heap the run needs beyond Spark's own: θ-sized arrays and driver-read data. */
  static long driverBytes(long parameters, long driverDataBytes) {
    return THETA_COPIES * 8L * parameters + driverDataBytes;
  }

  /** Spark's default parallelism for a local master (0 when only Spark can tell). */
  static int localParallelism(String master) {
    if (master.equals("local")) {
      return 1;
    }
    Matcher m = LOCAL.matcher(master);
    if (m.matches()) {
      return m.group(1).equals("*")
          ? Runtime.getRuntime().availableProcessors()
          : Integer.parseInt(m.group(1));
    }
    m = LOCAL_CLUSTER.matcher(master);
    if (m.matches()) {
      return Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2));
    }
    return 0;
  }

  /** Evaluations a run from {@code start} to {@code steps} makes (step 0 counts on a new run). */
  static long evaluations(long start, long steps, long every, boolean logSpaced) {
    if (steps <= start) {
      return start == 0 ? 1 : 0;
    }
    long n = start == 0 ? 1 : 0;
    n += every > 0 ? steps / every - start / every : 0;
    TreeSet<Long> extra = new TreeSet<>();
    if (logSpaced) {
      for (int j = 0; ; j++) {
        long k = Math.round(Math.pow(10, j / 10.0));
        if (k > steps) {
          break;
        }
        if (k > start && EvalSchedule.isLogSpaced(k) && (every == 0 || k % every != 0)) {
          extra.add(k);
        }
      }
    }
    if (every == 0 || steps % every != 0) {
      extra.add(steps);
    }
    return n + extra.size();
  }

  /** Checkpoints a run from {@code start} to {@code steps} writes (step 0 counts on a new run). */
  static long checkpoints(long start, long steps, long every) {
    long n = start == 0 ? 1 : 0;
    if (steps <= start) {
      return n;
    }
    n += every > 0 ? steps / every - start / every : 0;
    if (every == 0 || steps % every != 0) {
      n++;
    }
    return n;
  }
}

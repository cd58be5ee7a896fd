package io.marginflow.spark.job;

import org.apache.spark.Partitioner;

/**
 * Sends global row index i of n rows to partition ⌊i·P/n⌋: P contiguous ranges of nearly equal
 * size, a pure function of (n, P), so the same data and partition count always give the same
 * partitions.
 */
public final class RangeIndexPartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;

  private final long rows;
  private final int partitions;

  /** A partitioner of {@code rows} indices into {@code partitions} ranges. */
  public RangeIndexPartitioner(long rows, int partitions) {
    if (rows < 1 || partitions < 1) {
      throw new IllegalArgumentException(
          "need rows ≥ 1 and partitions ≥ 1, got rows=" + rows + ", partitions=" + partitions);
    }
    this.rows = rows;
    this.partitions = partitions;
  }

  @Override
  public int numPartitions() {
    return partitions;
  }

  @Override
  public int getPartition(Object key) {
    long i = (Long) key;
    // i < n ≤ 2^43 and P ≤ 2^20 keep the product exact in a long.
    return (int) Math.min(partitions - 1, i * partitions / rows);
  }

  /** First global index of partition p. */
  public long start(int p) {
    return firstIndex(rows, partitions, p);
  }

  /** First global index of partition p of n rows in P ranges: ⌈p·n/P⌉. */
  public static long firstIndex(long n, int partitions, int p) {
    return (p * n + partitions - 1) / partitions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RangeIndexPartitioner r && r.rows == rows && r.partitions == partitions;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(rows) * 31 + partitions;
  }
}

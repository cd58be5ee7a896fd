package io.marginflow.spark.job;

/**
 * How many bytes of sampled rows one partition may put into one rows-path window: its even share of
 * {@code --prefetch-bytes}, at most half of Kryo's largest buffer, and — when the executors are
 * JVMs of their own (any master but {@code local[…]}) — at most {@link #CLUSTER_PARTITION_BYTES}. A
 * partition always contributes at least one step, whatever its share.
 *
 * <p>Why the cluster bound: while a prefetch task serializes its result, the executor holds its
 * rows, their Kryo bytes and Spark's copies of the task result, about three times the rows at once.
 * With the launcher's executor options (serial collector, 32 MB young generation, 3.2 MB survivor
 * spaces) a 4 MiB share left ≈ 12 MB alive at most young collections; it was promoted, filled the
 * old generation and grew the executor's heap by ≈ 65 MB within two seconds of the first windows.
 * Measured (issue 14, session 13: 10M rows, 16 partitions, 1,144 MiB cached per executor, 2,000
 * steps): executors' peak RSS at the end of the run 1,508–1,554 MiB with 4 MiB shares, 1,447–1,483
 * MiB with 1 MiB shares, and the fetch per step 2–6× shorter (the smaller results are cheaper to
 * serialize and send). In local mode the driver is the executor and holds a window's rows anyway,
 * so only the Kryo bound applies there and windows stay long (fewer jobs per step).
 */
record WindowShare(long windowBytes, int partitions, long kryoMaxBytes, boolean local) {

  /** The most bytes of rows per partition and window when executors are JVMs of their own. */
  static final long CLUSTER_PARTITION_BYTES = 1L << 20;

  /** Checks the inputs: positive window, partitions and Kryo bound. */
  WindowShare {
    if (windowBytes < 1) {
      throw new IllegalArgumentException("prefetch-bytes: expected ≥ 1, got " + windowBytes);
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions: expected ≥ 1, got " + partitions);
    }
    if (kryoMaxBytes < 1) {
      throw new IllegalArgumentException(
          "spark.kryoserializer.buffer.max: expected ≥ 1 byte, got " + kryoMaxBytes);
    }
  }

  /** Bytes of rows per partition and window (≥ 1). */
  long perPartition() {
    long share = Math.min(windowBytes / partitions, kryoMaxBytes / 2);
    if (!local) {
      share = Math.min(share, CLUSTER_PARTITION_BYTES);
    }
    return Math.max(1, share);
  }
}

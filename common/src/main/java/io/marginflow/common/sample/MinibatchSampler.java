package io.marginflow.common.sample;

import java.util.Arrays;

/**
 * Chooses the global row indices of the minibatch B_k of step k (science.md §3 "Sampling without
 * O(n) work per step"). A batch is a pure function of (seed, step): it does not depend on how the
 * rows are partitioned, on the order in which steps are asked for, or on the machine, so every
 * Spark partition can list its own members with {@link #batchInRange} and {@code LocalTrainer} sees
 * the same batches.
 *
 * <p>Cost per call: O(n_b) for {@code iid} and {@code reshuffle} whatever n is (plus sorting the
 * members found in range); O(hi − lo) for {@code full}. Nothing of size O(n) is ever built.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public sealed interface MinibatchSampler extends java.io.Serializable
    permits IidSampler, ReshuffleSampler, FullBatchSampler {

  /**
   * The sampler for {@code config} over rows {0..datasetSize−1}.
   *
   * @throws IllegalArgumentException if datasetSize &lt; 1 or the batch size exceeds it
   */
  static MinibatchSampler create(SamplerConfig config, long datasetSize, long seed) {
    if (datasetSize < 1) {
      throw new IllegalArgumentException("datasetSize: must be ≥ 1, got " + datasetSize);
    }
    if (config.kind() != SamplerKind.FULL && config.batchSize() > datasetSize) {
      throw new IllegalArgumentException(
          "batchSize: must be ≤ datasetSize, got batchSize "
              + config.batchSize()
              + " > datasetSize "
              + datasetSize);
    }
    return switch (config.kind()) {
      case IID -> new IidSampler(datasetSize, config.batchSize(), seed);
      case RESHUFFLE -> new ReshuffleSampler(datasetSize, config.batchSize(), seed);
      case FULL -> new FullBatchSampler(datasetSize);
    };
  }

  /** Which sampler this is. */
  SamplerKind kind();

  /** n, the number of rows sampled from. */
  long datasetSize();

  /** n_b, the number of rows in every batch (n for full). */
  int batchSize();

  /**
   * Steps per epoch: ⌈n/n_b⌉ for {@code iid} (there is no real epoch; this is the "epoch" the
   * loss-based step rule counts in, about one pass worth of rows), ⌊n/n_b⌋ for {@code reshuffle}
   * (the last n mod n_b positions of each permutation are skipped), 1 for {@code full}.
   */
  long stepsPerEpoch();

  /**
   * The global indices of batch {@code step}, sorted ascending, distinct; length {@link
   * #batchSize()}.
   */
  default long[] batch(long step) {
    return batchInRange(step, 0, datasetSize());
  }

  /**
   * The members of {@code batch(step)} in [lo, hi), ascending, in a new array of exactly that
   * length. Requires 0 ≤ lo ≤ hi ≤ n.
   */
  default long[] batchInRange(long step, long lo, long hi) {
    long[] out = new long[maxInRange(lo, hi)];
    int count = batchInRange(step, lo, hi, out);
    return count == out.length ? out : Arrays.copyOf(out, count);
  }

  /**
   * Writes the members of {@code batch(step)} in [lo, hi), ascending, into {@code out[0..count)}
   * and returns count. Allocation-free. Requires 0 ≤ lo ≤ hi ≤ n, step ≥ 0 and {@code out.length ≥
   * min(batchSize(), hi − lo)} (so a buffer of length batchSize() always suffices).
   */
  int batchInRange(long step, long lo, long hi, long[] out);

  /** The largest possible number of members in [lo, hi): min(n_b, hi − lo). */
  default int maxInRange(long lo, long hi) {
    return (int) Math.min(batchSize(), Math.max(0, hi - lo));
  }
}

package io.marginflow.common.sample;

/**
 * Gradient descent: every step's batch is all n rows, so n_b = n and an "epoch" is one step. Since
 * {@link #batchSize()} is an int, n ≤ Integer.MAX_VALUE.
 */
public record FullBatchSampler(long datasetSize) implements MinibatchSampler {

  private static final long serialVersionUID = 1L;

  /** Validates 1 ≤ datasetSize ≤ Integer.MAX_VALUE. */
  public FullBatchSampler {
    if (datasetSize < 1 || datasetSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "datasetSize: must be in [1, " + Integer.MAX_VALUE + "] for full, got " + datasetSize);
    }
  }

  @Override
  public SamplerKind kind() {
    return SamplerKind.FULL;
  }

  @Override
  public int batchSize() {
    return (int) datasetSize;
  }

  @Override
  public long stepsPerEpoch() {
    return 1;
  }

  /** Writes lo, lo+1, …, hi−1: O(hi − lo). */
  @Override
  public int batchInRange(long step, long lo, long hi, long[] out) {
    SamplerChecks.checkRange(this, step, lo, hi, out);
    int count = (int) (hi - lo);
    for (int i = 0; i < count; i++) {
      out[i] = lo + i;
    }
    return count;
  }
}

package io.marginflow.common.sample;

import java.util.Arrays;

/**
 * Random reshuffling, as in Lyu–Li's code (science.md §3; offered as an option, labelled as such:
 * only {@code iid} matches the paper's noise model). Epoch e = k / B and position j = k mod B with
 * B = ⌊n/n_b⌋; batch k = {π_e(t) : t ∈ [j·n_b, (j+1)·n_b)}, sorted, where π_e is the {@link
 * FeistelPermutation} keyed by {@code mix64(mix64(seed ^ P) + (e+1)·γ)} (see {@link Mix#key}). Each
 * row appears at most once per epoch; the n mod n_b rows that π_e sends past position B·n_b are
 * skipped that epoch.
 *
 * <p>Cost per call: n_b evaluations of π_e (each fewer than 4 network passes on average), then a
 * sort of the members in range. Allocation-free.
 */
public record ReshuffleSampler(long datasetSize, int batchSize, long seed)
    implements MinibatchSampler {

  private static final long serialVersionUID = 1L;

  /** Validates 1 ≤ batchSize ≤ datasetSize ≤ 2^62. */
  public ReshuffleSampler {
    SamplerChecks.checkSizes(datasetSize, batchSize);
    if (datasetSize > FeistelPermutation.MAX_SIZE) {
      throw new IllegalArgumentException(
          "datasetSize: must be ≤ 2^62 for reshuffle, got " + datasetSize);
    }
  }

  @Override
  public SamplerKind kind() {
    return SamplerKind.RESHUFFLE;
  }

  /** ⌊n/n_b⌋ batches per permutation. */
  @Override
  public long stepsPerEpoch() {
    return datasetSize / batchSize;
  }

  /** The epoch e = k / B that step k belongs to. */
  public long epochOf(long step) {
    return step / stepsPerEpoch();
  }

  @Override
  public int batchInRange(long step, long lo, long hi, long[] out) {
    SamplerChecks.checkRange(this, step, lo, hi, out);
    if (lo == hi) {
      return 0;
    }
    long perEpoch = stepsPerEpoch();
    long epoch = step / perEpoch;
    long first = (step % perEpoch) * batchSize;
    long key = Mix.key(seed, Mix.PURPOSE_RESHUFFLE, epoch);
    int half = FeistelPermutation.halfBits(datasetSize);
    int count = 0;
    for (long t = first, end = first + batchSize; t < end; t++) {
      long row = FeistelPermutation.apply(t, datasetSize, half, key);
      if (row >= lo && row < hi) {
        out[count++] = row;
      }
    }
    Arrays.sort(out, 0, count);
    return count;
  }
}

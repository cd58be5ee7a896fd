package io.marginflow.common.sample;

/** Argument checks shared by the samplers' public entry points. */
final class SamplerChecks {

  private SamplerChecks() {}

  /** Validates the arguments of {@link MinibatchSampler#batchInRange(long, long, long, long[])}. */
  static void checkRange(MinibatchSampler s, long step, long lo, long hi, long[] out) {
    if (step < 0) {
      throw new IllegalArgumentException("step: must be ≥ 0, got " + step);
    }
    if (lo < 0 || lo > hi || hi > s.datasetSize()) {
      throw new IllegalArgumentException(
          "range: need 0 ≤ lo ≤ hi ≤ datasetSize = "
              + s.datasetSize()
              + ", got ["
              + lo
              + ", "
              + hi
              + ")");
    }
    int need = s.maxInRange(lo, hi);
    if (out.length < need) {
      throw new IllegalArgumentException(
          "out: length must be ≥ min(batchSize, hi − lo) = " + need + ", got " + out.length);
    }
  }

  /** Validates the sizes common to the samplers that draw n_b of n rows. */
  static void checkSizes(long datasetSize, int batchSize) {
    if (datasetSize < 1) {
      throw new IllegalArgumentException("datasetSize: must be ≥ 1, got " + datasetSize);
    }
    if (batchSize < 1 || batchSize > datasetSize) {
      throw new IllegalArgumentException(
          "batchSize: must be in [1, datasetSize], got batchSize "
              + batchSize
              + " with datasetSize "
              + datasetSize);
    }
  }
}

package io.marginflow.common.sample;

import java.util.Objects;

/**
 * The sampler hyper-parameters: kind and batch size n_b. For {@link SamplerKind#FULL} the batch
 * size is ignored and normalized to 0, which means "all rows"; for the other kinds it must be ≥ 1
 * (whether it is ≤ n is checked by {@link MinibatchSampler#create}, which knows n).
 */
public record SamplerConfig(SamplerKind kind, int batchSize) implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** Validates; normalizes the batch size of {@code full} to 0. */
  public SamplerConfig {
    Objects.requireNonNull(kind, "sampler: kind must be one of iid|reshuffle|full, got null");
    if (kind == SamplerKind.FULL) {
      batchSize = 0;
    } else if (batchSize < 1) {
      throw new IllegalArgumentException(
          "batchSize: must be ≥ 1 for sampler " + kind.token() + ", got " + batchSize);
    }
  }

  /** Parses the kind token ({@code iid|reshuffle|full}) and validates the batch size. */
  public static SamplerConfig parse(String kind, int batchSize) {
    return new SamplerConfig(SamplerKind.parse(kind), batchSize);
  }

  /** The full-batch (GD) configuration. */
  public static SamplerConfig full() {
    return new SamplerConfig(SamplerKind.FULL, 0);
  }
}

package io.marginflow.common.net;

/**
 * Where one weight layer W_l lives in the flat parameter vector θ: entries {@code [offset, offset +
 * length)}. For the first layer with {@code /bias=first} the block also holds the bias b₁ (stored
 * after W₁), so that ‖W₁‖ in the per-layer norms includes it.
 *
 * @param name a readable name, e.g. {@code W1:conv32k5+b}
 * @param offset first index in θ, ≥ 0
 * @param length number of entries, ≥ 1
 */
public record ParameterBlock(String name, int offset, int length) {

  /** Rejects a null name, a negative offset or a non-positive length. */
  public ParameterBlock {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("parameter block: name must be non-empty, got " + name);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("parameter block: offset must be >= 0, got " + offset);
    }
    if (length < 1) {
      throw new IllegalArgumentException("parameter block: length must be >= 1, got " + length);
    }
  }
}

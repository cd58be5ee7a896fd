package io.marginflow.common.sample;

/**
 * The 64-bit mixing used by the samplers: splitmix64 (the generator behind {@link
 * java.util.SplittableRandom}), written out so that a step's draw needs no allocation and does not
 * depend on the JDK's choice of algorithm.
 */
final class Mix {

  /** The golden-ratio increment of splitmix64 (SplittableRandom's default gamma). */
  static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  /** Purpose tags so that the iid draw and the reshuffle permutation never share a key. */
  static final long PURPOSE_IID = 0x1d8e4e27c47d124fL;

  static final long PURPOSE_RESHUFFLE = 0x5a0ce3ab9cbe1b4dL;

  private Mix() {}

  /** Stafford's variant 13 finalizer, as in SplittableRandom: a bijection on 64-bit values. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * The key of draw number {@code index} (a step or an epoch) for one purpose: {@code
   * mix64(mix64(seed ^ purpose) + (index + 1)·γ)}, i.e. output {@code index} of a splitmix64 stream
   * whose seed is itself a hash of (seed, purpose). Distinct indices give unrelated keys.
   */
  static long key(long seed, long purpose, long index) {
    return mix64(mix64(seed ^ purpose) + (index + 1) * GOLDEN_GAMMA);
  }
}

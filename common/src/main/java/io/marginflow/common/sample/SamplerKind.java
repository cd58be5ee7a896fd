package io.marginflow.common.sample;

import java.util.Locale;

/**
 * How minibatches are drawn (science.md §3): {@code iid} is the paper's noise model (a fresh
 * uniform subset each step), {@code reshuffle} is Lyu–Li's random reshuffling (a fresh permutation
 * per epoch), {@code full} is gradient descent (every row every step).
 */
public enum SamplerKind {
  /** A uniformly random subset of size n_b, independently at every step. */
  IID("iid"),
  /** A fresh pseudorandom permutation per epoch, cut into ⌊n/n_b⌋ batches. */
  RESHUFFLE("reshuffle"),
  /** All rows at every step (GD). */
  FULL("full");

  private final String token;

  SamplerKind(String token) {
    this.token = token;
  }

  /** The name used in configs and outputs. */
  public String token() {
    return token;
  }

  /** Parses {@code iid}, {@code reshuffle} or {@code full} (case-insensitive, trimmed). */
  public static SamplerKind parse(String token) {
    String t = token == null ? "" : token.trim().toLowerCase(Locale.ROOT);
    for (SamplerKind k : values()) {
      if (k.token.equals(t)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "sampler: expected one of iid|reshuffle|full, got '" + token + "'");
  }

  @Override
  public String toString() {
    return token;
  }
}

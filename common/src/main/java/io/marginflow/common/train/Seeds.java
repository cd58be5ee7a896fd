package io.marginflow.common.train;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent seeds from the one run seed, by purpose ("init", "sampler", "generator", …),
 * so that changing how one component draws never shifts another's stream.
 */
public final class Seeds {

  private Seeds() {}

  /** A seed for the given purpose: a splitmix64 mix of the run seed and the purpose's bytes. */
  public static long derive(long runSeed, String purpose) {
    long h = mix(runSeed ^ 0x9E3779B97F4A7C15L);
    for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
      h = mix(h ^ (b & 0xFF));
    }
    return h;
  }

  /** The splitmix64 finalizer. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

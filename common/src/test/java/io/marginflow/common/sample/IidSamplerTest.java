package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IidSamplerTest {

  private static final long SEED = 7L;
  private static final int N = 97; // not a power of 2
  private static final int NB = 10;
  private static final int STEPS = 20_000;

  /**
   * Slow, obviously correct reference: Floyd's algorithm with java.util.SplittableRandom and a
   * HashSet, seeded with the documented step key.
   */
  static long[] referenceBatch(long seed, long n, int nb, long step, boolean offByOne) {
    SplittableRandom rng = new SplittableRandom(Mix.key(seed, Mix.PURPOSE_IID, step));
    Set<Long> chosen = new HashSet<>();
    for (long j = n - nb; j < n; j++) {
      long t = offByOne ? (j == 0 ? 0 : rng.nextLong(j)) : rng.nextLong(j + 1);
      chosen.add(chosen.contains(t) ? j : t);
    }
    return chosen.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  @Test
  void matchesFloydWithSplittableRandom() {
    long[][] sizes = {
      {1, 1}, {2, 2}, {97, 10}, {97, 97}, {128, 64}, {1L << 40, 300}, {3_000_000_007L, 1000}
    };
    for (long[] s : sizes) {
      IidSampler sampler = new IidSampler(s[0], (int) s[1], SEED);
      for (long step = 0; step < 20; step++) {
        assertArrayEquals(
            referenceBatch(SEED, s[0], (int) s[1], step, false),
            sampler.batch(step),
            "n=" + s[0] + " nb=" + s[1] + " step=" + step);
      }
    }
  }

  @Test
  void inclusionIsUniform() {
    IidSampler sampler = new IidSampler(N, NB, SEED);
    long[] counts = new long[N];
    long[] out = new long[NB];
    for (long k = 0; k < STEPS; k++) {
      int c = sampler.batchInRange(k, 0, N, out);
      for (int i = 0; i < c; i++) {
        counts[(int) out[i]]++;
      }
    }
    double chi2 = ChiSquare.statistic(counts, STEPS, NB);
    assertTrue(ChiSquare.plausible(chi2, N - 1), ChiSquare.describe(chi2, N - 1));
  }

  @Test
  void theCheckCatchesTheClassicFloydOffByOne() {
    // t drawn from [0, j) instead of [0, j]: rows near n − 1 are under-sampled
    long[] counts = new long[N];
    for (long k = 0; k < STEPS; k++) {
      for (long r : referenceBatch(SEED, N, NB, k, true)) {
        counts[(int) r]++;
      }
    }
    double chi2 = ChiSquare.statistic(counts, STEPS, NB);
    assertFalse(
        ChiSquare.plausible(chi2, N - 1), "biased sampler: " + ChiSquare.describe(chi2, N - 1));
  }

  @Test
  void pairsAreUniformToo() {
    // a uniform subset of size 3 of 12 rows: every one of the C(12, 2) = 66 pairs is equally likely
    int n = 12;
    int nb = 3;
    IidSampler sampler = new IidSampler(n, nb, SEED);
    long[] pairCounts = new long[n * (n - 1) / 2];
    for (long k = 0; k < STEPS; k++) {
      long[] b = sampler.batch(k);
      for (int i = 0; i < b.length; i++) {
        for (int j = i + 1; j < b.length; j++) {
          pairCounts[pairIndex((int) b[i], (int) b[j], n)]++;
        }
      }
    }
    // each batch contributes 3 pairs; counts are close to multinomial, so Pearson applies loosely
    double chi2 = ChiSquare.pearson(pairCounts);
    assertTrue(
        ChiSquare.plausible(chi2, pairCounts.length - 1),
        ChiSquare.describe(chi2, pairCounts.length - 1));
  }

  private static int pairIndex(int a, int b, int n) {
    return a * n - a * (a + 1) / 2 + (b - a - 1);
  }
}

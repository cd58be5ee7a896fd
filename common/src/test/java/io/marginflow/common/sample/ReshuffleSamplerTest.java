package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class ReshuffleSamplerTest {

  private static final long SEED = 11L;
  private static final int N = 97; // not a power of 2, and N mod NB = 7 rows skipped per epoch
  private static final int NB = 10;
  private static final int EPOCHS = 3000;

  /**
   * Adjacent rows (i, i+1) sharing a batch: the count over all epochs may differ from its
   * expectation by this fraction. Its standard deviation is about 1% here, so 6% is ≈ 6 s.d.; a
   * sampler that keeps neighbours together (e.g. a rotation) is off by +800%.
   */
  private static final double ADJACENT_PAIR_REL_TOL = 0.06;

  /** Binomial standard deviations allowed for the fraction of odd epoch orders (p ≈ 7e−6). */
  private static final double PARITY_SD = 4.5;

  @Test
  void eachRowAtMostOncePerEpochAndAllOnceWhenNbDividesN() {
    ReshuffleSampler s = new ReshuffleSampler(N, NB, SEED);
    long perEpoch = s.stepsPerEpoch();
    for (long e = 0; e < 20; e++) {
      BitSet seen = new BitSet(N);
      for (long j = 0; j < perEpoch; j++) {
        assertEquals(e, s.epochOf(e * perEpoch + j));
        for (long r : s.batch(e * perEpoch + j)) {
          assertTrue(!seen.get((int) r), "row " + r + " twice in epoch " + e);
          seen.set((int) r);
        }
      }
      assertEquals(perEpoch * NB, seen.cardinality(), "B·n_b rows in epoch " + e);
    }
    ReshuffleSampler exact = new ReshuffleSampler(100, 10, SEED);
    for (long e = 0; e < 5; e++) {
      BitSet seen = new BitSet(100);
      for (long j = 0; j < 10; j++) {
        for (long r : exact.batch(e * 10 + j)) {
          seen.set((int) r);
        }
      }
      assertEquals(100, seen.cardinality(), "epoch " + e + " covers every row");
    }
  }

  @Test
  void inclusionPerEpochAndPerBatchIsUniform() {
    ReshuffleSampler s = new ReshuffleSampler(N, NB, SEED);
    int perEpoch = (int) s.stepsPerEpoch();
    long[] inEpoch = new long[N];
    long[] inFirstBatch = new long[N];
    long[] inLastBatch = new long[N];
    long adjacent = 0;
    long[] out = new long[NB];
    for (long e = 0; e < EPOCHS; e++) {
      for (int j = 0; j < perEpoch; j++) {
        int c = s.batchInRange(e * perEpoch + j, 0, N, out);
        for (int i = 0; i < c; i++) {
          int r = (int) out[i];
          inEpoch[r]++;
          if (j == 0) {
            inFirstBatch[r]++;
          }
          if (j == perEpoch - 1) {
            inLastBatch[r]++;
          }
          if (i > 0 && out[i - 1] == r - 1) {
            adjacent++;
          }
        }
      }
    }
    // per epoch every row is in or out of the B·n_b = 90 kept positions: a 90-of-97 draw per epoch
    double chi2 = ChiSquare.statistic(inEpoch, EPOCHS, (long) perEpoch * NB);
    assertTrue(ChiSquare.plausible(chi2, N - 1), "per epoch: " + ChiSquare.describe(chi2, N - 1));
    chi2 = ChiSquare.statistic(inFirstBatch, EPOCHS, NB);
    assertTrue(ChiSquare.plausible(chi2, N - 1), "batch 0: " + ChiSquare.describe(chi2, N - 1));
    chi2 = ChiSquare.statistic(inLastBatch, EPOCHS, NB);
    assertTrue(ChiSquare.plausible(chi2, N - 1), "batch B−1: " + ChiSquare.describe(chi2, N - 1));
    // neighbours are not kept together: P(i, i+1 in one batch) = B·n_b(n_b−1)/(n(n−1)) for each i
    double expected = (double) EPOCHS * perEpoch * NB * (NB - 1) / N;
    assertTrue(
        Math.abs(adjacent - expected) <= ADJACENT_PAIR_REL_TOL * expected,
        "adjacent pairs " + adjacent + " vs expected " + expected);
  }

  @Test
  void smallPermutationsAreAllReachedEvenly() {
    // n_b = 1: an epoch lists a whole permutation of {0..n−1}; all n! orders should be equally
    // likely
    for (int n : new int[] {2, 3, 4, 5}) {
      ReshuffleSampler s = new ReshuffleSampler(n, 1, SEED);
      int factorial = 1;
      for (int i = 2; i <= n; i++) {
        factorial *= i;
      }
      long[] counts = new long[factorial];
      int epochs = 100 * factorial;
      long[] order = new long[n];
      for (long e = 0; e < epochs; e++) {
        for (int j = 0; j < n; j++) {
          order[j] = s.batch(e * n + j)[0];
        }
        counts[lehmerRank(order)]++;
      }
      double chi2 = ChiSquare.pearson(counts);
      assertTrue(
          ChiSquare.plausible(chi2, factorial - 1),
          "n=" + n + ": " + ChiSquare.describe(chi2, factorial - 1));
    }
  }

  @Test
  void epochOrderParityIsAFairCoin() {
    // Feistel networks on h ≥ 2 bit halves only make even permutations: without the keyed swap τ,
    // n = 256 = 4^4 (no cycle-walking) gives 0% odd epoch orders and n = 1000 about 2%.
    int epochs = 2000;
    double bound = PARITY_SD * 0.5 / Math.sqrt(epochs);
    for (int n : new int[] {256, 1000}) {
      ReshuffleSampler s = new ReshuffleSampler(n, 1, SEED);
      long[] order = new long[n];
      int odd = 0;
      for (long e = 0; e < epochs; e++) {
        for (int j = 0; j < n; j++) {
          order[j] = s.batch(e * n + j)[0];
        }
        odd += parity(order);
      }
      double fraction = (double) odd / epochs;
      assertTrue(Math.abs(fraction - 0.5) <= bound, "n=" + n + ": odd fraction " + fraction);
    }
  }

  /** 1 for an odd permutation, 0 for an even one (n − number of cycles, mod 2). */
  private static int parity(long[] perm) {
    boolean[] seen = new boolean[perm.length];
    int cycles = 0;
    for (int i = 0; i < perm.length; i++) {
      if (!seen[i]) {
        cycles++;
        for (int k = i; !seen[k]; k = (int) perm[k]) {
          seen[k] = true;
        }
      }
    }
    return (perm.length - cycles) & 1;
  }

  /** The rank of a permutation among the n! orders (Lehmer code). */
  private static int lehmerRank(long[] perm) {
    int rank = 0;
    for (int i = 0; i < perm.length; i++) {
      int smaller = 0;
      for (int j = i + 1; j < perm.length; j++) {
        if (perm[j] < perm[i]) {
          smaller++;
        }
      }
      rank = rank * (perm.length - i) + smaller;
    }
    return rank;
  }
}

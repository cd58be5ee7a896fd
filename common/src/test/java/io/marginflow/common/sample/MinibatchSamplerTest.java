package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Properties every sampler must have, checked for each kind on several (n, n_b). */
class MinibatchSamplerTest {

  private static final long SEED = 20250214L;

  /**
   * Generous bound for 100 steps at n = 10^12, n_b = 10^4 (measured well under 1 s): O(n) work
   * would take hours, so this only has to tell O(n_b) from O(n) on a shared machine.
   */
  private static final Duration LARGE_N_BUDGET = Duration.ofSeconds(20);

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> b = Stream.builder();
    long[][] sizes = {
      {1, 1},
      {2, 1},
      {2, 2},
      {7, 3},
      {97, 10},
      {97, 97},
      {128, 16},
      {1000, 1},
      {1025, 64},
      {(1 << 20) + 3, 500}
    };
    for (String kind : new String[] {"iid", "reshuffle", "full"}) {
      for (long[] s : sizes) {
        if (kind.equals("full") && s[0] > 10_000) {
          continue; // full lists all n rows per step: nothing to learn from a million of them
        }
        b.add(Arguments.of(kind, s[0], (int) s[1]));
      }
    }
    return b.build();
  }

  private static MinibatchSampler sampler(String kind, long n, int nb) {
    return MinibatchSampler.create(SamplerConfig.parse(kind, nb), n, SEED);
  }

  @ParameterizedTest(name = "{0} n={1} nb={2}")
  @MethodSource("cases")
  void batchesAreSortedDistinctInRangeAndOfTheRightSize(String kind, long n, int nb) {
    MinibatchSampler s = sampler(kind, n, nb);
    int expectedSize = kind.equals("full") ? (int) n : nb;
    assertEquals(expectedSize, s.batchSize());
    for (long step = 0; step < 20; step++) {
      long[] b = s.batch(step);
      assertEquals(expectedSize, b.length, "size of batch " + step);
      for (int i = 0; i < b.length; i++) {
        assertTrue(b[i] >= 0 && b[i] < n, "in [0, n): " + b[i]);
        assertTrue(i == 0 || b[i - 1] < b[i], "strictly ascending (sorted, no repeats) at " + i);
      }
    }
  }

  @ParameterizedTest(name = "{0} n={1} nb={2}")
  @MethodSource("cases")
  void batchIsAPureFunctionOfSeedAndStep(String kind, long n, int nb) throws Exception {
    MinibatchSampler a = sampler(kind, n, nb);
    MinibatchSampler b = SamplerConfigTest.roundTrip(sampler(kind, n, nb));
    long[][] forward = new long[30][];
    for (int k = 0; k < 30; k++) {
      forward[k] = a.batch(k);
    }
    for (int k = 29; k >= 0; k--) { // other instance, other order, after serialization
      assertArrayEquals(forward[k], b.batch(k), "batch " + k);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"iid", "reshuffle"})
  void differentStepsAndSeedsGiveDifferentBatches(String kind) {
    // C(1000, 10) ≈ 2.6e23 possible batches: a repeat among 200 means the step is ignored
    MinibatchSampler s = sampler(kind, 1000, 10);
    Set<String> seen = new HashSet<>();
    for (long k = 0; k < 200; k++) {
      assertTrue(seen.add(Arrays.toString(s.batch(k))), "batch " + k + " repeats an earlier one");
    }
    MinibatchSampler other = MinibatchSampler.create(SamplerConfig.parse(kind, 10), 1000, SEED + 1);
    assertFalse(Arrays.equals(s.batch(0), other.batch(0)), "seed must matter");
  }

  @ParameterizedTest(name = "{0} n={1} nb={2}")
  @MethodSource("cases")
  void perRangeListingsConcatenateToTheGlobalBatch(String kind, long n, int nb) {
    MinibatchSampler s = sampler(kind, n, nb);
    SplittableRandom rng = new SplittableRandom(n * 31 + nb);
    long[] out = new long[s.batchSize()];
    for (long step = 0; step < 12; step++) {
      long[] global = s.batch(step);
      // a random partition of [0, n) into up to 6 ranges, empty ranges allowed
      int parts = 1 + rng.nextInt(6);
      long[] cuts = new long[parts + 1];
      cuts[parts] = n;
      for (int i = 1; i < parts; i++) {
        cuts[i] = rng.nextLong(n + 1);
      }
      Arrays.sort(cuts);
      long[] joined = new long[0];
      for (int i = 0; i < parts; i++) {
        long lo = cuts[i];
        long hi = cuts[i + 1];
        long[] part = s.batchInRange(step, lo, hi);
        long[] expected = Arrays.stream(global).filter(r -> r >= lo && r < hi).toArray();
        assertArrayEquals(expected, part, "range [" + lo + ", " + hi + ") of batch " + step);
        long[] small = new long[s.maxInRange(lo, hi)];
        int count = s.batchInRange(step, lo, hi, small);
        assertArrayEquals(expected, Arrays.copyOf(small, count), "allocation-free, tight buffer");
        count = s.batchInRange(step, lo, hi, out);
        assertArrayEquals(expected, Arrays.copyOf(out, count), "allocation-free, n_b buffer");
        long[] next = Arrays.copyOf(joined, joined.length + part.length);
        System.arraycopy(part, 0, next, joined.length, part.length);
        joined = next;
      }
      assertArrayEquals(global, joined, "ranges joined, batch " + step);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"iid", "reshuffle", "full"})
  void singleRowDataset(String kind) {
    MinibatchSampler s = sampler(kind, 1, 1);
    assertEquals(1, s.stepsPerEpoch());
    for (long k = 0; k < 5; k++) {
      assertArrayEquals(new long[] {0}, s.batch(k));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"iid", "reshuffle"})
  void batchOfAllRowsIsEveryRow(String kind) {
    MinibatchSampler s = sampler(kind, 97, 97);
    long[] all = java.util.stream.LongStream.range(0, 97).toArray();
    for (long k = 0; k < 5; k++) {
      assertArrayEquals(all, s.batch(k));
    }
  }

  @Test
  void stepsPerEpoch() {
    assertEquals(10, sampler("iid", 97, 10).stepsPerEpoch(), "iid: ⌈97/10⌉");
    assertEquals(9, sampler("reshuffle", 97, 10).stepsPerEpoch(), "reshuffle: ⌊97/10⌋");
    assertEquals(1, sampler("full", 97, 10).stepsPerEpoch());
    assertEquals(10, sampler("iid", 100, 10).stepsPerEpoch());
    assertEquals(10, sampler("reshuffle", 100, 10).stepsPerEpoch());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"iid", "reshuffle"})
  void largeDatasetCostsOnlyTheBatch(String kind) {
    long n = 1_000_000_000_000L;
    int nb = 10_000;
    MinibatchSampler s = sampler(kind, n, nb);
    long[] out = new long[nb];
    assertTimeoutPreemptively(
        LARGE_N_BUDGET,
        () -> {
          for (long step = 0; step < 100; step++) {
            long k = step * 1_000_003_337L; // steps far apart, many epochs for reshuffle
            long[] b = s.batch(k);
            assertEquals(nb, b.length);
            assertTrue(b[0] >= 0 && b[nb - 1] < n);
            long mid = n / 3;
            int below = s.batchInRange(k, 0, mid, out);
            int above = s.batchInRange(k, mid, n, out);
            assertEquals(nb, below + above, "two ranges hold the whole batch");
          }
        });
  }

  @Test
  void refusesBadArguments() {
    MinibatchSampler s = sampler("iid", 100, 10);
    assertThrows(IllegalArgumentException.class, () -> s.batch(-1), "negative step");
    assertThrows(IllegalArgumentException.class, () -> s.batchInRange(0, 5, 4), "lo > hi");
    assertThrows(IllegalArgumentException.class, () -> s.batchInRange(0, -1, 4), "lo < 0");
    assertThrows(IllegalArgumentException.class, () -> s.batchInRange(0, 0, 101), "hi > n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> s.batchInRange(0, 0, 100, new long[9]));
    assertTrue(e.getMessage().contains("10") && e.getMessage().contains("9"), e.getMessage());
    // a short buffer is fine when the range is short
    assertEquals(s.batchInRange(0, 0, 3).length, s.batchInRange(0, 0, 3, new long[3]));
  }
}

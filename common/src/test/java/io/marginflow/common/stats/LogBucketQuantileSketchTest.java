package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Accuracy, determinism, merging, collapsing and serialization of {@link LogBucketQuantileSketch}.
 */
class LogBucketQuantileSketchTest {

  private static final double ALPHA = LogBucketQuantileSketch.RELATIVE_ACCURACY;

  /**
   * α plus rounding: log, the division by λ, i·λ and exp each err by ≲ 1 ulp; with |i| ≤ 3.6·10⁶
   * that moves a bucket boundary or a representative by ≤ ~3e−13 relative (class javadoc).
   */
  private static final double REL_TOL = ALPHA + 1e-12;

  /** Size of the large mixed data set (past the exact limit of the accumulator, as in use). */
  private static final int N = 200_000;

  private static final double[] MIXED = mixedData(61, N);
  private static final double[] MIXED_SORTED = sorted(MIXED);

  @Test
  void relativeErrorWithinAlphaOnMixedHeavyTailedClusteredData() {
    LogBucketQuantileSketch s = feed(MIXED, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    assertFalse(s.isCollapsed(), "this test is about the uncollapsed guarantee: " + s);
    assertEquals(N, s.count());
    for (long k : probeRanks(N)) {
      assertWithinAlpha(MIXED_SORTED[(int) k], s.valueAtRank(k), "rank " + k);
    }
    for (int level : MarginQuantiles.LEVELS_PER_10K) {
      int k = QuantileState.nearestRankIndex(level, N);
      assertWithinAlpha(MIXED_SORTED[k], s.quantile(level / 10_000.0), "level " + level);
    }
  }

  @Test
  void extremesAreExact() {
    LogBucketQuantileSketch s = feed(MIXED, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    assertEquals(MIXED_SORTED[0], s.quantile(0));
    assertEquals(MIXED_SORTED[N - 1], s.quantile(1));
    assertEquals(MIXED_SORTED[0], s.min());
    assertEquals(MIXED_SORTED[N - 1], s.max());
    assertEquals(MIXED_SORTED[0], s.valueAtRank(0));
    assertEquals(MIXED_SORTED[N - 1], s.valueAtRank(N - 1));
  }

  @Test
  void quantilesAreMonotoneInTheRank() {
    LogBucketQuantileSketch s = feed(MIXED, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    double prev = Double.NEGATIVE_INFINITY;
    for (long k = 0; k < N; k += 37) {
      double v = s.valueAtRank(k);
      assertTrue(v >= prev, "rank " + k + ": " + v + " < " + prev);
      prev = v;
    }
  }

  @Test
  void mergeTreesAreBitIdenticalToOneShotFeeding() {
    for (int limit : new int[] {LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS, 500}) {
      LogBucketQuantileSketch oneShot = feed(MIXED, limit);
      assertEquals(limit == 500, oneShot.isCollapsed(), "limit " + limit);
      long[] expected = quantileBits(oneShot);
      SplittableRandom rnd = new SplittableRandom(62);
      for (int trial = 0; trial < 4; trial++) {
        int[] cuts = MarginTestData.randomCuts(rnd, N, 2 + rnd.nextInt(40));
        List<LogBucketQuantileSketch> parts = new ArrayList<>();
        for (int b = 0; b + 1 < cuts.length; b++) {
          parts.add(feed(Arrays.copyOfRange(MIXED, cuts[b], cuts[b + 1]), limit));
        }
        LogBucketQuantileSketch merged =
            switch (trial) {
              case 0 -> leftFold(parts);
              case 1 -> leftFold(reversed(parts));
              default -> randomTree(parts, rnd);
            };
        String what = "limit " + limit + ", trial " + trial;
        assertEquals(oneShot, merged, what);
        assertEquals(oneShot.hashCode(), merged.hashCode(), what);
        assertArrayEquals(expected, quantileBits(merged), what);
      }
      // Feeding the values in another order gives the same state too.
      double[] shuffled = MIXED.clone();
      shuffle(shuffled, new SplittableRandom(63));
      assertEquals(oneShot, feed(shuffled, limit), "shuffled, limit " + limit);
    }
  }

  @Test
  void mergeWithEmptyIsIdentityAndLeavesTheArgumentUnchanged() {
    double[] x = Arrays.copyOf(MIXED, 5000);
    LogBucketQuantileSketch expected = feed(x, 64);
    LogBucketQuantileSketch other = feed(x, 64); // buffered keys, not yet flushed
    LogBucketQuantileSketch left = new LogBucketQuantileSketch(64).merge(other);
    assertEquals(expected, left);
    assertEquals(expected, other, "merge must not change its argument");
    assertEquals(expected, feed(x, 64).merge(new LogBucketQuantileSketch(64)));
    LogBucketQuantileSketch empty = new LogBucketQuantileSketch();
    empty.merge(new LogBucketQuantileSketch());
    assertTrue(empty.isEmpty());
    assertEquals(new LogBucketQuantileSketch(), empty);
    assertTrue(Double.isNaN(empty.quantile(0.5)));
    assertTrue(Double.isNaN(empty.min()) && Double.isNaN(empty.max()));
  }

  @Test
  void collapsingLowestKeepsTheGuaranteeAboveTheCollapsedBucket() {
    int limit = 5000; // collapses about a quarter of the positive and half of the negative values
    LogBucketQuantileSketch s = feed(MIXED, limit);
    assertTrue(s.isCollapsed());
    assertEquals(2 * limit, s.bucketCount(), "both stores at their limit");
    // Independent reference for the collapse threshold: the limit-th largest key of each sign.
    int posThreshold = kthLargestKey(MIXED, limit, true);
    int negThreshold = kthLargestKey(MIXED, limit, false);
    int checked = 0;
    int inCollapsed = 0;
    for (long k = 1; k < N - 1; k++) {
      double v = MIXED_SORTED[(int) k];
      double got = s.valueAtRank(k);
      double a = Math.abs(v);
      if (a < LogBucketQuantileSketch.ZERO_THRESHOLD) {
        assertEquals(0.0, got, "rank " + k);
        continue;
      }
      int key = LogBucketQuantileSketch.bucketIndex(a);
      int threshold = v > 0 ? posThreshold : negThreshold;
      if (key > threshold) {
        assertWithinAlpha(v, got, "rank " + k + " above the collapsed bucket");
        checked++;
      } else {
        // In the collapsed bucket: its representative (clamped), which overstates |v|.
        double rep = LogBucketQuantileSketch.representative(threshold);
        double want = Math.min(s.max(), Math.max(s.min(), v > 0 ? rep : -rep));
        assertEquals(want, got, "rank " + k + " in the collapsed bucket");
        assertTrue(Math.abs(got) >= a * (1 - REL_TOL), "rank " + k);
        inCollapsed++;
      }
    }
    assertTrue(checked > 50_000, "ranks checked above the collapsed bucket: " + checked);
    assertTrue(inCollapsed > 50_000, "ranks in the collapsed buckets: " + inCollapsed);
  }

  @Test
  void defaultLimitCollapsesExactlyTheLowestBucket() {
    int limit = LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS;
    LogBucketQuantileSketch up = new LogBucketQuantileSketch();
    LogBucketQuantileSketch down = new LogBucketQuantileSketch();
    for (int i = 0; i <= limit; i++) { // limit + 1 distinct buckets
      up.add(LogBucketQuantileSketch.representative(i));
      down.add(LogBucketQuantileSketch.representative(limit - i));
    }
    assertTrue(up.isCollapsed());
    assertEquals(limit, up.bucketCount());
    assertEquals(up, down);
    // Buckets 0 and 1 are lumped into 1: rank 0 is the exact min, rank 1 bucket 1's representative.
    assertEquals(LogBucketQuantileSketch.representative(0), up.valueAtRank(0));
    assertEquals(LogBucketQuantileSketch.representative(1), up.valueAtRank(1));
    assertEquals(LogBucketQuantileSketch.representative(2), up.valueAtRank(2));
    assertEquals(LogBucketQuantileSketch.representative(limit - 1), up.valueAtRank(limit - 1));
  }

  @Test
  void bucketIndexAndRepresentativeFollowTheDocumentedFormula() {
    SplittableRandom rnd = new SplittableRandom(64);
    for (int t = 0; t < 20_000; t++) {
      // log-uniform over the whole non-zero range
      double a = Math.exp(rnd.nextDouble(-690.7, 709.7)); // ln 1e−300 ≈ −690.78
      int i = LogBucketQuantileSketch.bucketIndex(a);
      assertEquals((int) Math.ceil(StrictMath.log(a) / LogBucketQuantileSketch.LN_GAMMA), i);
      assertWithinAlpha(a, LogBucketQuantileSketch.representative(i), "a = " + a);
      assertEquals(
          i, LogBucketQuantileSketch.bucketIndex(LogBucketQuantileSketch.representative(i)));
    }
    assertEquals(0, LogBucketQuantileSketch.bucketIndex(1.0), "ln 1 = 0 is a bucket boundary");
    int top = LogBucketQuantileSketch.bucketIndex(Double.MAX_VALUE);
    int bottom = LogBucketQuantileSketch.bucketIndex(LogBucketQuantileSketch.ZERO_THRESHOLD);
    assertTrue(top < 3_600_000 && bottom > -3_600_000, top + ", " + bottom);
  }

  @Test
  void zerosTinyValuesAndNegatives() {
    LogBucketQuantileSketch z = new LogBucketQuantileSketch();
    double[] tiny = {0.0, -0.0, 1e-310, -1e-305, 9.9e-301, 2e-300, -3.0};
    for (double v : tiny) {
      z.add(v);
    }
    assertEquals(2, z.bucketCount(), "only 2e−300 and −3 get buckets");
    assertEquals(-3.0, z.valueAtRank(0));
    for (int k = 1; k <= 5; k++) {
      assertEquals(0.0, z.valueAtRank(k), "rank " + k + " is a (near-)zero");
    }
    assertEquals(2e-300, z.valueAtRank(6));

    double[] small = {-3, -2, -1, 0, 0, 1, 2, 3, -1e-3, 7e5};
    LogBucketQuantileSketch s = feed(small, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    double[] sortedSmall = sorted(small);
    for (int k = 0; k < small.length; k++) {
      assertWithinAlpha(sortedSmall[k], s.valueAtRank(k), "rank " + k);
      assertTrue(Math.signum(s.valueAtRank(k)) == Math.signum(sortedSmall[k]), "sign " + k);
    }

    double[] negatives = new double[10_000];
    for (int i = 0; i < negatives.length; i++) {
      negatives[i] = -Math.exp(0.01 * i - 50);
    }
    LogBucketQuantileSketch neg = feed(negatives, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    double[] sortedNeg = sorted(negatives);
    for (long k : probeRanks(negatives.length)) {
      assertWithinAlpha(sortedNeg[(int) k], neg.valueAtRank(k), "negative rank " + k);
    }

    // Top buckets: the representative overflows to ∞ and is clamped to the exact extremes.
    double big = Double.MAX_VALUE;
    LogBucketQuantileSketch huge = feed(new double[] {-big, -big, 1, big, big}, 16);
    assertArrayEquals(
        new double[] {-big, -big, 1, big, big},
        new double[] {
          huge.valueAtRank(0),
          huge.valueAtRank(1),
          Math.rint(huge.valueAtRank(2)),
          huge.valueAtRank(3),
          huge.valueAtRank(4)
        });
  }

  @Test
  void serializationRoundTripKeepsTheState() throws Exception {
    for (int limit : new int[] {LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS, 300}) {
      LogBucketQuantileSketch original = feed(Arrays.copyOf(MIXED, N / 2), limit);
      byte[] bytes = serialize(original);
      int buckets = original.bucketCount();
      // 12 bytes per bucket (int key + long count) plus a fixed overhead of the stream format.
      assertTrue(bytes.length < 12L * buckets + 1000, bytes.length + " bytes, " + buckets);
      LogBucketQuantileSketch copy = deserialize(bytes);
      assertEquals(original, copy);
      assertArrayEquals(quantileBits(original), quantileBits(copy));
      for (int i = N / 2; i < N; i++) {
        original.add(MIXED[i]);
        copy.add(MIXED[i]);
      }
      assertEquals(original, copy, "continuing after the round trip");
      assertEquals(feed(MIXED, limit), copy);
    }
    LogBucketQuantileSketch empty = deserialize(serialize(new LogBucketQuantileSketch()));
    assertEquals(new LogBucketQuantileSketch(), empty);
  }

  @Test
  void theBucketsTravelInAFewBytesEachAndACorruptedEncodingIsRefused() throws Exception {
    // values from 1e-9 to 1e9 of both signs: keys of both signs, dense runs and gaps
    LogBucketQuantileSketch original = feed(MIXED, LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS);
    byte[] bytes = serialize(original);
    int buckets = original.bucketCount();
    assertTrue(buckets > 10_000, "enough buckets to measure: " + buckets);
    assertTrue(bytes.length < 4L * buckets + 1000, bytes.length + " bytes, " + buckets);
    assertEquals(original, deserialize(bytes));
    assertArrayEquals(quantileBits(original), quantileBits(deserialize(bytes)));
    // the encoding sits at the end of the stream (the positive store is written last): cutting a
    // varint's continuation bit off leaves bytes the decoder must refuse, not misread
    byte[] broken = bytes.clone();
    int last = broken.length - 1;
    while (last > 0 && (broken[last - 1] & 0x80) == 0) {
      last--;
    }
    broken[last - 1] &= 0x7F;
    assertThrows(java.io.InvalidObjectException.class, () -> deserialize(broken));
  }

  @Test
  void rejectsBadArguments() {
    LogBucketQuantileSketch s = feed(new double[] {1, 2, 3}, 8);
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1 / 0.0}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.add(bad));
      assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
    }
    assertEquals(3, s.count());
    assertThrows(IllegalArgumentException.class, () -> s.quantile(-0.01));
    assertThrows(IllegalArgumentException.class, () -> s.quantile(1.01));
    assertThrows(IllegalArgumentException.class, () -> s.quantile(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> s.valueAtRank(3));
    assertThrows(IllegalArgumentException.class, () -> s.valueAtRank(-1));
    assertThrows(IllegalArgumentException.class, () -> s.merge(s));
    assertThrows(IllegalArgumentException.class, () -> s.merge(new LogBucketQuantileSketch(9)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new LogBucketQuantileSketch(0));
    assertTrue(e.getMessage().startsWith("maxBucketsPerStore:"), e.getMessage());
    assertNotEquals(feed(new double[] {1, 2, 3}, 9), s, "different limits are different states");
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Mixed-sign, heavy-tailed and clustered: Cauchy, log-normal of both signs, two clusters much
   * tighter than α·|center|, integer ties (with exact zeros) and tiny magnitudes near 1e−250.
   */
  static double[] mixedData(long seed, int n) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      double g = MarginTestData.gaussian(rnd);
      x[i] =
          switch (rnd.nextInt(10)) {
            case 0, 1, 2 -> 5 * Math.tan(Math.PI * (rnd.nextDouble() - 0.5));
            case 3, 4 -> 1000 + 1e-3 * g;
            case 5 -> -37.5 + 1e-6 * g;
            case 6 -> Math.exp(3 * g);
            case 7 -> -Math.exp(2 * g);
            case 8 -> Math.rint(3 * g);
            default -> 1e-250 * g;
          };
    }
    return x;
  }

  /** Ranks to probe: every 97th, the first and last few, and each level of the metric rows. */
  private static long[] probeRanks(int n) {
    List<Long> ranks = new ArrayList<>();
    for (long k = 0; k < n; k += 97) {
      ranks.add(k);
    }
    for (long k = 0; k < 5 && k < n; k++) {
      ranks.add(k);
      ranks.add(n - 1 - k);
    }
    for (int level : MarginQuantiles.LEVELS_PER_10K) {
      ranks.add((long) QuantileState.nearestRankIndex(level, n));
    }
    return ranks.stream().mapToLong(Long::longValue).toArray();
  }

  static void assertWithinAlpha(double expected, double actual, String what) {
    assertTrue(
        Math.abs(actual - expected) <= REL_TOL * Math.abs(expected),
        what + ": expected " + expected + " within relative " + REL_TOL + ", got " + actual);
  }

  /** Bits of the estimates at many ranks (spread over the range) plus min and max. */
  private static long[] quantileBits(LogBucketQuantileSketch s) {
    long n = s.count();
    long[] bits = new long[1003];
    for (int j = 0; j <= 1000; j++) {
      bits[j] = Double.doubleToRawLongBits(s.valueAtRank(j * (n - 1) / 1000));
    }
    bits[1001] = Double.doubleToRawLongBits(s.min());
    bits[1002] = Double.doubleToRawLongBits(s.max());
    return bits;
  }

  private static int kthLargestKey(double[] x, int k, boolean positive) {
    int[] keys =
        Arrays.stream(x)
            .filter(v -> positive ? v > 0 : v < 0)
            .filter(v -> Math.abs(v) >= LogBucketQuantileSketch.ZERO_THRESHOLD)
            .mapToInt(v -> LogBucketQuantileSketch.bucketIndex(Math.abs(v)))
            .distinct()
            .sorted()
            .toArray();
    assertTrue(keys.length > k, "the data must overflow the limit");
    return keys[keys.length - k];
  }

  static LogBucketQuantileSketch feed(double[] x, int limit) {
    LogBucketQuantileSketch s = new LogBucketQuantileSketch(limit);
    for (double v : x) {
      s.add(v);
    }
    return s;
  }

  private static LogBucketQuantileSketch leftFold(List<LogBucketQuantileSketch> list) {
    LogBucketQuantileSketch acc = list.get(0);
    for (int i = 1; i < list.size(); i++) {
      acc.merge(list.get(i));
    }
    return acc;
  }

  private static List<LogBucketQuantileSketch> reversed(List<LogBucketQuantileSketch> list) {
    List<LogBucketQuantileSketch> r = new ArrayList<>(list);
    java.util.Collections.reverse(r);
    return r;
  }

  private static LogBucketQuantileSketch randomTree(
      List<LogBucketQuantileSketch> list, SplittableRandom rnd) {
    List<LogBucketQuantileSketch> pool = new ArrayList<>(list);
    while (pool.size() > 1) {
      LogBucketQuantileSketch a = pool.remove(rnd.nextInt(pool.size()));
      LogBucketQuantileSketch b = pool.remove(rnd.nextInt(pool.size()));
      pool.add(a.merge(b));
    }
    return pool.get(0);
  }

  private static void shuffle(double[] x, SplittableRandom rnd) {
    for (int i = x.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      double t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
  }

  private static double[] sorted(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s;
  }

  private static byte[] serialize(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  private static LogBucketQuantileSketch deserialize(byte[] bytes)
      throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (LogBucketQuantileSketch) in.readObject();
    }
  }
}

package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.loss.ExponentialLoss;
import io.marginflow.common.loss.LogisticLoss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.Test;

/** Quantiles (exact and sketched) and near-support counts of {@link MarginAccumulator}. */
class MarginAccumulatorDistributionTest {

  /**
   * Allowed relative error of a sketched quantile against the exact one at the same (lower nearest)
   * rank: the sketch's α plus ≲ 1e−12 of floating rounding in the bucket formula (see {@link
   * LogBucketQuantileSketch}); the division by normPowL adds one more rounding (2⁻⁵³).
   */
  private static final double VALUE_REL_TOL = LogBucketQuantileSketch.RELATIVE_ACCURACY + 1e-12;

  private static final double LN10 = Math.log(10.0);

  @Test
  void exactQuantilesWithTiesFollowTheLowerNearestRankRule() {
    SplittableRandom rnd = new SplittableRandom(51);
    double[] p = new double[1001];
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.rint(3 * MarginTestData.gaussian(rnd)); // many ties
    }
    List<MarginAccumulator> blocks = blocks(p, MarginTestData.randomCuts(rnd, p.length, 9));
    MarginAccumulator acc = MarginTestData.randomTree(blocks, rnd);
    assertTrue(acc.hasExactQuantiles());
    assertEquals(MarginTestData.referenceQuantiles(boxed(p), 0.5), acc.summarize(0.5).quantiles());
  }

  @Test
  void exactQuantilesOfTinySamples() {
    MarginAccumulator one = accumulate(new double[] {3.0});
    assertEquals(
        new MarginQuantiles(1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5),
        one.summarize(2.0).quantiles());
    // n = 2: ⌈r·2⌉ − 1 = 0 for r ≤ 50 %, 1 above.
    MarginAccumulator two = accumulate(new double[] {4.0, -2.0});
    assertEquals(new MarginQuantiles(-2, -2, -2, -2, -2, 4, 4, 4), two.summarize(1.0).quantiles());
    // n = 100: q01 is the smallest, q05 the 5th, q50 the 50th, q95 the 95th value.
    double[] hundred = DoubleStream.iterate(100, v -> v - 1).limit(100).toArray();
    assertEquals(
        new MarginQuantiles(1, 1, 5, 25, 50, 75, 95, 100),
        accumulate(hundred).summarize(1.0).quantiles());
  }

  @Test
  void exactModeHoldsUpToTheLimitAcrossMerges() {
    int half = MarginAccumulator.EXACT_QUANTILE_LIMIT / 2;
    SplittableRandom rnd = new SplittableRandom(52);
    double[] p = rnd.doubles(2 * half + 1, -5, 5).toArray();

    MarginAccumulator a = accumulate(Arrays.copyOfRange(p, 0, half));
    a.merge(accumulate(Arrays.copyOfRange(p, half, 2 * half)));
    assertTrue(a.hasExactQuantiles(), "exactly at the limit");
    assertEquals(
        MarginTestData.referenceQuantiles(boxed(Arrays.copyOf(p, 2 * half)), 1.0),
        a.summarize(1.0).quantiles());
    a.add(p, 1);
    assertFalse(a.hasExactQuantiles(), "one past the limit by add");

    MarginAccumulator b = accumulate(Arrays.copyOfRange(p, 0, half + 1));
    b.merge(accumulate(Arrays.copyOfRange(p, half + 1, 2 * half + 1)));
    assertFalse(b.hasExactQuantiles(), "one past the limit by merge");
    MarginQuantiles q = b.summarize(1.0).quantiles();
    double[] sorted = p.clone();
    Arrays.sort(sorted);
    assertEquals(sorted[0], q.q0(), "q0 stays the exact min in sketch mode");
    assertEquals(sorted[sorted.length - 1], q.q100(), "q100 stays the exact max in sketch mode");
    assertValuesWithin(sorted, q, 1.0);
    // The switch is order-independent: past the limit by add, by merge, or all at once agree.
    MarginAccumulator c = accumulate(Arrays.copyOf(p, 2 * half));
    c.add(Arrays.copyOfRange(p, 2 * half, 2 * half + 1), 1);
    assertEquals(q, c.summarize(1.0).quantiles(), "by add vs by merge");
    assertEquals(q, accumulate(p).summarize(1.0).quantiles(), "by merge vs one block");
  }

  @Test
  void sketchedQuantilesOf200kMarginsAreWithinTheValueErrorAndBitIdenticalAcrossMerges() {
    int n = 200_000;
    SplittableRandom rnd = new SplittableRandom(53);
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      // Skewed, two-sided: most mass near 0, a long right tail.
      p[i] = Math.expm1(MarginTestData.gaussian(rnd));
    }
    MarginAccumulator acc =
        MarginTestData.randomTree(blocks(p, MarginTestData.randomCuts(rnd, n, 13)), rnd);
    assertFalse(acc.hasExactQuantiles());
    double normPowL = 3.0;
    MarginQuantiles q = acc.summarize(normPowL).quantiles();
    double[] sorted = p.clone();
    Arrays.sort(sorted);
    assertEquals(sorted[0] / normPowL, q.q0());
    assertEquals(sorted[n - 1] / normPowL, q.q100());
    assertValuesWithin(sorted, q, normPowL);

    // Same margins, other partitionings and merge trees (including one block): same bits.
    assertEquals(q, accumulate(p).summarize(normPowL).quantiles(), "one block");
    for (int trial = 0; trial < 3; trial++) {
      List<MarginAccumulator> list = blocks(p, MarginTestData.randomCuts(rnd, n, 2 + 7 * trial));
      MarginAccumulator other =
          trial == 0 ? MarginTestData.rightFold(list) : MarginTestData.randomTree(list, rnd);
      assertEquals(q, other.summarize(normPowL).quantiles(), "trial " + trial);
    }
  }

  @Test
  void nearSupportCountsAreExactAcrossMerges() {
    SplittableRandom rnd = new SplittableRandom(54);
    double m = -2.0;
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      values.add(m + 0.5 + 40 * rnd.nextDouble());
    }
    for (int j = 1; j <= 7; j++) { // on, just below and just above every threshold
      double t = m + j * LN10;
      values.add(t);
      values.add(Math.nextDown(t));
      values.add(Math.nextUp(t));
    }
    // Early blocks: margins ≥ 10 only, so their windows sit far above the final one.
    double[] high = values.stream().mapToDouble(Double::doubleValue).filter(v -> v >= 10).toArray();
    double[] low = values.stream().mapToDouble(Double::doubleValue).filter(v -> v < 10).toArray();
    double[] all = new double[high.length + low.length + 1];
    System.arraycopy(high, 0, all, 0, high.length);
    System.arraycopy(low, 0, all, high.length, low.length);
    all[all.length - 1] = m; // the global minimum arrives last

    long[] expected = new long[7];
    for (int j = 1; j <= 7; j++) {
      for (double v : all) {
        if (v < m + j * LN10) {
          expected[j - 1]++;
        }
      }
    }
    long inWindow = Arrays.stream(all).filter(v -> v <= m + 7 * LN10).count();

    for (int trial = 0; trial < 4; trial++) {
      int[] cuts = MarginTestData.randomCuts(rnd, all.length, 2 + rnd.nextInt(12));
      cuts[1] = Math.min(cuts[1], high.length); // the first block holds only high margins
      List<MarginAccumulator> list = blocks(all, cuts);
      MarginAccumulator acc =
          switch (trial % 3) {
            case 0 -> MarginTestData.leftFold(list);
            case 1 -> MarginTestData.rightFold(list);
            default -> MarginTestData.randomTree(list, rnd);
          };
      assertArrayEquals(expected, acc.summarize(1.0).nearSupport(), "trial " + trial);
      assertEquals(inWindow, acc.nearSupportWindowSize(), "window pruned to m + 7 ln 10");
    }
    MarginAccumulator sequential = new MarginAccumulator(ExponentialLoss.INSTANCE, 0);
    for (int i = 0; i < all.length; i += 100) {
      sequential.add(
          Arrays.copyOfRange(all, i, Math.min(all.length, i + 100)), Math.min(100, all.length - i));
    }
    assertArrayEquals(expected, sequential.summarize(1.0).nearSupport(), "sequential adds");
    assertEquals(inWindow, sequential.nearSupportWindowSize());
  }

  /**
   * Each reported quantile must be within {@link #VALUE_REL_TOL} of the exact lower-nearest-rank
   * quantile of the same level (relative to its magnitude).
   */
  private static void assertValuesWithin(double[] sorted, MarginQuantiles q, double normPowL) {
    double[] exact = MarginTestData.referenceQuantiles(boxed(sorted), normPowL).toArray();
    double[] values = q.toArray();
    for (int j = 0; j < values.length; j++) {
      double err = Math.abs(values[j] - exact[j]);
      assertTrue(
          err <= VALUE_REL_TOL * Math.abs(exact[j]) + Math.ulp(exact[j]),
          "quantile "
              + MarginQuantiles.LEVELS_PER_10K[j]
              + "/10⁴: expected "
              + exact[j]
              + " within relative "
              + VALUE_REL_TOL
              + ", got "
              + values[j]);
    }
  }

  private static MarginAccumulator accumulate(double[] p) {
    MarginAccumulator acc = new MarginAccumulator(LogisticLoss.INSTANCE, 0);
    acc.add(p, p.length);
    return acc;
  }

  private static List<MarginAccumulator> blocks(double[] p, int[] cuts) {
    List<MarginAccumulator> list = new ArrayList<>();
    for (int b = 0; b + 1 < cuts.length; b++) {
      list.add(accumulate(Arrays.copyOfRange(p, cuts[b], cuts[b + 1])));
    }
    return list;
  }

  private static List<Double> boxed(double[] p) {
    return Arrays.stream(p).boxed().toList();
  }
}

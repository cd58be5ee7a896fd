package io.marginflow.common.stats;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.loss.ExponentialLoss;
import io.marginflow.common.loss.LogisticLoss;
import io.marginflow.common.loss.Loss;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MarginAccumulatorTest {

  /**
   * Sums of ≤ 10⁴ positive terms added in different orders: worst-case relative rounding n·2⁻⁵³ ≈
   * 1e−12; 1e−11 leaves room for the log/exp of the rescaling factors.
   */
  private static final double SUM_REL_TOL = 1e-11;

  /**
   * Signed λ-weighted sums (Σλp, Σλa) can cancel: their error is relative to Σλ|p| ≤ max|p| (and
   * Σλ‖a‖ ≤ max‖a‖), so the absolute tolerance is SUM_REL_TOL times that scale.
   */
  private static final double SIGNED_SCALE_TOL = SUM_REL_TOL;

  private static final double NORM_POW_L = 2.5;

  static Stream<Loss> losses() {
    return Stream.of(ExponentialLoss.INSTANCE, LogisticLoss.INSTANCE);
  }

  @ParameterizedTest
  @MethodSource("losses")
  void mergeWithEmptyIsIdentity(Loss loss) {
    MarginTestData data = MarginTestData.gaussian(11, 700, 3, 3.0);
    MarginSummary expected = data.oneShot(loss).summarize(NORM_POW_L);

    MarginAccumulator right = data.oneShot(loss).merge(new MarginAccumulator(loss, 3));
    MarginAccumulator left = new MarginAccumulator(loss, 3).merge(data.oneShot(loss));
    assertEquals(expected, right.summarize(NORM_POW_L));
    assertEquals(expected, left.summarize(NORM_POW_L));

    MarginAccumulator empty = new MarginAccumulator(loss, 3).merge(new MarginAccumulator(loss, 3));
    assertEquals(new MarginAccumulator(loss, 3).summarize(1.0), empty.summarize(1.0));
  }

  @ParameterizedTest
  @MethodSource("losses")
  void mergeOrderChangesResultsOnlyByRounding(Loss loss) {
    MarginTestData data = MarginTestData.gaussian(12, 5000, 5, 3.0);
    MarginSummary reference = data.reference(loss, NORM_POW_L);
    SplittableRandom rnd = new SplittableRandom(13);

    assertMatches(reference, data.oneShot(loss).summarize(NORM_POW_L), data, "one-shot");
    for (int trial = 0; trial < 3; trial++) {
      int[] cuts = MarginTestData.randomCuts(rnd, data.n(), 2 + rnd.nextInt(40));
      MarginAccumulator sequential = new MarginAccumulator(loss, data.d());
      for (int b = 0; b + 1 < cuts.length; b++) {
        data.feed(sequential, cuts[b], cuts[b + 1]);
      }
      assertMatches(reference, sequential.summarize(NORM_POW_L), data, "sequential " + trial);
      assertMatches(
          reference,
          MarginTestData.leftFold(data.perBlock(loss, cuts)).summarize(NORM_POW_L),
          data,
          "left fold " + trial);
      assertMatches(
          reference,
          MarginTestData.rightFold(data.perBlock(loss, cuts)).summarize(NORM_POW_L),
          data,
          "right fold " + trial);
      assertMatches(
          reference,
          MarginTestData.randomTree(data.perBlock(loss, cuts), rnd).summarize(NORM_POW_L),
          data,
          "random tree " + trial);
    }
  }

  @ParameterizedTest
  @MethodSource("losses")
  void largeMarginsWhereEveryLossUnderflows(Loss loss) {
    // A cluster of 300 margins in [1e3, 1e3 + 3] holds the λ mass; the rest spread up to 1e5.
    SplittableRandom rnd = new SplittableRandom(21);
    double[] t = new double[2000];
    for (int i = 0; i < t.length; i++) {
      t[i] = i < 300 ? 1e3 + 3 * rnd.nextDouble() : 1e3 + 3 + (1e5 - 1e3) * rnd.nextDouble();
    }
    MarginTestData data = MarginTestData.withMargins(22, t, 4);
    assertEquals(0.0, Math.exp(loss.logLoss(1e3)), "regime: ℓ(p) underflows for every sample");
    double normPowL = MarginTestData.norm(data.w);

    MarginSummary reference = data.reference(loss, normPowL);
    int[] cuts = MarginTestData.randomCuts(rnd, data.n(), 17);
    MarginSummary got =
        MarginTestData.randomTree(data.perBlock(loss, cuts), rnd).summarize(normPowL);
    assertMatches(reference, got, data, "underflow regime");

    assertTrue(got.logLoss() < -999 && got.logLoss() > -1010, "log loss ≈ −1000: " + got);
    assertTrue(
        got.effectiveSupport() > 50 && got.effectiveSupport() <= 300,
        "λ spread over the cluster: " + got.effectiveSupport());
    assertTrue(got.lambdaMargin() >= 1e3 && got.lambdaMargin() <= 1e3 + 3, "λ-margin in cluster");
    // Euler identity for L = 1: ⟨ḡ, w⟩ = Σ λ_i ⟨a_i, w⟩ = Σ λ_i p_i.
    assertClose(
        got.lambdaMargin(),
        MarginTestData.dot(got.lambdaGradient(), data.w),
        SUM_REL_TOL,
        0,
        "⟨ḡ, w⟩ vs Σλp");
    assertFalse(got.nonFinite());
  }

  @Test
  void equalMarginsGiveFullSupport() {
    double[] p = new double[100];
    java.util.Arrays.fill(p, 7.25);
    MarginAccumulator acc = new MarginAccumulator(LogisticLoss.INSTANCE, 0);
    acc.add(p, p.length);
    MarginSummary s = acc.summarize(1.0);
    assertClose(100, s.effectiveSupport(), SUM_REL_TOL, 0, "1/Σλ² with λ uniform");
    assertEquals(7.25, s.lambdaMargin(), "Σλp with equal p");
    assertEquals(0.0, s.errorRate());
    assertArrayEquals(new long[] {100, 100, 100, 100, 100, 100, 100}, s.nearSupport());
    assertEquals(0, s.lambdaGradient().length);
  }

  @Test
  void gradientDependsOnlyOnTheScaledProduct() {
    // e^{M}·g added as (M + 40, g·e^{−40}), and per row as (s_i, a_i): same ḡ as the block form.
    Loss loss = ExponentialLoss.INSTANCE;
    MarginTestData data = MarginTestData.gaussian(14, 300, 3, 3.0);
    MarginSummary expected = data.oneShot(loss).summarize(1.0);

    MarginAccumulator shifted = new MarginAccumulator(loss, 3);
    shifted.add(data.margins, data.n());
    MarginAccumulator perRow = new MarginAccumulator(loss, 3);
    perRow.add(data.margins, data.n());
    double mb = Double.NEGATIVE_INFINITY;
    for (double p : data.margins) {
      mb = Math.max(mb, loss.logNegDerivative(p));
    }
    double[] g = new double[3];
    for (int i = 0; i < data.n(); i++) {
      double s = loss.logNegDerivative(data.margins[i]);
      double e = Math.exp(s - mb - 40);
      for (int j = 0; j < 3; j++) {
        g[j] += e * data.grads[i][j];
      }
      perRow.addWeightedGradient(s, data.grads[i]);
    }
    shifted.addWeightedGradient(mb + 40, g);
    assertMatches(expected, shifted.summarize(1.0), data, "shifted scale");
    assertMatches(expected, perRow.summarize(1.0), data, "per-row scales");
  }

  @Test
  void gradientIsZeroWhenNoneWasAdded() {
    MarginAccumulator acc = new MarginAccumulator(ExponentialLoss.INSTANCE, 3);
    acc.add(new double[] {1, 2, 3}, 3);
    assertArrayEquals(new double[3], acc.summarize(1.0).lambdaGradient());
  }

  @Test
  void emptyAccumulatorSummarizesToNaN() {
    MarginSummary s = new MarginAccumulator(ExponentialLoss.INSTANCE, 2).summarize(1.0);
    assertEquals(0, s.n());
    assertTrue(Double.isNaN(s.logLoss()) && Double.isNaN(s.minMargin()));
    assertTrue(Double.isNaN(s.effectiveSupport()) && Double.isNaN(s.lambdaGradient()[0]));
    assertEquals(MarginQuantiles.NOT_AVAILABLE, s.quantiles());
    assertArrayEquals(new long[7], s.nearSupport());
    assertFalse(s.nonFinite());
  }

  @Test
  void nonFiniteMarginsAreFlaggedCountedAndLeftOut() {
    MarginTestData data = MarginTestData.gaussian(31, 400, 2, 2.0);
    Loss loss = LogisticLoss.INSTANCE;
    MarginAccumulator clean = data.oneShot(loss);

    double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    MarginAccumulator dirty = data.oneShot(loss);
    MarginAccumulator part = new MarginAccumulator(loss, 2);
    part.add(bad, bad.length);
    dirty.merge(part);

    MarginSummary c = clean.summarize(NORM_POW_L);
    MarginSummary s = dirty.summarize(NORM_POW_L);
    assertTrue(s.nonFinite());
    assertFalse(c.nonFinite());
    assertEquals(403, s.n());
    // NaN and −∞ are errors, +∞ is not.
    assertEquals(Math.round(c.errorRate() * 400) + 2, Math.round(s.errorRate() * 403));
    assertEquals(c.minMargin(), s.minMargin());
    assertEquals(c.maxMargin(), s.maxMargin());
    assertEquals(c.logSumLoss(), s.logSumLoss());
    assertEquals(c.quantiles(), s.quantiles());
    assertArrayEquals(c.nearSupport(), s.nearSupport());
    assertEquals(c.effectiveSupport(), s.effectiveSupport());
    assertEquals(c.lambdaMargin(), s.lambdaMargin());
    assertArrayEquals(c.lambdaGradient(), s.lambdaGradient());

    // The flag survives merging into a clean accumulator, in either direction.
    assertTrue(data.oneShot(loss).merge(part).summarize(1.0).nonFinite());
    MarginAccumulator part2 = new MarginAccumulator(loss, 2);
    part2.add(new double[] {1.0, Double.NaN}, 2);
    assertTrue(part2.merge(data.oneShot(loss)).summarize(1.0).nonFinite());

    MarginAccumulator nanGradient = data.oneShot(loss);
    nanGradient.addWeightedGradient(0.0, new double[] {1.0, Double.NaN});
    assertTrue(nanGradient.summarize(1.0).nonFinite());
    MarginAccumulator nanScale = data.oneShot(loss);
    nanScale.addWeightedGradient(Double.NaN, new double[2]);
    assertTrue(nanScale.summarize(1.0).nonFinite());
  }

  @Test
  void allMarginsNonFinite() {
    MarginAccumulator acc = new MarginAccumulator(ExponentialLoss.INSTANCE, 1);
    acc.add(new double[] {Double.NaN, Double.NaN}, 2);
    MarginSummary s = acc.summarize(1.0);
    assertTrue(s.nonFinite());
    assertEquals(2, s.n());
    assertEquals(1.0, s.errorRate());
    assertTrue(Double.isNaN(s.minMargin()) && Double.isNaN(s.logLoss()));
  }

  @ParameterizedTest
  @MethodSource("losses")
  void javaSerializationKeepsTheSummary(Loss loss) throws Exception {
    // Exact-quantile mode; continuing to add after the round trip stays bit-identical.
    MarginTestData data = MarginTestData.gaussian(41, 3000, 4, 3.0);
    MarginAccumulator original = new MarginAccumulator(loss, 4);
    data.feed(original, 0, 2000);
    MarginAccumulator copy = roundTrip(original);
    assertEquals(original.summarize(NORM_POW_L), copy.summarize(NORM_POW_L));
    data.feed(original, 2000, 3000);
    data.feed(copy, 2000, 3000);
    assertEquals(original.summarize(NORM_POW_L), copy.summarize(NORM_POW_L));

    // Sketch mode (margins spread wide, so the near-support window stays small).
    MarginTestData big = MarginTestData.gaussian(42, 100_000, 4, 300.0);
    MarginAccumulator sketched =
        MarginTestData.leftFold(
            big.perBlock(loss, MarginTestData.randomCuts(new SplittableRandom(43), 100_000, 8)));
    assertFalse(sketched.hasExactQuantiles());
    byte[] bytes = serialize(sketched);
    // Size: 12 bytes per non-empty sketch bucket, 8 per near-support margin, a small overhead.
    long bound = 12L * bucketsOf(big.margins) + 8L * sketched.nearSupportWindowSize() + 2000;
    assertTrue(bytes.length < bound, "sketch-mode accumulator: " + bytes.length + " ≥ " + bound);
    MarginAccumulator sketchedCopy = deserialize(bytes);
    assertEquals(sketched.summarize(NORM_POW_L), sketchedCopy.summarize(NORM_POW_L));
    assertEquals(loss, sketchedCopy.loss());
    sketchedCopy.merge(roundTrip(copy));
    assertEquals(103_000, sketchedCopy.summarize(NORM_POW_L).n());
  }

  @Test
  void rejectsBadArguments() {
    MarginAccumulator acc = new MarginAccumulator(ExponentialLoss.INSTANCE, 2);
    assertThrows(IllegalArgumentException.class, () -> new MarginAccumulator(acc.loss(), -1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> acc.add(new double[2], 3));
    assertTrue(e.getMessage().startsWith("count:"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> acc.add(new double[2], -1));
    e =
        assertThrows(
            IllegalArgumentException.class, () -> acc.addWeightedGradient(0, new double[3]));
    assertTrue(e.getMessage().startsWith("g:"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> acc.merge(acc));
    assertThrows(
        IllegalArgumentException.class,
        () -> acc.merge(new MarginAccumulator(LogisticLoss.INSTANCE, 2)));
    assertThrows(
        IllegalArgumentException.class,
        () -> acc.merge(new MarginAccumulator(ExponentialLoss.INSTANCE, 3)));
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      e = assertThrows(IllegalArgumentException.class, () -> acc.summarize(bad));
      assertTrue(e.getMessage().startsWith("normPowL:"), e.getMessage());
    }
  }

  private static int bucketsOf(double[] margins) {
    LogBucketQuantileSketch s = new LogBucketQuantileSketch();
    for (double p : margins) {
      s.add(p);
    }
    return s.bucketCount();
  }

  /** Exact fields equal; sums within rounding. */
  static void assertMatches(
      MarginSummary ref, MarginSummary got, MarginTestData data, String what) {
    assertEquals(ref.n(), got.n(), what + ": n");
    assertEquals(ref.errorRate(), got.errorRate(), what + ": errorRate");
    assertEquals(ref.minMargin(), got.minMargin(), what + ": min");
    assertEquals(ref.maxMargin(), got.maxMargin(), what + ": max");
    assertEquals(ref.normalizedMargin(), got.normalizedMargin(), what + ": normalized margin");
    assertEquals(ref.quantiles(), got.quantiles(), what + ": quantiles");
    assertArrayEquals(ref.nearSupport(), got.nearSupport(), what + ": near support");
    assertEquals(ref.nonFinite(), got.nonFinite(), what + ": nonFinite");
    double logScale = 1 + Math.abs(ref.logSumLoss());
    assertClose(ref.logSumLoss(), got.logSumLoss(), 0, SUM_REL_TOL * logScale, what + ": log S");
    assertClose(ref.logLoss(), got.logLoss(), 0, SUM_REL_TOL * logScale, what + ": log 𝓛");
    assertClose(
        ref.smoothedMargin(),
        got.smoothedMargin(),
        SUM_REL_TOL,
        SUM_REL_TOL,
        what + ": smoothed margin");
    assertClose(
        ref.logSumNegDerivative(),
        got.logSumNegDerivative(),
        0,
        SUM_REL_TOL * (1 + Math.abs(ref.logSumNegDerivative())),
        what + ": log Σ|ℓ'|");
    assertClose(ref.effectiveSupport(), got.effectiveSupport(), SUM_REL_TOL, 0, what + ": 1/Σλ²");
    double maxAbsMargin = Math.max(Math.abs(ref.minMargin()), Math.abs(ref.maxMargin()));
    assertClose(
        ref.lambdaMargin(),
        got.lambdaMargin(),
        SUM_REL_TOL,
        SIGNED_SCALE_TOL * maxAbsMargin,
        what + ": Σλp");
    double maxGradNorm = 0;
    for (double[] a : data.grads) {
      maxGradNorm = Math.max(maxGradNorm, MarginTestData.norm(a));
    }
    assertVectorClose(
        ref.lambdaGradient(),
        got.lambdaGradient(),
        SUM_REL_TOL,
        SIGNED_SCALE_TOL * maxGradNorm,
        what + ": ḡ");
  }

  static MarginAccumulator roundTrip(MarginAccumulator acc)
      throws IOException, ClassNotFoundException {
    return deserialize(serialize(acc));
  }

  static byte[] serialize(MarginAccumulator acc) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(acc);
    }
    return bytes.toByteArray();
  }

  static MarginAccumulator deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (MarginAccumulator) in.readObject();
    }
  }
}

package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Merging partial sums: {@code mergeTaking} gives the same numbers as {@code merge}, copy-free; the
 * merge's entries are a·g + b·o as one loop forms them, and its built-in finiteness check finds a
 * NaN or ±∞ in any position of either part (so {@code nonFinite} needs no pass of its own).
 */
class BatchGradientTest {

  private static BatchGradient part(double frame, double... g) {
    return BatchGradient.restore(g.length, 3, frame, frame + 0.5, -1.0, 0.25, false, g);
  }

  @Test
  void mergeTakingEqualsMergeAndAdoptsTheFirstPartsArray() {
    BatchGradient first = part(2.0, 1.0, -2.0, 3.0);
    BatchGradient second = part(-1.0, 0.5, 0.5, -4.0);
    BatchGradient copied = new BatchGradient(3).merge(first).merge(second);
    BatchGradient firstAgain = part(2.0, 1.0, -2.0, 3.0);
    BatchGradient taken =
        new BatchGradient(3).mergeTaking(firstAgain).mergeTaking(part(-1.0, 0.5, 0.5, -4.0));
    assertArrayEquals(copied.gradient(), taken.gradient());
    assertEquals(copied.logFrame(), taken.logFrame());
    assertEquals(copied.logSumNegDerivative(), taken.logSumNegDerivative());
    assertEquals(copied.weightedMarginSum(), taken.weightedMarginSum());
    assertEquals(6, taken.count());
    assertSame(firstAgain.gradientOrNull(), taken.gradientOrNull(), "adopted, not copied");
    assertNotSame(first.gradientOrNull(), copied.gradientOrNull(), "merge copies");
    assertArrayEquals(new double[] {1.0, -2.0, 3.0}, first.gradient(), "merge leaves its input");
  }

  @Test
  void mergedEntriesHaveTheBitsOfTheEntryByEntryFormula() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int d : new int[] {1, 3, 4, 5, 8, 1023}) {
      double[] g = rnd.doubles(d, -1e3, 1e3).toArray();
      double[] o = rnd.doubles(d, -1e-3, 1e-3).toArray();
      g[0] = -0.0;
      o[0] = 0.0;
      BatchGradient merged = new BatchGradient(d).merge(part(0.3, g)).merge(part(-2.0, o));
      double f = io.marginflow.common.loss.LogSpace.logAddExp(0.3, -2.0);
      double a = Math.exp(0.3 - f);
      double b = Math.exp(-2.0 - f);
      double[] expected = new double[d];
      for (int j = 0; j < d; j++) {
        expected[j] = a * g[j] + b * o[j];
      }
      assertArrayEquals(expected, merged.gradient(), "d = " + d);
      assertFalse(merged.nonFinite(), "d = " + d);
    }
  }

  @Test
  void aNonFiniteEntryAnywhereInEitherPartIsFoundByTheMerge() {
    int d = 11;
    for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -Double.MAX_VALUE}) {
      for (int pos = 0; pos < d; pos++) {
        for (int side = 0; side < 2; side++) {
          double[] g = new double[d];
          double[] o = new double[d];
          java.util.Arrays.fill(g, 1.5);
          java.util.Arrays.fill(o, -0.5);
          (side == 0 ? g : o)[pos] = bad;
          // frames 0 and 0: a = b = 1/2, so −MAX_VALUE/2 stays finite: only NaN and ∞ count
          BatchGradient merged = new BatchGradient(d).mergeTaking(part(0.0, g));
          assertFalse(merged.nonFinite() && Double.isFinite(bad));
          merged.merge(part(0.0, o));
          assertEquals(
              !Double.isFinite(bad),
              merged.nonFinite(),
              "bad " + bad + " at " + pos + " in part " + side);
        }
      }
    }
  }

  @Test
  void anAdoptedArrayIsStillScannedForNonFiniteEntries() {
    double[] g = {1.0, Double.NaN, 2.0};
    BatchGradient sum = new BatchGradient(3).mergeTaking(part(0.0, g));
    assertTrue(sum.nonFinite(), "a taken part's entries were never merged, so they are scanned");
  }

  @Test
  void aDeferredMergeGivesTheMergesBitsToWhoeverReadsTheGradientFirst() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int d : new int[] {1, 4, 7, 1023}) {
      double[] g = rnd.doubles(d, -1e3, 1e3).toArray();
      double[] o = rnd.doubles(d, -1e-2, 1e-2).toArray();
      BatchGradient merged = part(0.7, g.clone()).mergeTaking(part(-1.5, o.clone()));
      BatchGradient deferred = part(0.7, g.clone()).mergeDeferred(part(-1.5, o.clone()));
      assertTrue(deferred.pending() != null, "d = " + d + ": combine left pending");
      assertEquals(merged.logFrame(), deferred.logFrame());
      assertEquals(merged.logSumNegDerivative(), deferred.logSumNegDerivative());
      assertEquals(merged.weightedMarginSum(), deferred.weightedMarginSum());
      assertEquals(merged.minMargin(), deferred.minMargin());
      assertEquals(merged.count(), deferred.count());
      assertFalse(deferred.knownNonFinite());
      assertArrayEquals(merged.gradient(), deferred.gradient(), "d = " + d);
      assertTrue(deferred.pending() == null, "reading G did the combine");
      assertFalse(deferred.nonFinite());
    }
  }

  @Test
  void aDeferredMergeOfANonFinitePartIsFoundByNonFiniteButNotByKnownNonFinite() {
    for (double bad : new double[] {Double.NaN, Double.NEGATIVE_INFINITY}) {
      double[] o = {1.0, bad, 2.0};
      BatchGradient deferred = part(0.0, 1.0, 1.0, 1.0).mergeDeferred(part(0.0, o));
      assertFalse(deferred.knownNonFinite(), "nothing scanned yet");
      assertTrue(deferred.nonFinite(), "bad " + bad);
      assertTrue(deferred.knownNonFinite(), "now known");
    }
  }

  @Test
  void aMergeIntoOrFromADeferredSumDoesThePendingCombineFirst() {
    double[] g = {1.0, -2.0, 3.0};
    double[] o = {0.5, 0.5, -4.0};
    double[] q = {8.0, 0.0, 1.0};
    BatchGradient plain =
        part(1.0, g.clone()).mergeTaking(part(0.0, o.clone())).mergeTaking(part(-1.0, q.clone()));
    BatchGradient deferred =
        part(1.0, g.clone()).mergeDeferred(part(0.0, o.clone())).mergeTaking(part(-1.0, q.clone()));
    assertArrayEquals(plain.gradient(), deferred.gradient());
    BatchGradient other = part(1.0, g.clone()).mergeDeferred(part(0.0, o.clone()));
    BatchGradient into = part(-1.0, q.clone()).mergeTaking(other);
    BatchGradient expected =
        part(-1.0, q.clone()).mergeTaking(part(1.0, g.clone()).mergeTaking(part(0.0, o.clone())));
    assertArrayEquals(expected.gradient(), into.gradient());
  }

  @Test
  void javaSerializationOfADeferredMergeCarriesTheCombinedGradient() throws Exception {
    BatchGradient deferred = part(0.4, 1.0, 2.0, -3.0).mergeDeferred(part(-0.6, 0.5, -0.5, 8.0));
    BatchGradient merged = part(0.4, 1.0, 2.0, -3.0).mergeTaking(part(-0.6, 0.5, -0.5, 8.0));
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(deferred);
    }
    BatchGradient back;
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      back = (BatchGradient) in.readObject();
    }
    assertArrayEquals(merged.gradient(), back.gradient());
    assertEquals(merged.logFrame(), back.logFrame());
    assertEquals(merged.count(), back.count());
  }
}

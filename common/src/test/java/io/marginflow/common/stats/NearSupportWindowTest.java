package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The near-support window stays bounded however many margins bunch near the minimum (early in
 * training all of them can), and its counts are exact while it holds at most {@link
 * NearSupportWindow#EXACT_CAPACITY} values, else within the population of the bin straddling each
 * threshold (issue 13 A6).
 */
class NearSupportWindowTest {

  private static long[] bruteForce(double[] v) {
    double min = Double.POSITIVE_INFINITY;
    for (double x : v) {
      min = Math.min(min, x);
    }
    long[] c = new long[NearSupportWindow.LEVELS];
    for (double x : v) {
      for (int j = 1; j <= NearSupportWindow.LEVELS; j++) {
        if (x < min + j * NearSupportWindow.LN10) {
          c[j - 1]++;
        }
      }
    }
    return c;
  }

  /** n margins spread uniformly over [lo, lo + width), seeded, offered in two merged halves. */
  private static NearSupportWindow windowOf(double[] v) {
    NearSupportWindow a = new NearSupportWindow();
    NearSupportWindow b = new NearSupportWindow();
    for (int i = 0; i < v.length; i++) {
      NearSupportWindow w = i % 2 == 0 ? a : b;
      w.lowerMin(v[i]);
      w.offer(v[i]);
    }
    a.merge(b);
    return a;
  }

  private static double[] uniform(int n, double lo, double width, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + width * r.nextDouble();
    }
    return v;
  }

  @Test
  void countsAreExactUpToTheCapacity() {
    double[] v = uniform(NearSupportWindow.EXACT_CAPACITY - 10, 3.0, 20.0, 1);
    NearSupportWindow w = windowOf(v);
    assertTrue(w.exact());
    assertArrayEquals(bruteForce(v), w.counts());
  }

  @Test
  void memoryIsBoundedWhenEveryMarginIsNearTheMinimum() throws Exception {
    int n = 200_000;
    double[] v = uniform(n, -2.0, 15.0, 2); // all within 7·ln 10 ≈ 16.1 of the minimum
    NearSupportWindow w = windowOf(v);
    assertFalse(w.exact());
    assertTrue(w.size() <= 2 * NearSupportWindow.EXACT_CAPACITY, "exact values: " + w.size());
    assertTrue(w.bins() <= 1100, "bins: " + w.bins());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(w);
    }
    // O(capacity + bins), not O(n) = 1.6 MB of doubles.
    assertTrue(bytes.size() < 150_000, "serialized: " + bytes.size() + " bytes");
    long[] exact = bruteForce(v);
    long[] got = w.counts();
    long perBin = (long) (n / 15.0 * NearSupportWindow.BIN) + 200;
    for (int j = 0; j < exact.length; j++) {
      assertTrue(
          Math.abs(exact[j] - got[j]) <= perBin,
          "level " + (j + 1) + ": " + got[j] + " vs " + exact[j] + " (≤ one bin " + perBin + ")");
    }
    assertTrue(got[6] == n, "every margin is within 7·ln 10: " + got[6]);
  }

  @Test
  void valuesLeaveTheWindowWhenTheMinimumDrops() {
    double[] v = uniform(50_000, 100.0, 10.0, 3);
    NearSupportWindow w = windowOf(v);
    assertFalse(w.exact());
    // A new minimum 30 below: every earlier value leaves the window (binned ones too).
    w.lowerMin(70.0);
    w.offer(70.0);
    assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1}, w.counts());
    assertTrue(w.bins() == 0 && w.size() == 1);
  }
}

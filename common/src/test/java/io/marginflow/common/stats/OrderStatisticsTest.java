package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Quickselect against a full sort: the same bits at the selected rank, and a valid partition. */
class OrderStatisticsTest {

  private static double[] data(SplittableRandom rnd, int n, int kind) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] =
          switch (kind) {
            case 0 -> rnd.nextGaussian();
            case 1 -> rnd.nextInt(5) - 2.0; // many ties
            case 2 -> i; // sorted
            case 3 -> n - i; // reversed
            default ->
                new double[] {-0.0, 0.0, Double.NaN, -1, 1, Double.NEGATIVE_INFINITY}
                    [rnd.nextInt(6)];
          };
    }
    return a;
  }

  @Test
  void everyRankHasTheBitsOfAFullSort() {
    SplittableRandom rnd = new SplittableRandom(3);
    for (int kind = 0; kind < 5; kind++) {
      for (int n : new int[] {1, 2, 3, 15, 16, 17, 100, 1000}) {
        double[] a = data(rnd, n, kind);
        double[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int k = 0; k < n; k += Math.max(1, n / 37)) {
          double[] s = a.clone();
          OrderStatistics.select(s, 0, n, k);
          assertEquals(
              Double.doubleToRawLongBits(sorted[k]),
              Double.doubleToRawLongBits(s[k]),
              "kind " + kind + ", n " + n + ", k " + k);
          for (int i = 0; i < n; i++) {
            int c = Double.compare(s[i], s[k]);
            assertTrue(i < k ? c <= 0 : i > k ? c >= 0 : c == 0, "partition at " + i);
          }
          double[] back = s.clone();
          Arrays.sort(back);
          assertTrue(Arrays.equals(sorted, back), "a permutation of the input");
        }
      }
    }
    assertThrows(
        IllegalArgumentException.class, () -> OrderStatistics.select(new double[3], 0, 3, 3));
  }

  @Test
  void successiveSelectionsOnShrinkingRangesGiveEveryRank() {
    SplittableRandom rnd = new SplittableRandom(9);
    double[] a = data(rnd, 5000, 1);
    double[] sorted = a.clone();
    Arrays.sort(sorted);
    int[] ks = {49, 249, 1249, 2499, 3749, 4749};
    int from = 0;
    for (int k : ks) {
      OrderStatistics.select(a, from, a.length, k);
      from = k + 1;
    }
    for (int k : ks) {
      assertEquals(sorted[k], a[k], "rank " + k);
    }
  }
}

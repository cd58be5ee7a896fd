package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class FeistelPermutationTest {

  @Test
  void isAPermutationOfZeroToNMinusOne() {
    long[] sizes = {1, 2, 3, 4, 5, 7, 8, 9, 97, 255, 256, 257, 1000, 1025, 65_537};
    for (long n : sizes) {
      int half = FeistelPermutation.halfBits(n);
      assertTrue(1L << (2 * half) >= n, "domain covers n = " + n);
      assertTrue(n == 1 || (1L << (2 * half)) < 4 * n, "domain < 4n for n = " + n);
      for (long key : new long[] {0, 1, -1, 0x123456789abcdefL}) {
        BitSet seen = new BitSet((int) n);
        for (long x = 0; x < n; x++) {
          long y = FeistelPermutation.apply(x, n, half, key);
          assertTrue(y >= 0 && y < n, "in range");
          assertFalse(seen.get((int) y), "n=" + n + " key=" + key + ": " + y + " hit twice");
          seen.set((int) y);
        }
        assertEquals(n, seen.cardinality());
      }
    }
  }

  @Test
  void halfBits() {
    assertEquals(1, FeistelPermutation.halfBits(1));
    assertEquals(1, FeistelPermutation.halfBits(4));
    assertEquals(2, FeistelPermutation.halfBits(5)); // ⌈log₂ 5⌉ = 3 → 2·2 = 4 bits
    assertEquals(20, FeistelPermutation.halfBits(1_000_000_000_000L)); // 40 bits
    assertEquals(31, FeistelPermutation.halfBits(FeistelPermutation.MAX_SIZE));
  }

  @Test
  void differentKeysGiveDifferentPermutations() {
    long n = 1000;
    int half = FeistelPermutation.halfBits(n);
    int same = 0;
    for (long x = 0; x < n; x++) {
      if (FeistelPermutation.apply(x, n, half, 1) == FeistelPermutation.apply(x, n, half, 2)) {
        same++;
      }
    }
    // two unrelated permutations agree at about one point (Poisson(1)); 10 is 1e−7 unlikely
    assertTrue(same < 10, "fixed points shared: " + same);
  }
}

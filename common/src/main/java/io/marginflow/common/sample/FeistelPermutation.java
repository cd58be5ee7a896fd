package io.marginflow.common.sample;

/**
 * A keyed pseudorandom permutation π of {0..n−1} that can be evaluated at any position in O(1)
 * expected time, without materializing it: π = W ∘ τ, where
 *
 * <ul>
 *   <li>W is a balanced Feistel network on 2h bits, h = max(1, ⌈⌈log₂ n⌉/2⌉), restricted to
 *       {0..n−1} by cycle-walking (re-apply the network until the value falls below n). The network
 *       is a bijection of [0, 4^h) and 4^h &lt; 4n, so cycle-walking takes fewer than 4 passes on
 *       average and always ends on the cycle of the start value. Round r maps (L, R) to (R, L ⊕
 *       F_r(R)) with F_r(R) = low h bits of mix64((key + (r+1)·γ) ⊕ R), a keyed 64-bit mix
 *       (splitmix64's finalizer). {@link #rounds} = max(6, ⌈24/h⌉): Luby–Rackoff needs 4 for large
 *       halves; tiny halves (n ≤ 64) need more to mix.
 *   <li>τ swaps positions 0 and 1 or not, by one key bit. Feistel permutations with h ≥ 2 are all
 *       even (for n = 4^h, W could never be odd), and cycle-walking keeps a strong parity bias;
 *       since batches are sets this is only visible with n_b = 1, where it would make the epoch
 *       order non-uniform (measured: n = 1000 gave 2% odd orders instead of 50%). τ makes the
 *       parity a fair coin.
 * </ul>
 */
final class FeistelPermutation {

  /** Fewest Feistel rounds used (Luby–Rackoff needs 4 for a strong PRP; 6 gives margin). */
  static final int MIN_ROUNDS = 6;

  /** Largest supported n, so that 2h ≤ 62 and every value stays a non-negative long. */
  static final long MAX_SIZE = 1L << 62;

  /** Tag for the key bit that chooses τ. */
  private static final long PARITY_TAG = 0x2545f4914f6cdd1dL;

  private FeistelPermutation() {}

  /** h, the number of bits of each half, for a domain of size n. */
  static int halfBits(long n) {
    assert n >= 1 && n <= MAX_SIZE : "n out of range: " + n;
    int bits = 64 - Long.numberOfLeadingZeros(n - 1); // ⌈log₂ n⌉, 0 for n = 1
    return Math.max(1, (bits + 1) / 2);
  }

  /** Rounds of the network for halves of {@code half} bits: max(6, ⌈24/h⌉). */
  static int rounds(int half) {
    return Math.max(MIN_ROUNDS, (24 + half - 1) / half);
  }

  /** π(x) for 0 ≤ x &lt; n, where {@code half = halfBits(n)} and {@code key} selects π. */
  static long apply(long x, long n, int half, long key) {
    assert x >= 0 && x < n : "position out of range: " + x;
    long y = x;
    if (y < 2 && n >= 2 && (Mix.mix64(key ^ PARITY_TAG) & 1L) != 0) {
      y = 1 - y; // τ
    }
    int rounds = rounds(half);
    do {
      y = network(y, half, rounds, key);
    } while (y >= n);
    return y;
  }

  /** One pass of the Feistel network: a bijection of [0, 2^{2·half}). */
  static long network(long x, int half, int rounds, long key) {
    final long mask = (1L << half) - 1;
    long left = x >>> half;
    long right = x & mask;
    long roundKey = key;
    for (int r = 0; r < rounds; r++) {
      roundKey += Mix.GOLDEN_GAMMA;
      long next = left ^ (Mix.mix64(roundKey ^ right) & mask);
      left = right;
      right = next;
    }
    return (left << half) | right;
  }
}

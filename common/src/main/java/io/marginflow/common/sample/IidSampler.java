package io.marginflow.common.sample;

import java.util.Arrays;

/**
 * The paper's sampler (science.md §3): B_k is a uniformly random subset of size n_b of {0..n−1},
 * drawn independently at every step.
 *
 * <p>Algorithm, a pure function of (seed, k): the step key is {@code mix64(mix64(seed ^ P) +
 * (k+1)·γ)} (P a fixed purpose tag, γ the splitmix64 golden gamma, see {@link Mix#key}); a
 * SplittableRandom stream seeded with that key (written out inline, bit-for-bit the stream of
 * {@code new SplittableRandom(key)} and its {@code nextLong(bound)}) drives Floyd's algorithm: for
 * j = n−n_b .. n−1 draw t uniform in [0, j] and add t, or j if t is already chosen. Membership uses
 * an open-addressing hash table of capacity ≥ 2·n_b, so a draw costs O(n_b) whatever n is. Only the
 * members in the requested range are kept and sorted.
 *
 * <p>The hash table is a per-thread scratch array (a static {@link ThreadLocal}, grown to the
 * largest batch seen on that thread), so {@link #batchInRange(long, long, long, long[])} allocates
 * nothing after the first call and the sampler stays immutable and thread-safe.
 */
public record IidSampler(long datasetSize, int batchSize, long seed) implements MinibatchSampler {

  private static final long serialVersionUID = 1L;

  /** Largest batch the hash table supports (table capacity ≤ 2^30 longs). */
  public static final int MAX_BATCH_SIZE = 1 << 29;

  private static final long EMPTY = -1L;

  private static final ThreadLocal<long[]> TABLE = ThreadLocal.withInitial(() -> new long[0]);

  /** Validates 1 ≤ batchSize ≤ min(datasetSize, {@link #MAX_BATCH_SIZE}). */
  public IidSampler {
    SamplerChecks.checkSizes(datasetSize, batchSize);
    if (batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "batchSize: must be ≤ " + MAX_BATCH_SIZE + " for iid, got " + batchSize);
    }
  }

  @Override
  public SamplerKind kind() {
    return SamplerKind.IID;
  }

  /** ⌈n/n_b⌉: about one pass worth of rows (iid has no real epochs). */
  @Override
  public long stepsPerEpoch() {
    return (datasetSize + batchSize - 1) / batchSize;
  }

  @Override
  public int batchInRange(long step, long lo, long hi, long[] out) {
    SamplerChecks.checkRange(this, step, lo, hi, out);
    if (lo == hi) {
      return 0;
    }
    final int capacity = Math.max(16, Integer.highestOneBit(batchSize - 1) << 2); // ≥ 2·n_b, 2^m
    final int shift = 64 - Integer.numberOfTrailingZeros(capacity);
    final int mask = capacity - 1;
    long[] table = TABLE.get();
    if (table.length < capacity) {
      table = new long[capacity];
      TABLE.set(table);
    }
    Arrays.fill(table, 0, capacity, EMPTY);

    long state = Mix.key(seed, Mix.PURPOSE_IID, step);
    int count = 0;
    for (long j = datasetSize - batchSize; j < datasetSize; j++) {
      // t = SplittableRandom.nextLong(j + 1), as in java.util.random.RandomSupport.boundedNextLong
      final long bound = j + 1;
      final long m = j;
      state += Mix.GOLDEN_GAMMA;
      long t = Mix.mix64(state);
      if ((bound & m) == 0L) {
        t &= m;
      } else {
        long u = t >>> 1;
        while (u + m - (t = u % bound) < 0L) {
          state += Mix.GOLDEN_GAMMA;
          u = Mix.mix64(state) >>> 1;
        }
      }
      // Floyd: insert t, or j if t is already a member (j is never a member yet: all earlier draws
      // ≤ j−1)
      int slot = (int) ((t * Mix.GOLDEN_GAMMA) >>> shift);
      long member = t;
      while (true) {
        long v = table[slot];
        if (v == EMPTY) {
          break;
        }
        if (v == t) {
          member = j;
          slot = (int) ((j * Mix.GOLDEN_GAMMA) >>> shift);
          while (table[slot] != EMPTY) {
            slot = (slot + 1) & mask;
          }
          break;
        }
        slot = (slot + 1) & mask;
      }
      table[slot] = member;
      if (member >= lo && member < hi) {
        out[count++] = member;
      }
    }
    Arrays.sort(out, 0, count);
    return count;
  }
}

package io.marginflow.common.stats;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Sparse bucket counts of one sign of a {@link LogBucketQuantileSketch}: sorted int bucket keys
 * with long counts (two parallel arrays, exactly as long as the number of non-empty buckets) plus
 * an unsorted buffer of keys added since the last flush, sorted and merged in when it fills up or
 * before any read. An add to an existing bucket is a binary search; a new key costs O(log P) for
 * sorting a buffer of P keys plus an amortized share of the O(buckets) merge; no object is
 * allocated per key.
 *
 * <p><b>Collapsing lowest.</b> When there are more than {@link #maxBuckets} non-empty buckets, let
 * t be the {@code maxBuckets}-th largest key; all counts with a key below t are added into t,
 * leaving exactly {@code maxBuckets} buckets (the strategy of DDSketch's collapsing-lowest store,
 * Masson, Rim &amp; Lee, VLDB 2019, §2, applied to the number of non-empty buckets rather than the
 * index range). The result depends only on the multiset of keys ever added, not on the order of
 * adds, flushes and merges: a collapse at an intermediate state uses a threshold t' ≤ t (t' is the
 * limit-th largest key of a sub-multiset), every key above t' keeps its exact count, and the final
 * flush of the full multiset has at least {@code maxBuckets} distinct keys ≥ t', so it collapses
 * again onto the same t as one-shot feeding would. Counts above t are exact; bucket t holds
 * everything at or below it.
 *
 * <p>Not thread-safe. Reads, merges, {@code equals} and serialization flush the buffer first (the
 * logical state is unchanged; {@link #mergeFrom} does not modify its argument).
 */
final class SparseBucketStore implements Serializable {

  private static final long serialVersionUID = 2L;

  /** Smallest capacity of the key buffer. */
  private static final int MIN_PENDING = 1024;

  private static final int[] NO_KEYS = new int[0];
  private static final long[] NO_COUNTS = new long[0];

  private final int maxBuckets;

  /**
   * Sorted, strictly increasing keys of the non-empty flushed buckets; length = bucket count.
   * Serialized with {@link #counts} as varints (see {@link #writeObject}).
   */
  private transient int[] keys = NO_KEYS;

  /** Counts (each ≥ 1) parallel to {@link #keys}. */
  private transient long[] counts = NO_COUNTS;

  /**
   * True once a collapse happened (equivalently: the multiset has more distinct keys than allowed);
   * then {@code keys[0]} is the collapsed bucket t and the flushed arrays hold exactly maxBuckets.
   */
  private boolean collapsed;

  /** Total count, flushed and buffered. */
  private long total;

  private transient int[] pending;
  private transient int pendingSize;

  /** An empty store keeping at most {@code maxBuckets} ≥ 1 non-empty buckets. */
  SparseBucketStore(int maxBuckets) {
    if (maxBuckets < 1) {
      throw new IllegalArgumentException("maxBuckets: expected ≥ 1, got " + maxBuckets);
    }
    this.maxBuckets = maxBuckets;
  }

  int maxBuckets() {
    return maxBuckets;
  }

  /** Total count of keys added. */
  long total() {
    return total;
  }

  /** True once buckets were collapsed. */
  boolean isCollapsed() {
    flush();
    return collapsed;
  }

  /** Number of non-empty buckets. */
  int bucketCount() {
    flush();
    return keys.length;
  }

  /** Key of the bucket at {@code position} in ascending key order (after {@link #flush}). */
  int keyAt(int position) {
    return keys[position];
  }

  /** Count of the bucket at {@code position} in ascending key order (after {@link #flush}). */
  long countAt(int position) {
    return counts[position];
  }

  /**
   * Counts one more value in bucket {@code key}: in place if the bucket is already flushed (or,
   * once collapsed, if it is at or below the collapsed bucket, where a flush would lump it anyway),
   * otherwise through the buffer.
   */
  void add(int key) {
    int n = keys.length;
    if (n > 0) {
      if (collapsed && key <= keys[0]) {
        counts[0]++;
        total++;
        return;
      }
      int p = Arrays.binarySearch(keys, key);
      if (p >= 0) {
        counts[p]++;
        total++;
        return;
      }
    }
    if (pending == null || pendingSize == pending.length) {
      flush();
      if (pending == null || pending.length < Math.max(MIN_PENDING, keys.length / 2)) {
        pending = new int[Math.max(MIN_PENDING, keys.length / 2)];
      }
    }
    pending[pendingSize++] = key;
    total++;
  }

  /** Adds the counts of {@code other} (logically unchanged) to this; the limits must agree. */
  void mergeFrom(SparseBucketStore other) {
    assert other != this && other.maxBuckets == maxBuckets;
    if (other.total == 0) {
      return;
    }
    flush();
    if (other.keys.length > 0) {
      mergeSorted(other.keys, other.counts, other.keys.length);
    }
    collapsed |= other.collapsed;
    total += other.total - other.pendingSize; // the buffered ones are counted by add below
    for (int i = 0; i < other.pendingSize; i++) {
      add(other.pending[i]);
    }
    flush();
  }

  /** Sorts the buffered keys into the bucket arrays and collapses if needed. */
  void flush() {
    if (pendingSize == 0) {
      return;
    }
    int[] buf = pending;
    Arrays.sort(buf, 0, pendingSize);
    // Run-length encode the sorted buffer in place: distinct keys in buf, counts in runCounts.
    long[] runCounts = new long[pendingSize];
    int runs = 0;
    for (int i = 0; i < pendingSize; i++) {
      if (runs > 0 && buf[runs - 1] == buf[i]) {
        runCounts[runs - 1]++;
      } else {
        buf[runs] = buf[i];
        runCounts[runs] = 1;
        runs++;
      }
    }
    pendingSize = 0;
    mergeSorted(buf, runCounts, runs);
  }

  /** Merges sorted distinct keys with positive counts into the bucket arrays, then collapses. */
  private void mergeSorted(int[] k2, long[] c2, int n2) {
    int n1 = keys.length;
    int[] k = new int[n1 + n2];
    long[] c = new long[n1 + n2];
    int i = 0;
    int j = 0;
    int m = 0;
    while (i < n1 || j < n2) {
      if (j == n2 || (i < n1 && keys[i] < k2[j])) {
        k[m] = keys[i];
        c[m++] = counts[i++];
      } else if (i == n1 || k2[j] < keys[i]) {
        k[m] = k2[j];
        c[m++] = c2[j++];
      } else {
        k[m] = keys[i];
        c[m++] = counts[i++] + c2[j++];
      }
    }
    if (m > maxBuckets) {
      int first = m - maxBuckets; // position of t, the maxBuckets-th largest key
      long lumped = 0;
      for (int p = 0; p <= first; p++) {
        lumped += c[p];
      }
      c[first] = lumped;
      keys = Arrays.copyOfRange(k, first, m);
      counts = Arrays.copyOfRange(c, first, m);
      collapsed = true;
    } else {
      keys = m == k.length ? k : Arrays.copyOf(k, m);
      counts = m == c.length ? c : Arrays.copyOf(c, m);
    }
  }

  /** Same limit, same collapse flag and the same buckets (logical state). */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SparseBucketStore s)) {
      return false;
    }
    flush();
    s.flush();
    return maxBuckets == s.maxBuckets
        && collapsed == s.collapsed
        && total == s.total
        && Arrays.equals(keys, s.keys)
        && Arrays.equals(counts, s.counts);
  }

  @Override
  public int hashCode() {
    flush();
    return (31 * Arrays.hashCode(keys) + Arrays.hashCode(counts)) * 31 + Long.hashCode(total);
  }

  /**
   * The buckets as one byte array of unsigned LEB128 varints (what a partition's evaluation ships
   * to the driver: 2–3 bytes per bucket where the parallel arrays take 12): the bucket count, the
   * first key zigzag-encoded, each further key as (key − previous key − 1), each count as (count −
   * 1).
   */
  private void writeObject(ObjectOutputStream out) throws IOException {
    flush();
    out.defaultWriteObject();
    int n = keys.length;
    byte[] buf = new byte[5 + 15 * n];
    int at = putVarLong(buf, 0, n);
    for (int i = 0; i < n; i++) {
      long key = keys[i];
      at = putVarLong(buf, at, i == 0 ? (key << 1) ^ (key >> 63) : key - keys[i - 1] - 1);
      at = putVarLong(buf, at, counts[i] - 1);
    }
    out.writeInt(at);
    out.write(buf, 0, at);
  }

  private static int putVarLong(byte[] buf, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      buf[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[at++] = (byte) v;
    return at;
  }

  /** Decodes the varints of {@link #writeObject}; {@code pos[0]} is the read position. */
  private static long getVarLong(byte[] buf, int[] pos) throws InvalidObjectException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= buf.length) {
        throw new InvalidObjectException("bucket store: truncated bucket encoding");
      }
      byte b = buf[pos[0]++];
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
    }
    throw new InvalidObjectException("bucket store: varint longer than 64 bits");
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    int length = in.readInt();
    if (length < 1) {
      throw new InvalidObjectException("bucket store: encoding of " + length + " bytes");
    }
    byte[] buf = new byte[length];
    in.readFully(buf);
    int[] pos = {0};
    long n = getVarLong(buf, pos);
    if (n < 0 || n > maxBuckets || n > length) {
      throw new InvalidObjectException(
          "bucket store: " + n + " buckets, expected ≤ maxBuckets = " + maxBuckets);
    }
    keys = new int[(int) n];
    counts = new long[(int) n];
    long key = 0;
    for (int i = 0; i < n; i++) {
      long v = getVarLong(buf, pos);
      key = i == 0 ? (v >>> 1) ^ -(v & 1) : key + v + 1;
      if (key < Integer.MIN_VALUE || key > Integer.MAX_VALUE) {
        throw new InvalidObjectException("bucket store: bucket key " + key + " out of range");
      }
      keys[i] = (int) key;
      counts[i] = getVarLong(buf, pos) + 1;
    }
    if (pos[0] != length) {
      throw new InvalidObjectException(
          "bucket store: " + (length - pos[0]) + " bytes after the last bucket");
    }
    if (maxBuckets < 1) {
      throw new InvalidObjectException("bucket store: maxBuckets must be ≥ 1, got " + maxBuckets);
    }
    if (keys == null || counts == null || keys.length != counts.length) {
      throw new InvalidObjectException("bucket store: keys and counts must be parallel arrays");
    }
    if (keys.length > maxBuckets) {
      throw new InvalidObjectException(
          "bucket store: " + keys.length + " buckets, expected ≤ maxBuckets = " + maxBuckets);
    }
    long sum = 0;
    for (int i = 0; i < keys.length; i++) {
      if (counts[i] < 1 || (i > 0 && keys[i] <= keys[i - 1])) {
        throw new InvalidObjectException(
            "bucket store: bucket " + i + " is out of order or has count " + counts[i]);
      }
      sum += counts[i];
    }
    if (sum != total) {
      throw new InvalidObjectException(
          "bucket store: counts sum to " + sum + ", expected total " + total);
    }
  }
}

package io.marginflow.common.stats;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Objects;

/**
 * Deterministic, mergeable quantile sketch with relative value error (DDSketch, Masson, Rim &amp;
 * Lee, VLDB 2019): every finite value x is counted in a logarithmic bucket of |x|, one store for x
 * &gt; 0, one for x &lt; 0, and a count of (near-)zeros. The state is a pure function of the
 * multiset of values added, so the quantiles are bit-identical for any add order, partitioning and
 * merge tree (no randomness anywhere, unlike KLL's compaction).
 *
 * <p><b>Buckets.</b> With α = {@link #RELATIVE_ACCURACY} and λ = ln γ = ln((1 + α)/(1 − α)) (the
 * double {@code StrictMath.log1p(α) − StrictMath.log1p(−α)}), a value with |x| ≥ {@link
 * #ZERO_THRESHOLD} goes to bucket i = ⌈ln|x| / λ⌉, computed as {@code (int)
 * Math.ceil(StrictMath.log(|x|) / λ)}, i.e. γ^{i−1} &lt; |x| ≤ γ^i (paper §2). The bucket's
 * representative is 2γ^i/(γ + 1) = {@code StrictMath.exp(i·λ) · 2/(1 + γ)} (with sign for negative
 * values), whose relative distance to any point of (γ^{i−1}, γ^i] is at most α. {@code StrictMath}
 * (fdlibm) rather than {@code Math} so that the bucket of a value, hence every result, is the same
 * bit for bit on every JVM and CPU; the rounding of log, division, i·λ and exp adds at most ~1e−12
 * relative to α for |x| ≤ {@code Double.MAX_VALUE}. Indices stay within ±3.6·10⁶.
 *
 * <p><b>Zeros.</b> Values with |x| &lt; {@link #ZERO_THRESHOLD} = 1e−300 (±0, subnormals and tiny
 * normals, where the logarithm would only buy useless buckets) are counted as zero and reported as
 * 0.0, so the error bound there is absolute: |v̂ − v| &lt; 1e−300.
 *
 * <p><b>Quantiles.</b> {@link #valueAtRank}(k) for 0 ≤ k &lt; n walks the buckets in value order
 * (negative store from large to small |x|, zeros, positive store from small to large |x|) and
 * returns the representative of the bucket holding the k-th smallest value v, clamped to [min, max]
 * (which only moves it closer to v); k = 0 and k = n − 1 return the exact min and max. So |v̂ − v|
 * ≤ α|v| (plus the rounding above) for every rank outside a collapsed range. {@link #quantile}(r)
 * uses the lower nearest rank k = ⌈r·n⌉ − 1, as the exact mode of {@link MarginAccumulator} does.
 *
 * <p><b>Memory.</b> Each store keeps at most {@code maxBucketsPerStore} (default {@link
 * #DEFAULT_MAX_BUCKETS}) non-empty buckets, 12 bytes each, plus a key buffer of at most half that.
 * Beyond it the lowest-|x| buckets of that store are collapsed into one (see {@link
 * SparseBucketStore}): the guarantee then holds only for ranks falling in the store's buckets above
 * the collapsed one, i.e. away from zero; ranks in the collapsed bucket get its representative,
 * which overstates |v|. {@link #isCollapsed} tells whether that happened. With α = 10⁻⁴ the default
 * limit covers |x| over a factor e^{65536·λ} ≈ 5·10⁵ (5.7 decades) per sign without collapsing,
 * whatever n.
 *
 * <p>Not thread-safe. Java-serializable as plain fields and arrays. Reads, {@code equals} and
 * serialization sort buffered keys in (the logical state is unchanged). {@code equals} compares the
 * logical state: equal sketches give identical quantiles.
 */
public final class LogBucketQuantileSketch implements Serializable {

  private static final long serialVersionUID = 1L;

  /**
   * α: a reported quantile v̂ of a value v satisfies |v̂ − v| ≤ α|v| (outside collapsed ranges).
   */
  public static final double RELATIVE_ACCURACY = 1e-4;

  /** Values with |x| below this are counted as zero (and reported as 0.0). */
  public static final double ZERO_THRESHOLD = 1e-300;

  /** Default limit on the non-empty buckets of each sign's store. */
  public static final int DEFAULT_MAX_BUCKETS = 1 << 16;

  /** λ = ln γ = ln((1 + α)/(1 − α)). */
  static final double LN_GAMMA =
      StrictMath.log1p(RELATIVE_ACCURACY) - StrictMath.log1p(-RELATIVE_ACCURACY);

  /** 2/(1 + γ), so that the representative of bucket i is γ^i · 2/(1 + γ). */
  private static final double REPRESENTATIVE_FACTOR = 2.0 / (1.0 + StrictMath.exp(LN_GAMMA));

  private final SparseBucketStore positive;
  private final SparseBucketStore negative;
  private long zeroCount;
  private long count;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  /** An empty sketch with the default bucket limit. */
  public LogBucketQuantileSketch() {
    this(DEFAULT_MAX_BUCKETS);
  }

  /** An empty sketch keeping at most {@code maxBucketsPerStore} ≥ 1 buckets per sign. */
  public LogBucketQuantileSketch(int maxBucketsPerStore) {
    if (maxBucketsPerStore < 1) {
      throw new IllegalArgumentException(
          "maxBucketsPerStore: expected ≥ 1, got " + maxBucketsPerStore);
    }
    this.positive = new SparseBucketStore(maxBucketsPerStore);
    this.negative = new SparseBucketStore(maxBucketsPerStore);
  }

  /** The bucket limit of each sign's store. */
  public int maxBucketsPerStore() {
    return positive.maxBuckets();
  }

  /** Number of values added. */
  public long count() {
    return count;
  }

  /** True if no value was added. */
  public boolean isEmpty() {
    return count == 0;
  }

  /** The exact smallest value added; NaN if empty. */
  public double min() {
    return count == 0 ? Double.NaN : min;
  }

  /** The exact largest value added; NaN if empty. */
  public double max() {
    return count == 0 ? Double.NaN : max;
  }

  /** True if either store had more non-empty buckets than its limit and was collapsed. */
  public boolean isCollapsed() {
    return positive.isCollapsed() || negative.isCollapsed();
  }

  /** Number of non-empty buckets over both stores (the zero count not included). */
  public int bucketCount() {
    return positive.bucketCount() + negative.bucketCount();
  }

  /**
   * Adds one finite value.
   *
   * @throws IllegalArgumentException if {@code x} is NaN or infinite
   */
  public void add(double x) {
    if (!Double.isFinite(x)) {
      throw new IllegalArgumentException("x: expected a finite value, got " + x);
    }
    double a = Math.abs(x);
    if (a < ZERO_THRESHOLD) {
      zeroCount++;
    } else if (x > 0) {
      positive.add(bucketIndex(a));
    } else {
      negative.add(bucketIndex(a));
    }
    count++;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }

  /**
   * Adds the counts of {@code other} (logically unchanged) to this and returns this. The result is
   * the sketch of the union of both multisets, whatever the merge order or grouping.
   *
   * @throws IllegalArgumentException if {@code other} is this or has another bucket limit
   */
  public LogBucketQuantileSketch merge(LogBucketQuantileSketch other) {
    Objects.requireNonNull(other, "other");
    if (other == this) {
      throw new IllegalArgumentException("other: cannot merge a sketch into itself");
    }
    if (other.maxBucketsPerStore() != maxBucketsPerStore()) {
      throw new IllegalArgumentException(
          "other: expected maxBucketsPerStore "
              + maxBucketsPerStore()
              + ", got "
              + other.maxBucketsPerStore());
    }
    positive.mergeFrom(other.positive);
    negative.mergeFrom(other.negative);
    zeroCount += other.zeroCount;
    count += other.count;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    return this;
  }

  /**
   * The lower-nearest-rank quantile: {@link #valueAtRank}(⌈r·n⌉ − 1), clamped to [0, n − 1], with
   * ⌈r·n⌉ computed in double; r = 0 gives the min, r = 1 the max. NaN if empty.
   *
   * @throws IllegalArgumentException unless 0 ≤ r ≤ 1
   */
  public double quantile(double r) {
    if (!(r >= 0 && r <= 1)) {
      throw new IllegalArgumentException("r: expected 0 ≤ r ≤ 1, got " + r);
    }
    if (count == 0) {
      return Double.NaN;
    }
    long k = (long) Math.ceil(r * count) - 1;
    return valueAtRank(Math.max(0, Math.min(count - 1, k)));
  }

  /**
   * Estimate of the k-th smallest value (0-based), within α relative error of it unless k falls in
   * a collapsed bucket; exact for k = 0 (min) and k = n − 1 (max).
   *
   * @throws IllegalArgumentException unless 0 ≤ k &lt; n
   */
  public double valueAtRank(long k) {
    if (k < 0 || k >= count) {
      throw new IllegalArgumentException("k: expected 0 ≤ k < n = " + count + ", got " + k);
    }
    if (k == 0) {
      return min;
    }
    if (k == count - 1) {
      return max;
    }
    double v;
    long neg = negative.total();
    if (k < neg) {
      v = -representative(keyAtRank(negative, neg - 1 - k));
    } else if (k < neg + zeroCount) {
      v = 0.0;
    } else {
      v = representative(keyAtRank(positive, k - neg - zeroCount));
    }
    return Math.min(max, Math.max(min, v));
  }

  /** Bucket index ⌈ln a / λ⌉ of a ≥ {@link #ZERO_THRESHOLD} (finite). */
  static int bucketIndex(double a) {
    assert a >= ZERO_THRESHOLD && a <= Double.MAX_VALUE : a;
    return (int) Math.ceil(StrictMath.log(a) / LN_GAMMA);
  }

  /** Representative 2γ^i/(γ + 1) of bucket i (may overflow to +∞ for the top bucket). */
  static double representative(int index) {
    return StrictMath.exp(index * LN_GAMMA) * REPRESENTATIVE_FACTOR;
  }

  /** Key of the bucket holding the {@code rank}-th smallest key (0 ≤ rank &lt; total). */
  private static int keyAtRank(SparseBucketStore store, long rank) {
    int buckets = store.bucketCount();
    long cum = 0;
    for (int p = 0; p < buckets; p++) {
      cum += store.countAt(p);
      if (rank < cum) {
        return store.keyAt(p);
      }
    }
    throw new AssertionError("rank " + rank + " beyond total " + cum);
  }

  /** Equal logical state: counts per bucket, zero count, min, max, limit and collapse flags. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LogBucketQuantileSketch s)) {
      return false;
    }
    return count == s.count
        && zeroCount == s.zeroCount
        && Double.compare(min, s.min) == 0
        && Double.compare(max, s.max) == 0
        && positive.equals(s.positive)
        && negative.equals(s.negative);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, zeroCount, min, max, positive, negative);
  }

  @Override
  public String toString() {
    return "LogBucketQuantileSketch[n="
        + count
        + ", zeros="
        + zeroCount
        + ", min="
        + min()
        + ", max="
        + max()
        + ", buckets="
        + bucketCount()
        + (isCollapsed() ? ", collapsed" : "")
        + "]";
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    if (positive == null
        || negative == null
        || positive.maxBuckets() != negative.maxBuckets()
        || zeroCount < 0
        || positive.total() + negative.total() + zeroCount != count) {
      throw new InvalidObjectException(
          "log-bucket sketch: stores and zero count do not add up to n = " + count);
    }
    if (count > 0 && !(min <= max && Double.isFinite(min) && Double.isFinite(max))) {
      throw new InvalidObjectException(
          "log-bucket sketch: expected finite min ≤ max, got " + min + ", " + max);
    }
  }
}

package io.marginflow.common.stats;

import io.marginflow.common.loss.Loss;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Mergeable one-pass accumulator of the full-data margin statistics of science.md §5 items 2–7 and
 * the NaN/Inf flag of item 9: each partition (or block) feeds margins and weighted gradients, the
 * accumulators are merged pairwise in any tree order (Spark {@code treeAggregate}), and the driver
 * calls {@link #summarize}.
 *
 * <p><b>Log-scaled sums.</b> With s_i = log|ℓ'(p_i)| every sum over e^{s_i} is kept as a pair (M, Σ
 * e^{s_i − M}) with M = max s_i (so 1 ≤ scaled sum ≤ n): Σ e^{s}, Σ e^{2s} (scale 2M), Σ e^{s} p,
 * and likewise Σ ℓ(p_i) with its own scale. Nothing over- or underflows even when every e^{s_i} is
 * below the double range (margins 10³–10⁵); merging rescales by e^{M_old − M_new} ≤ 1.
 *
 * <p><b>NaN policy.</b> A non-finite margin (NaN, ±∞) sets {@link MarginSummary#nonFinite}, counts
 * in n and counts as an error unless it is +∞ (error ⇔ ¬(p &gt; 0)), and is left out of every other
 * statistic. A non-finite gradient scale (other than −∞, which means "empty") or entry also sets
 * the flag; the entries are added as they are, so the gradient shows NaN.
 *
 * <p><b>Order.</b> Min, max, counts, near-support counts and the quantiles (exact or sketched) do
 * not depend on the merge order, bit for bit; the scaled sums depend on it only through rounding
 * (relative ~n·2⁻⁵³). Sketch-mode quantiles are within relative error {@link
 * LogBucketQuantileSketch#RELATIVE_ACCURACY} of the exact ones (see {@link QuantileState}).
 *
 * <p><b>Memory.</b> O(parameterCount) for the gradient (allocated at the first {@link
 * #addWeightedGradient}), up to {@link #EXACT_QUANTILE_LIMIT} doubles for exact quantiles (then a
 * {@link LogBucketQuantileSketch}: 12 bytes per non-empty bucket, at most {@link
 * #SKETCH_MAX_BUCKETS} per sign), and the near-support window (all margins within 7·ln 10 of the
 * minimum: O(n) doubles in the worst case, when the margins are bunched).
 *
 * <p>Not thread-safe. Java-serializable (the loss travels by name); a Kryo setup must serialize it
 * with Kryo's {@code JavaSerializer}, as the exact quantile values, the near-support window and the
 * sketch's key buffer are transient fields handled by {@code writeObject}.
 */
public final class MarginAccumulator implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Quantiles stay exact while at most this many finite margins were seen. */
  public static final int EXACT_QUANTILE_LIMIT = 65_536;

  /** Bucket limit per sign of the quantile sketch (beyond it the lowest-|p| buckets collapse). */
  public static final int SKETCH_MAX_BUCKETS = LogBucketQuantileSketch.DEFAULT_MAX_BUCKETS;

  private final String lossName;
  private final int parameterCount;
  private transient Loss loss;

  private long n;
  private long errors;
  private long finiteCount;
  private boolean nonFinite;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;

  /** Scale of the log-loss sum and Σ e^{log ℓ(p_i) − lossScale}. */
  private double lossScale = Double.NEGATIVE_INFINITY;

  private double lossSum;

  /** M = max s_i; Σ e^{s_i − M}; Σ e^{2(s_i − M)}; Σ e^{s_i − M} p_i. */
  private double sScale = Double.NEGATIVE_INFINITY;

  private double sSum;
  private double s2Sum;
  private double sMarginSum;

  /** Gradient numerator Σ e^{s_i} a_i = e^{gradScale} · gradScaled. */
  private double gradScale = Double.NEGATIVE_INFINITY;

  private double[] gradScaled;

  private final QuantileState quantiles;
  private final NearSupportWindow window;

  /** Per-block scratch (finite margins, s_i, log ℓ_i); reused across calls, never serialized. */
  private transient double[] scratchP;

  private transient double[] scratchS;
  private transient double[] scratchL;

  /** An empty accumulator for {@code loss} and a gradient of length {@code parameterCount} ≥ 0. */
  public MarginAccumulator(Loss loss, int parameterCount) {
    Objects.requireNonNull(loss, "loss");
    if (parameterCount < 0) {
      throw new IllegalArgumentException("parameterCount: expected ≥ 0, got " + parameterCount);
    }
    this.loss = loss;
    this.lossName = loss.name();
    this.parameterCount = parameterCount;
    this.quantiles = new QuantileState(EXACT_QUANTILE_LIMIT, SKETCH_MAX_BUCKETS);
    this.window = new NearSupportWindow();
  }

  /** The loss the statistics are computed with. */
  public Loss loss() {
    if (loss == null) {
      loss = Loss.parse(lossName);
    }
    return loss;
  }

  /** Length of the λ-gradient. */
  public int parameterCount() {
    return parameterCount;
  }

  /** Number of margins added so far (including non-finite ones). */
  public long count() {
    return n;
  }

  /** True while the quantiles are exact (at most {@link #EXACT_QUANTILE_LIMIT} finite margins). */
  public boolean hasExactQuantiles() {
    return quantiles.isExact();
  }

  /** Number of margins currently kept for the near-support counts (for memory tests). */
  int nearSupportWindowSize() {
    return window.size();
  }

  /**
   * Adds the raw margins p_i(w) = y_i Φ(x_i; w) in {@code margins[0..count)} (not modified): n, the
   * error count, min, max, log Σ ℓ(p_i), the log-scaled sums over s_i = log|ℓ'(p_i)|, the quantile
   * state, the near-support window and the non-finite flag (see the class NaN policy).
   */
  public void add(double[] margins, int count) {
    Objects.requireNonNull(margins, "margins");
    if (count < 0 || count > margins.length) {
      throw new IllegalArgumentException(
          "count: expected 0 ≤ count ≤ margins.length = " + margins.length + ", got " + count);
    }
    ensureScratch(count);
    Loss l = loss();
    double[] ps = scratchP;
    double[] ss = scratchS;
    double[] ls = scratchL;
    int f = 0;
    double bMin = Double.POSITIVE_INFINITY;
    double bMax = Double.NEGATIVE_INFINITY;
    double bS = Double.NEGATIVE_INFINITY;
    double bL = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      double p = margins[i];
      if (!(p > 0)) {
        errors++;
      }
      if (!Double.isFinite(p)) {
        nonFinite = true;
        continue;
      }
      double s = l.logNegDerivative(p);
      double lp = l.logLoss(p);
      ps[f] = p;
      ss[f] = s;
      ls[f] = lp;
      f++;
      bMin = Math.min(bMin, p);
      bMax = Math.max(bMax, p);
      bS = Math.max(bS, s);
      bL = Math.max(bL, lp);
    }
    n += count;
    if (f == 0) {
      return;
    }
    double bSSum = 0;
    double bS2Sum = 0;
    double bSMargin = 0;
    double bLSum = 0;
    for (int i = 0; i < f; i++) {
      double e = Math.exp(ss[i] - bS);
      bSSum += e;
      bS2Sum += e * e;
      bSMargin += e * ps[i];
      bLSum += Math.exp(ls[i] - bL);
    }
    combineSums(bS, bSSum, bS2Sum, bSMargin, bL, bLSum);
    finiteCount += f;
    min = Math.min(min, bMin);
    max = Math.max(max, bMax);
    quantiles.reserve(f);
    window.lowerMin(bMin);
    for (int i = 0; i < f; i++) {
      quantiles.add(ps[i]);
      window.offer(ps[i]);
    }
  }

  /**
   * Adds e^{logScale}·g to the λ-numerator Σ_i e^{s_i} a_i(w); {@code g} (length {@link
   * #parameterCount}) is not modified. The caller computes, per block, logScale = max s_i and g =
   * Σ_i e^{s_i − logScale} a_i(w) with s_i = {@code loss().logNegDerivative(p_i)} for the same
   * margins it passes to {@link #add}. logScale = −∞ (empty block) adds nothing.
   */
  public void addWeightedGradient(double logScale, double[] g) {
    Objects.requireNonNull(g, "g");
    if (g.length != parameterCount) {
      throw new IllegalArgumentException(
          "g: expected length parameterCount = " + parameterCount + ", got " + g.length);
    }
    if (logScale == Double.NEGATIVE_INFINITY) {
      return;
    }
    if (!Double.isFinite(logScale)) {
      nonFinite = true;
      return;
    }
    addScaledGradient(logScale, g);
  }

  /** Merges {@code other} (unchanged) into this and returns this. Empty operands are identities. */
  public MarginAccumulator merge(MarginAccumulator other) {
    Objects.requireNonNull(other, "other");
    if (other == this) {
      throw new IllegalArgumentException("other: cannot merge an accumulator into itself");
    }
    if (!lossName.equals(other.lossName) || parameterCount != other.parameterCount) {
      throw new IllegalArgumentException(
          "other: expected loss "
              + lossName
              + " and parameterCount "
              + parameterCount
              + ", got loss "
              + other.lossName
              + " and parameterCount "
              + other.parameterCount);
    }
    n += other.n;
    errors += other.errors;
    finiteCount += other.finiteCount;
    nonFinite |= other.nonFinite;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
    combineSums(
        other.sScale, other.sSum, other.s2Sum, other.sMarginSum, other.lossScale, other.lossSum);
    if (other.gradScaled != null && other.gradScale != Double.NEGATIVE_INFINITY) {
      addScaledGradient(other.gradScale, other.gradScaled);
    }
    quantiles.merge(other.quantiles);
    window.merge(other.window);
    return this;
  }

  /**
   * The statistics for ‖w‖^L = {@code normPowL} (finite, &gt; 0). An empty accumulator gives n = 0,
   * NaN for every double, zero near-support counts and a NaN gradient; with no finite margin the
   * same except n, errorRate and the flag. The gradient is zero if no gradient was added.
   */
  public MarginSummary summarize(double normPowL) {
    if (!(normPowL > 0) || normPowL == Double.POSITIVE_INFINITY) {
      throw new IllegalArgumentException("normPowL: expected a finite value > 0, got " + normPowL);
    }
    double errorRate = n == 0 ? Double.NaN : (double) errors / n;
    double[] grad = new double[parameterCount];
    if (finiteCount == 0) {
      Arrays.fill(grad, Double.NaN);
      double nan = Double.NaN;
      return new MarginSummary(
          n,
          nan,
          nan,
          errorRate,
          nan,
          nan,
          nan,
          nan,
          MarginQuantiles.NOT_AVAILABLE,
          new long[NearSupportWindow.LEVELS],
          nan,
          nan,
          nan,
          grad,
          nonFinite);
    }
    Loss l = loss();
    double logSumLoss = lossScale + Math.log(lossSum);
    double logSumNegDerivative = sScale + Math.log(sSum);
    if (gradScaled != null) {
      double factor = Math.exp(gradScale - sScale) / sSum;
      for (int j = 0; j < parameterCount; j++) {
        grad[j] = gradScaled[j] * factor;
      }
    }
    return new MarginSummary(
        n,
        logSumLoss - Math.log(n),
        logSumLoss,
        errorRate,
        min,
        max,
        min / normPowL,
        l.smoothedMarginNumerator(logSumLoss) / normPowL,
        quantiles.quantiles(min, max, normPowL),
        window.counts(),
        sSum * sSum / s2Sum,
        logSumNegDerivative,
        sMarginSum / sSum,
        grad,
        nonFinite);
  }

  /** Merges one (scale, scaled sums) group of the s-sums and the loss sum into this. */
  private void combineSums(
      double bS, double bSSum, double bS2Sum, double bSMargin, double bL, double bLSum) {
    if (bS != Double.NEGATIVE_INFINITY) {
      double m = Math.max(sScale, bS);
      double r = rescale(sScale, m);
      double q = rescale(bS, m);
      sSum = sSum * r + bSSum * q;
      s2Sum = s2Sum * (r * r) + bS2Sum * (q * q);
      sMarginSum = sMarginSum * r + bSMargin * q;
      sScale = m;
    }
    if (bL != Double.NEGATIVE_INFINITY) {
      double m = Math.max(lossScale, bL);
      lossSum = lossSum * rescale(lossScale, m) + bLSum * rescale(bL, m);
      lossScale = m;
    }
  }

  private void addScaledGradient(double logScale, double[] g) {
    if (gradScaled == null) {
      gradScaled = new double[parameterCount];
    }
    double m = Math.max(gradScale, logScale);
    double r = rescale(gradScale, m);
    double q = rescale(logScale, m);
    boolean finite = true;
    double[] acc = gradScaled;
    if (r == 1.0) {
      for (int j = 0; j < parameterCount; j++) {
        double v = g[j];
        finite &= Double.isFinite(v);
        acc[j] += q * v;
      }
    } else {
      for (int j = 0; j < parameterCount; j++) {
        double v = g[j];
        finite &= Double.isFinite(v);
        acc[j] = acc[j] * r + q * v;
      }
    }
    nonFinite |= !finite;
    gradScale = m;
  }

  /** e^{from − to} for to ≥ from, with e^{−∞ − to} = 0. */
  private static double rescale(double from, double to) {
    return from == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp(from - to);
  }

  private void ensureScratch(int count) {
    if (scratchP == null || scratchP.length < count) {
      int size = Math.max(count, 16);
      scratchP = new double[size];
      scratchS = new double[size];
      scratchL = new double[size];
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    loss = Loss.parse(lossName);
    if (gradScaled != null && gradScaled.length != parameterCount) {
      throw new java.io.InvalidObjectException(
          "gradient: expected length " + parameterCount + ", got " + gradScaled.length);
    }
  }
}

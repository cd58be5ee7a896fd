package io.marginflow.common.train;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.LogSpace;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.loss.LossFrame;
import io.marginflow.common.net.StepKernel;
import java.io.Serializable;

/**
 * The per-step sum over a minibatch, in the loss frame of science.md §3, as a mergeable accumulator
 * (one per partition, merged by Spark's treeAggregate or by {@link LocalTrainer}).
 *
 * <p>It holds F = LSE_i log ℓ(p_i) over the rows seen and G = Σ_i e^{s_i − F} y_i ∇_θΦ(x_i; θ) with
 * s_i = log|ℓ'(p_i)|, so that Σ_i |ℓ'(p_i)| a_i(θ) = e^F·G exactly while every stored number stays
 * in range. Merging two parts rescales each to the common frame F = logaddexp(F₁, F₂). Also kept: Σ
 * e^{s_i − F} p_i (the radial term of the paper's eq. 30), LSE_i s_i (for the effective step), the
 * minimum margin and whether any margin was not finite.
 */
public final class BatchGradient implements Serializable {
  private static final long serialVersionUID = 1L;

  private long count;
  private double logFrame = Double.NEGATIVE_INFINITY;
  private double logSumNegDerivative = Double.NEGATIVE_INFINITY;
  private double minMargin = Double.POSITIVE_INFINITY;
  private double weightedMarginSum;
  private boolean nonFinite;
  private final int parameterCount;

  /** Allocated on first use, so an empty sum (e.g. Spark's zero value) stays tiny on the wire. */
  private double[] gradient;

  /**
   * True when the last merge wrote every entry of {@link #gradient} and found them all finite, so
   * {@link #nonFinite()} needs no pass of its own (a merged 13 MB gradient is memory-bound to
   * scan).
   */
  private transient boolean checkedFinite;

  /**
   * A merge whose gradient combine g ← a·g + b·o is left to the next pass that reads G ({@link
   * ParameterUpdate#apply}), or null: see {@link #mergeDeferred}.
   */
  private transient PendingCombine pending;

  /** g ← a·g + b·o, not yet done. */
  record PendingCombine(double[] into, double a, double[] other, double b) {}

  /** An empty sum for a network with {@code parameterCount} parameters. */
  public BatchGradient(int parameterCount) {
    this.parameterCount = parameterCount;
  }

  /**
   * Rebuilds a sum from its parts (for serializers); {@code gradient} is adopted, not copied, and
   * may be null when {@code count} is 0.
   */
  public static BatchGradient restore(
      int parameterCount,
      long count,
      double logFrame,
      double logSumNegDerivative,
      double minMargin,
      double weightedMarginSum,
      boolean nonFinite,
      double[] gradient) {
    if (gradient != null && gradient.length != parameterCount) {
      throw new IllegalArgumentException(
          "gradient: expected length " + parameterCount + ", got " + gradient.length);
    }
    BatchGradient g = new BatchGradient(parameterCount);
    g.count = count;
    g.logFrame = logFrame;
    g.logSumNegDerivative = logSumNegDerivative;
    g.minMargin = minMargin;
    g.weightedMarginSum = weightedMarginSum;
    g.nonFinite = nonFinite;
    g.gradient = gradient;
    return g;
  }

  /** Number of parameters d. */
  public int parameterCount() {
    return parameterCount;
  }

  /** The gradient array if allocated, else null (for serializers). */
  public double[] gradientOrNull() {
    settlePending();
    return gradient;
  }

  /**
   * Adds the rows of {@code rows} (all of them: the caller has already selected the batch members)
   * at parameters θ, with the network outputs and subgradients of {@code kernel}. Modifies this
   * accumulator only. {@code margins} and {@code weights} are scratch arrays of length ≥
   * rows.rows().
   */
  public BatchGradient addRows(
      StepKernel kernel,
      Loss loss,
      RowBlock rows,
      double[] theta,
      double[] margins,
      double[] weights) {
    return addRows(kernel, loss, rows, theta, margins, weights, null);
  }

  /**
   * As {@link #addRows(StepKernel, Loss, RowBlock, double[], double[], double[])}, with the block's
   * subgradient written into {@code target} (length d, any content; it becomes part of this sum, so
   * the caller must not touch it while the sum is in use) instead of a new array: for callers that
   * sum every step into the same buffers. Null means a new array. Same bits either way.
   */
  public BatchGradient addRows(
      StepKernel kernel,
      Loss loss,
      RowBlock rows,
      double[] theta,
      double[] margins,
      double[] weights,
      double[] target) {
    if (target != null && target.length != parameterCount) {
      throw new IllegalArgumentException(
          "target: expected length " + parameterCount + ", got " + target.length);
    }
    int m = rows.rows();
    if (m == 0) {
      return this;
    }
    kernel.forward(rows, theta, margins);
    double[] y = rows.labels();
    double blockMin = Double.POSITIVE_INFINITY;
    for (int i = 0; i < m; i++) {
      double p = y[i] * margins[i];
      margins[i] = p;
      if (!Double.isFinite(p)) {
        nonFinite = true;
      }
      blockMin = Math.min(blockMin, p);
    }
    double frame = LossFrame.weights(loss, margins, m, weights);
    // Σ_i |ℓ'(p_i)| = e^F Σ_i w_i with w_i = e^{s_i − F} ≤ 1: no further exp/log per row. The
    // largest
    // w_i is ≥ (1/m)·min_i |ℓ'(p_i)|/ℓ(p_i), and that ratio is 1 for exp and ≥ 1/(2(1 + |q|)) for
    // logistic, so the sum stays far from underflow and exact to rounding.
    double sumW = 0;
    double wp = 0;
    for (int i = 0; i < m; i++) {
      sumW += weights[i];
      wp += weights[i] * margins[i];
      weights[i] *= y[i]; // coefficient of ∇Φ: e^{s_i − F}·y_i
    }
    BatchGradient part = new BatchGradient(parameterCount);
    if (target == null) {
      part.gradient = new double[parameterCount];
      kernel.backwardWeighted(rows, theta, weights, part.gradient);
    } else {
      part.gradient = target;
      kernel.backwardWeightedInto(rows, theta, weights, target);
    }
    part.count = m;
    part.logFrame = frame;
    part.logSumNegDerivative = frame + Math.log(sumW);
    part.minMargin = blockMin;
    part.weightedMarginSum = wp;
    part.nonFinite = nonFinite;
    return mergeTaking(part);
  }

  /** Merges {@code other} into this one (this is modified and returned). */
  public BatchGradient merge(BatchGradient other) {
    return merge(other, false);
  }

  /**
   * As {@link #merge}, but an empty {@code this} takes over {@code other}'s gradient array instead
   * of copying it: for partial sums nobody uses afterwards (a fresh block part, a deserialized task
   * result), which spares a d-length allocation and copy per merge.
   */
  public BatchGradient mergeTaking(BatchGradient other) {
    return merge(other, true);
  }

  /**
   * As {@link #mergeTaking}, but the entry-by-entry combine of the two gradients is not done here:
   * every other field is merged now, and G is combined, with the same bits, by whichever comes
   * first — {@link ParameterUpdate#apply}, in the pass that reads G anyway (on a 13 MB θ that
   * spares a pass over memory every step), or any call to {@link #gradient()} or {@link
   * #nonFinite()}. For the last merge of a driver-side sum whose parts nobody touches until the
   * update is done.
   */
  public BatchGradient mergeDeferred(BatchGradient other) {
    if (pending != null
        || count == 0
        || other.count == 0
        || gradient == null
        || other.gradient == null
        || other.pending != null) {
      return mergeTaking(other);
    }
    double f = LogSpace.logAddExp(logFrame, other.logFrame);
    double a = Math.exp(logFrame - f);
    double b = Math.exp(other.logFrame - f);
    pending = new PendingCombine(gradient, a, other.gradient, b);
    checkedFinite = false;
    mergeScalars(other, f, a, b);
    return this;
  }

  /** The combine {@link #mergeDeferred} left undone, or null; {@link #settle} ends it. */
  PendingCombine pending() {
    return pending;
  }

  /** The pending combine was done by the caller; {@code finite}: every entry came out finite. */
  void settle(boolean finite) {
    pending = null;
    checkedFinite = finite;
    nonFinite |= !finite;
  }

  private void settlePending() {
    if (pending != null) {
      settle(combine(pending.into(), pending.a(), pending.other(), pending.b()));
    }
  }

  /** Java serialization writes G whole: a pending combine is done first. */
  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    settlePending();
    out.defaultWriteObject();
  }

  private BatchGradient merge(BatchGradient other, boolean take) {
    settlePending();
    other.settlePending();
    if (other.count == 0) {
      nonFinite |= other.nonFinite;
      return this;
    }
    if (count == 0) {
      count = other.count;
      logFrame = other.logFrame;
      logSumNegDerivative = other.logSumNegDerivative;
      minMargin = other.minMargin;
      weightedMarginSum = other.weightedMarginSum;
      nonFinite |= other.nonFinite;
      gradient = other.gradient == null || take ? other.gradient : other.gradient.clone();
      checkedFinite = other.checkedFinite && gradient != null;
      return this;
    }
    double f = LogSpace.logAddExp(logFrame, other.logFrame);
    double a = Math.exp(logFrame - f);
    double b = Math.exp(other.logFrame - f);
    boolean finite = combine(gradient(), a, other.gradient(), b);
    checkedFinite = finite;
    nonFinite |= !finite;
    mergeScalars(other, f, a, b);
    return this;
  }

  private void mergeScalars(BatchGradient other, double f, double a, double b) {
    weightedMarginSum = a * weightedMarginSum + b * other.weightedMarginSum;
    logFrame = f;
    logSumNegDerivative = LogSpace.logAddExp(logSumNegDerivative, other.logSumNegDerivative);
    minMargin = Math.min(minMargin, other.minMargin);
    count += other.count;
    nonFinite |= other.nonFinite || Double.isNaN(f);
  }

  /**
   * g ← a·g + b·o entry by entry, and whether every result is finite: x·0 is 0 for finite x and NaN
   * for ±∞ and NaN, so four such sums (independent chains, so the check hides under the loop's
   * memory traffic) are all 0 exactly when every entry is finite, in any order.
   */
  private static boolean combine(double[] g, double a, double[] o, double b) {
    double z0 = 0;
    double z1 = 0;
    double z2 = 0;
    double z3 = 0;
    int j = 0;
    for (; j + 3 < g.length; j += 4) {
      double u0 = a * g[j] + b * o[j];
      double u1 = a * g[j + 1] + b * o[j + 1];
      double u2 = a * g[j + 2] + b * o[j + 2];
      double u3 = a * g[j + 3] + b * o[j + 3];
      g[j] = u0;
      g[j + 1] = u1;
      g[j + 2] = u2;
      g[j + 3] = u3;
      z0 += u0 * 0.0;
      z1 += u1 * 0.0;
      z2 += u2 * 0.0;
      z3 += u3 * 0.0;
    }
    for (; j < g.length; j++) {
      g[j] = a * g[j] + b * o[j];
      z0 += g[j] * 0.0;
    }
    return z0 == 0.0 && z1 == 0.0 && z2 == 0.0 && z3 == 0.0;
  }

  /** Rows summed. */
  public long count() {
    return count;
  }

  /** F = LSE_i log ℓ(p_i) over the rows summed. */
  public double logFrame() {
    return logFrame;
  }

  /** LSE_i log|ℓ'(p_i)|. */
  public double logSumNegDerivative() {
    return logSumNegDerivative;
  }

  /** min_i p_i. */
  public double minMargin() {
    return minMargin;
  }

  /** Σ_i e^{s_i − F} p_i. */
  public double weightedMarginSum() {
    return weightedMarginSum;
  }

  /** G = Σ_i e^{s_i − F} y_i ∇Φ(x_i) (not a copy; zeros when nothing was summed). */
  public double[] gradient() {
    settlePending();
    if (gradient == null) {
      gradient = new double[parameterCount];
    }
    return gradient;
  }

  /**
   * True if a margin or the frame is NaN or infinite, or an entry of G already found so; unlike
   * {@link #nonFinite()} it does not scan G nor do a pending combine ({@link ParameterUpdate#apply}
   * checks G in its own pass).
   */
  public boolean knownNonFinite() {
    return nonFinite;
  }

  /** True if a margin, the frame or the gradient is NaN or infinite. */
  public boolean nonFinite() {
    settlePending();
    if (nonFinite) {
      return true;
    }
    if (checkedFinite) {
      return false;
    }
    for (double g : gradient()) {
      if (!Double.isFinite(g)) {
        return true;
      }
    }
    return false;
  }
}

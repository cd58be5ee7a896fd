package io.marginflow.common.train;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Workspace;
import io.marginflow.common.stats.MarginAccumulator;
import java.io.Serializable;
import java.util.Arrays;

/**
 * One full-data evaluation over blocks (science.md §5 items 1–8) as a mergeable accumulator: per
 * block, the margins p_i(w) go to a {@link MarginAccumulator}, the λ-weighted subgradient numerator
 * Σ e^{s_i − M_b} a_i(w) (M_b = max_i s_i in the block) is added with its log scale, and, when the
 * previous evaluation's parameters are given, sup_i |p_i(u) − p_i(u')| is tracked.
 */
public final class EvaluationPass implements Serializable {
  private static final long serialVersionUID = 1L;

  private final MarginAccumulator accumulator;
  private double marginChangeSup;

  /** An empty pass. {@code marginChangeSup} starts at 0 (NaN is reported when no previous θ). */
  public EvaluationPass(Loss loss, int parameterCount) {
    this.accumulator = new MarginAccumulator(loss, parameterCount);
  }

  /**
   * Adds every row of {@code block}. {@code previousTheta} may be null. Scratch arrays: {@code a},
   * {@code b} of length ≥ block rows, {@code grad} of length d (overwritten).
   */
  public EvaluationPass addBlock(
      Network network,
      Loss loss,
      RowBlock block,
      double[] theta,
      double normPowL,
      double[] previousTheta,
      double previousNormPowL,
      Workspace workspace,
      double[] a,
      double[] b,
      double[] grad) {
    int m = block.rows();
    if (m == 0) {
      return this;
    }
    double[] y = block.labels();
    network.forward(block, theta, workspace, a);
    double maxS = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < m; i++) {
      a[i] *= y[i];
      double s = loss.logNegDerivative(a[i]);
      b[i] = s;
      if (s > maxS) {
        maxS = s;
      }
    }
    accumulator.add(a, m);
    if (Double.isFinite(maxS)) {
      for (int i = 0; i < m; i++) {
        b[i] = y[i] * Math.exp(b[i] - maxS);
      }
      Arrays.fill(grad, 0.0);
      network.backwardWeighted(block, theta, workspace, b, grad);
      accumulator.addWeightedGradient(maxS, grad);
    }
    if (previousTheta != null) {
      network.forwardValues(block, previousTheta, workspace, b);
      double sup = marginChangeSup;
      for (int i = 0; i < m; i++) {
        double d = Math.abs(a[i] / normPowL - y[i] * b[i] / previousNormPowL);
        if (!(d <= sup)) {
          sup = d; // NaN propagates
        }
      }
      marginChangeSup = sup;
    }
    return this;
  }

  /** Merges {@code other} into this (this is modified and returned). */
  public EvaluationPass merge(EvaluationPass other) {
    accumulator.merge(other.accumulator);
    if (!(other.marginChangeSup <= marginChangeSup)) {
      marginChangeSup = other.marginChangeSup;
    }
    return this;
  }

  /** The margin statistics accumulated so far. */
  public MarginAccumulator accumulator() {
    return accumulator;
  }

  /** sup_i |p_i(u) − p_i(u')| over the rows added (0 if no previous θ was given). */
  public double marginChangeSup() {
    return marginChangeSup;
  }
}

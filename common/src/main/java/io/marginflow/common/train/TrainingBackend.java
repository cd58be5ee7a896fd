package io.marginflow.common.train;

import io.marginflow.common.net.LayerNormsHandoff;

/**
 * Where the per-row work of the training loop runs: in this process over in-memory blocks ({@link
 * LocalBackend}) or on a Spark cluster over cached partitions. Every method is a pure function of
 * its arguments and the (fixed) data, so {@link TrainingLoop} behaves identically on both.
 */
public interface TrainingBackend {

  /** Number of training rows n. */
  long trainRows();

  /** The minibatch sum of step {@code step} at parameters θ (all partitions merged). */
  BatchGradient batchSum(long step, double[] theta);

  /**
   * A full-data evaluation of the training split ({@code test = false}) or the test split at θ,
   * with the previous evaluation's θ (may be null) for the margin-change statistic.
   */
  EvaluationPass evaluate(
      boolean test,
      double[] theta,
      double normPowL,
      double[] previousTheta,
      double previousNormPowL);

  /** True if a test split exists. */
  boolean hasTest();

  /** log Σ_i ℓ(p_i(θ)) over the training set (for the loss-based rule). */
  double logSumLoss(double[] theta);

  /**
   * Writes the per-sample snapshot of science.md §5 (i, y_i, p_i(u), λ_i) for the training set at
   * this step, through the recorder or directly to storage.
   */
  void snapshotMargins(long step, double[] theta, double normPowL, double logSumNegDerivative);

  /**
   * Where the update should leave the layer norms of the θ it writes, for this backend's next
   * {@link #batchSum} (its single-precision kernels normalize θ layer by layer), or null when
   * nothing here uses them.
   */
  default LayerNormsHandoff layerNormsHandoff() {
    return null;
  }

  /**
   * The threads the update's passes over θ may use (the bits do not depend on how many); one by
   * default.
   */
  default PassThreads updateThreads() {
    return PassThreads.ONE;
  }

  /** A short description of where the work runs (for logs and the manifest). */
  String describe();
}

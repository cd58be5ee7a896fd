package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;
import java.util.Objects;

/**
 * The double re-evaluation of the single-precision kernels: the rows whose float margin is above
 * {@link SingleStepKernel#EXACT_ABOVE} in size and within {@link
 * SingleStepKernel#WEIGHT_CUTOFF_NATS} (plus the float error) of the block's smallest margin carry
 * the loss weight, so their outputs are replaced by {@link Network#forward} in double (see {@link
 * SingleStepKernel}). Owns its scratch; not thread-safe.
 */
final class NearSupportRows {

  /** A bound on the float output's relative error, widening the cut-off band. */
  static final double FLOAT_OUTPUT_ERROR = 1e-5;

  private final Network network;
  private final Workspace doubleWorkspace;
  private int[] exactRows = new int[0];
  private double[] exactOut = new double[0];

  NearSupportRows(Workspace doubleWorkspace) {
    this.doubleWorkspace = Objects.requireNonNull(doubleWorkspace, "doubleWorkspace");
    this.network = doubleWorkspace.network;
  }

  /**
   * Replaces out[r] (float outputs, r &lt; rows) of the rows carrying the weight by double ones.
   */
  void replace(RowBlock block, double[] theta, double[] out, int rows) {
    double[] y = block.labels();
    double min = Double.POSITIVE_INFINITY;
    for (int r = 0; r < rows; r++) {
      min = Math.min(min, y[r] * out[r]);
    }
    if (!Double.isFinite(min)) {
      return; // NaN or ±∞ margins: the step is refused downstream anyway
    }
    double cut =
        min
            + SingleStepKernel.WEIGHT_CUTOFF_NATS
            + 2 * FLOAT_OUTPUT_ERROR * (Math.abs(min) + SingleStepKernel.WEIGHT_CUTOFF_NATS);
    if (exactRows.length < rows) {
      exactRows = new int[rows];
      exactOut = new double[rows];
    }
    int count = 0;
    for (int r = 0; r < rows; r++) {
      double p = y[r] * out[r];
      if (p <= cut && Math.abs(p) > SingleStepKernel.EXACT_ABOVE) {
        exactRows[count++] = r;
      }
    }
    if (count == 0) {
      return;
    }
    RowBlock sub = count == rows ? block : block.select(exactRows, count);
    network.forward(sub, theta, doubleWorkspace, exactOut);
    for (int k = 0; k < count; k++) {
      out[exactRows[k]] = exactOut[k];
    }
  }
}

package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;
import java.util.Objects;

/**
 * The argument checks of the single-precision {@link StepKernel}s at their public boundary, and the
 * (block, θ) of the last forward that {@link StepKernel#backwardWeighted} requires. Not thread-safe
 * (one per kernel).
 */
final class StepKernelArgs {

  private final Network network;
  private RowBlock lastBlock;
  private double[] lastTheta;
  private int lastRows;

  StepKernelArgs(Network network) {
    this.network = network;
  }

  /** Checks a forward call's arguments, remembers (block, θ) and returns the block's rows. */
  int forward(RowBlock block, double[] theta, double[] out) {
    check(block, theta);
    Objects.requireNonNull(out, "out");
    int rows = block.rows();
    if (out.length < rows) {
      throw new IllegalArgumentException(
          "out: length must be >= rows " + rows + ", got " + out.length);
    }
    lastBlock = block;
    lastTheta = theta;
    lastRows = rows;
    return rows;
  }

  /** Checks a backward call's arguments against the last forward; returns the block's rows. */
  int backward(RowBlock block, double[] theta, double[] coef, double[] gradInOut) {
    check(block, theta);
    Objects.requireNonNull(coef, "coef");
    Objects.requireNonNull(gradInOut, "gradInOut");
    int rows = block.rows();
    if (lastBlock != block || lastTheta != theta || lastRows != rows) {
      throw new IllegalStateException(
          "backwardWeighted: the last forward on this kernel was not on this block and theta");
    }
    if (coef.length < rows) {
      throw new IllegalArgumentException(
          "coef: length must be >= rows " + rows + ", got " + coef.length);
    }
    if (gradInOut.length != network.parameterCount()) {
      throw new IllegalArgumentException(
          "gradInOut: length must be d = "
              + network.parameterCount()
              + ", got "
              + gradInOut.length);
    }
    return rows;
  }

  private void check(RowBlock block, double[] theta) {
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(theta, "theta");
    if (theta.length != network.parameterCount()) {
      throw new IllegalArgumentException(
          "theta: length must be d = " + network.parameterCount() + ", got " + theta.length);
    }
    if (block.features() != network.inputSize()) {
      throw new IllegalArgumentException(
          "block: features must equal the network input size "
              + network.inputSize()
              + ", got "
              + block.features());
    }
  }
}

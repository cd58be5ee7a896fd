package io.marginflow.common.net;

/**
 * A compiled layer of a {@link Network}: shapes, where its weights live in θ, and its block
 * kernels. Activations are stored row-major, one row of {@code inSize}/{@code outSize} doubles per
 * sample, CHW inside a row. Kernels overwrite their output arrays and never allocate.
 */
abstract sealed class Layer permits DenseLayer, Conv2dLayer, PoolLayer {

  /** Position in the network's layer list (0-based). */
  final int index;

  final InputShape inShape;
  final InputShape outShape;
  final int inSize;
  final int outSize;

  /** First index of W in θ (−1 for pools). */
  final int weightOffset;

  /** Number of entries of W (0 for pools). */
  final int weightCount;

  /** First index of the bias in θ, or −1 without bias. */
  final int biasOffset;

  Layer(
      int index,
      InputShape inShape,
      InputShape outShape,
      int weightOffset,
      int weightCount,
      int biasOffset) {
    this.index = index;
    this.inShape = inShape;
    this.outShape = outShape;
    this.inSize = inShape.size();
    this.outSize = outShape.size();
    this.weightOffset = weightOffset;
    this.weightCount = weightCount;
    this.biasOffset = biasOffset;
  }

  /** Entries of θ owned by this layer (weights and bias). */
  final int parameterCount() {
    return weightCount + (biasOffset >= 0 ? outBiasCount() : 0);
  }

  /** Number of bias entries when a bias is present. */
  abstract int outBiasCount();

  /**
   * z[(r − zOrigin)·outSize + j] = layer(x row r)_j for rows r0 ≤ r &lt; r1 (those rows of z are
   * overwritten), x row r at (r − xOrigin)·inSize. An origin is 0 for an array holding the whole
   * block and r0 for a chunk-local one (conv/pool stack only; dense layers take origins 0).
   */
  abstract void forward(
      int r0,
      int r1,
      double[] x,
      int xOrigin,
      double[] theta,
      double[] z,
      int zOrigin,
      Workspace ws);

  /**
   * Whether {@link #backward} itself applies the activation backward of the previous layer (dx ←
   * dx·σ'(pre), as {@link ActivationKernels#backward} would) while it writes dx, so that the
   * network skips its separate pass over dx.
   */
  boolean fusesInputActivation() {
    return false;
  }

  /**
   * For rows r0 ≤ r &lt; r1: given dz = ∂/∂z of the weighted sum, adds the weight (and bias)
   * gradient into {@code grad} and, when {@code dx != null}, overwrites those rows of dx with ∂/∂x.
   * {@code x} is the input given to the matching forward call. Row r of x, dz and dx sits at r
   * minus the array's origin (see {@link #forward}).
   */
  abstract void backward(
      int r0,
      int r1,
      double[] x,
      int xOrigin,
      double[] theta,
      double[] dz,
      int dzOrigin,
      double[] dx,
      int dxOrigin,
      double[] grad,
      Workspace ws);
}

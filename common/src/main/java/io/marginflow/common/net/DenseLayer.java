package io.marginflow.common.net;

/**
 * A fully connected layer z = W·x (+ b on the first layer), W stored out × in row-major in θ. All
 * three products are DGEMMs over the whole block. BLAS is column-major, so a row-major R×C matrix
 * is handed over as its C×R transpose:
 *
 * <ul>
 *   <li>forward Zᵀ = W·Xᵀ: {@code dgemm(T, N, out, rows, in, W, lda=in, X, ldb=in, Z, ldc=out)};
 *   <li>weight gradient Gᵀ += Xᵀ·dZ: {@code dgemm(N, T, in, out, rows, X, in, dZ, out, G, in)};
 *   <li>input gradient dXᵀ = Wᵀ·dZᵀ: {@code dgemm(N, N, in, rows, out, W, in, dZ, out, dX, in)}.
 * </ul>
 *
 * <p>A layer with a single output (the last one) uses two GEMVs and an outer-product loop instead:
 * GEMMs with n = 1 or k = 1 run far below GEMV speed in some BLAS implementations. The outer
 * product also applies the previous layer's activation backward row by row while the row is in L1
 * ({@link #fusesInputActivation}): one pass over dx instead of two (a9a 123-256-1: 53 → 51 ms per
 * full-batch step). The arithmetic is the same as the separate pass, so results are unchanged.
 */
final class DenseLayer extends Layer {

  DenseLayer(int index, InputShape in, int width, int weightOffset, boolean bias) {
    super(
        index,
        in,
        InputShape.flat(width),
        weightOffset,
        width * in.size(),
        bias ? weightOffset + width * in.size() : -1);
  }

  @Override
  int outBiasCount() {
    return outSize;
  }

  @Override
  void forward(
      int r0,
      int r1,
      double[] x,
      int xOrigin,
      double[] theta,
      double[] z,
      int zOrigin,
      Workspace ws) {
    assert xOrigin == 0 && zOrigin == 0 : "dense layers run on whole-block arrays";
    int rows = r1 - r0;
    double beta = 0.0;
    if (biasOffset >= 0) {
      for (int r = r0; r < r1; r++) {
        System.arraycopy(theta, biasOffset, z, r * outSize, outSize);
      }
      beta = 1.0;
    }
    if (outSize == 1) { // z = X·w: a GEMV (degenerate GEMMs are slow in some BLAS)
      Blas.INSTANCE.dgemv(
          "T", inSize, rows, 1.0, x, r0 * inSize, inSize, theta, weightOffset, 1, beta, z, r0, 1);
      return;
    }
    Blas.INSTANCE.dgemm(
        "T",
        "N",
        outSize,
        rows,
        inSize,
        1.0,
        theta,
        weightOffset,
        inSize,
        x,
        r0 * inSize,
        inSize,
        beta,
        z,
        r0 * outSize,
        outSize);
  }

  @Override
  boolean fusesInputActivation() {
    return outSize == 1;
  }

  @Override
  void backward(
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
      Workspace ws) {
    assert xOrigin == 0 && dzOrigin == 0 && dxOrigin == 0 : "dense layers run on whole blocks";
    if (outSize == 1) {
      backwardSingleOutput(r0, r1, x, theta, dz, dx, grad, ws);
      return;
    }
    int rows = r1 - r0;
    Blas.INSTANCE.dgemm(
        "N",
        "T",
        inSize,
        outSize,
        rows,
        1.0,
        x,
        r0 * inSize,
        inSize,
        dz,
        r0 * outSize,
        outSize,
        1.0,
        grad,
        weightOffset,
        inSize);
    if (biasOffset >= 0) {
      addColumnSums(r0, r1, outSize, dz, grad, biasOffset);
    }
    if (dx != null) {
      Blas.INSTANCE.dgemm(
          "N",
          "N",
          inSize,
          rows,
          outSize,
          1.0,
          theta,
          weightOffset,
          inSize,
          dz,
          r0 * outSize,
          outSize,
          0.0,
          dx,
          r0 * inSize,
          inSize);
    }
  }

  /**
   * Width-1 layer: g += Xᵀ·dz by GEMV, bias += Σ dz, dx = dz ⊗ w as a plain outer-product loop,
   * each row then scaled by σ'(pre) of the previous layer when that layer is activated.
   */
  private void backwardSingleOutput(
      int r0,
      int r1,
      double[] x,
      double[] theta,
      double[] dz,
      double[] dx,
      double[] grad,
      Workspace ws) {
    Blas.INSTANCE.dgemv(
        "N", inSize, r1 - r0, 1.0, x, r0 * inSize, inSize, dz, r0, 1, 1.0, grad, weightOffset, 1);
    if (biasOffset >= 0) {
      addColumnSums(r0, r1, 1, dz, grad, biasOffset);
    }
    if (dx != null) {
      Network net = ws.network;
      boolean activated = net.activated[index - 1];
      double[] pre = ws.pre[index - 1];
      for (int r = r0; r < r1; r++) {
        double d = dz[r];
        int base = r * inSize;
        for (int j = 0; j < inSize; j++) {
          dx[base + j] = d * theta[weightOffset + j];
        }
        if (activated) {
          ActivationKernels.backward(
              net.activation, net.reluDerivativeAtZero(), pre, dx, base, base + inSize);
        }
      }
    }
  }

  /** grad[off + j] += Σ_{r0 ≤ r < r1} m[r·width + j]. */
  static void addColumnSums(int r0, int r1, int width, double[] m, double[] grad, int off) {
    for (int r = r0; r < r1; r++) {
      int base = r * width;
      for (int j = 0; j < width; j++) {
        grad[off + j] += m[base + j];
      }
    }
  }
}

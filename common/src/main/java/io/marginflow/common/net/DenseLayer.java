package io.marginflow.common.net;

/**
 * A fully connected layer z = W·x (+ b on the first layer), W stored out × in row-major in θ. All
 * three products are DGEMMs over the whole block. BLAS is column-major, so a row-major R×C matrix is
 * handed over as its C×R transpose:
 *
 * <ul>
 *   <li>forward Zᵀ = W·Xᵀ: {@code dgemm(T, N, out, rows, in, W, lda=in, X, ldb=in, Z, ldc=out)};
 *   <li>weight gradient Gᵀ += Xᵀ·dZ: {@code dgemm(N, T, in, out, rows, X, in, dZ, out, G, in)};
 *   <li>input gradient dXᵀ = Wᵀ·dZᵀ: {@code dgemm(N, N, in, rows, out, W, in, dZ, out, dX, in)}.
 * </ul>
 *
 * <p>A layer with a single output (the last one) uses two GEMVs and an outer-product loop instead:
 * GEMMs with n = 1 or k = 1 run far below GEMV speed in some BLAS implementations.
 */
final class DenseLayer extends Layer {

  DenseLayer(int index, InputShape in, int width, int weightOffset, boolean bias) {
    super(index, in, InputShape.flat(width), weightOffset, width * in.size(),
        bias ? weightOffset + width * in.size() : -1);
  }

  @Override
  int outBiasCount() {
    return outSize;
  }

  @Override
  void forward(int rows, double[] x, double[] theta, double[] z, Workspace ws) {
    double beta = 0.0;
    if (biasOffset >= 0) {
      for (int r = 0; r < rows; r++) {
        System.arraycopy(theta, biasOffset, z, r * outSize, outSize);
      }
      beta = 1.0;
    }
    if (outSize == 1) { // z = X·w: a GEMV (degenerate GEMMs are slow in some BLAS)
      Blas.INSTANCE.dgemv("T", inSize, rows, 1.0, x, 0, inSize, theta, weightOffset, 1, beta, z, 0, 1);
      return;
    }
    Blas.INSTANCE.dgemm("T", "N", outSize, rows, inSize, 1.0, theta, weightOffset, inSize,
        x, 0, inSize, beta, z, 0, outSize);
  }

  @Override
  void backward(int rows, double[] x, double[] theta, double[] dz, double[] dx, double[] grad, Workspace ws) {
    if (outSize == 1) {
      backwardSingleOutput(rows, x, theta, dz, dx, grad);
      return;
    }
    Blas.INSTANCE.dgemm("N", "T", inSize, outSize, rows, 1.0, x, 0, inSize,
        dz, 0, outSize, 1.0, grad, weightOffset, inSize);
    if (biasOffset >= 0) {
      addColumnSums(rows, outSize, dz, grad, biasOffset);
    }
    if (dx != null) {
      Blas.INSTANCE.dgemm("N", "N", inSize, rows, outSize, 1.0, theta, weightOffset, inSize,
          dz, 0, outSize, 0.0, dx, 0, inSize);
    }
  }

  /** Width-1 layer: g += Xᵀ·dz by GEMV, bias += Σ dz, dx = dz ⊗ w as a plain outer-product loop. */
  private void backwardSingleOutput(int rows, double[] x, double[] theta, double[] dz, double[] dx, double[] grad) {
    Blas.INSTANCE.dgemv("N", inSize, rows, 1.0, x, 0, inSize, dz, 0, 1, 1.0, grad, weightOffset, 1);
    if (biasOffset >= 0) {
      addColumnSums(rows, 1, dz, grad, biasOffset);
    }
    if (dx != null) {
      for (int r = 0; r < rows; r++) {
        double d = dz[r];
        int base = r * inSize;
        for (int j = 0; j < inSize; j++) {
          dx[base + j] = d * theta[weightOffset + j];
        }
      }
    }
  }

  /** grad[off + j] += Σ_r m[r·width + j]. */
  static void addColumnSums(int rows, int width, double[] m, double[] grad, int off) {
    for (int r = 0; r < rows; r++) {
      int base = r * width;
      for (int j = 0; j < width; j++) {
        grad[off + j] += m[base + j];
      }
    }
  }
}

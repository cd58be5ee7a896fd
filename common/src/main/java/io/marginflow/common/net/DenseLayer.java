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
    Blas.INSTANCE.dgemm("T", "N", outSize, rows, inSize, 1.0, theta, weightOffset, inSize,
        x, 0, inSize, beta, z, 0, outSize);
  }

  @Override
  void backward(int rows, double[] x, double[] theta, double[] dz, double[] dx, double[] grad, Workspace ws) {
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

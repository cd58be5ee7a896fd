package io.marginflow.common.net;

/**
 * The float products of a dense layer on whole row-major blocks, shared by the single-precision
 * kernels: SGEMV for a layer with one output (degenerate GEMMs are slow in some BLAS), else SGEMM,
 * with the same transposition conventions as {@link DenseLayer}.
 */
final class FloatDenseKernels {

  private FloatDenseKernels() {}

  /** z = W·x (+ b on every row when {@code bias != null}); W is out × in, x rows × in. */
  static void forward(int in, int out, int rows, float[] w, float[] bias, float[] x, float[] z) {
    float beta = 0f;
    if (bias != null) {
      for (int r = 0; r < rows; r++) {
        System.arraycopy(bias, 0, z, r * out, out);
      }
      beta = 1f;
    }
    if (out == 1) {
      Blas.INSTANCE.sgemv("T", in, rows, 1f, x, 0, in, w, 0, 1, beta, z, 0, 1);
    } else {
      Blas.INSTANCE.sgemm("T", "N", out, rows, in, 1f, w, 0, in, x, 0, in, beta, z, 0, out);
    }
  }

  /**
   * g = dZᵀ·X (out × in, overwritten) and, when {@code dx != null}, dX = dZ·W (rows × in,
   * overwritten, before any activation backward).
   */
  static void backward(
      int in, int out, int rows, float[] w, float[] x, float[] dz, float[] g, float[] dx) {
    if (out == 1) {
      Blas.INSTANCE.sgemv("N", in, rows, 1f, x, 0, in, dz, 0, 1, 0f, g, 0, 1);
      if (dx != null) {
        for (int r = 0; r < rows; r++) {
          float d = dz[r];
          int base = r * in;
          for (int j = 0; j < in; j++) {
            dx[base + j] = d * w[j];
          }
        }
      }
      return;
    }
    Blas.INSTANCE.sgemm("N", "T", in, out, rows, 1f, x, 0, in, dz, 0, out, 0f, g, 0, in);
    if (dx != null) {
      Blas.INSTANCE.sgemm("N", "N", in, rows, out, 1f, w, 0, in, dz, 0, out, 0f, dx, 0, in);
    }
  }

  /** grad[off + o] += factor·Σ_r dz[r·out + o] (the bias gradient, summed in double). */
  static void addBiasGradient(
      int out, int rows, float[] dz, double factor, double[] grad, int off) {
    for (int o = 0; o < out; o++) {
      double s = 0;
      for (int r = 0; r < rows; r++) {
        s += dz[r * out + o];
      }
      grad[off + o] += factor * s;
    }
  }
}

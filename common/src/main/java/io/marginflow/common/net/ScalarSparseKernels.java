package io.marginflow.common.net;

import java.util.Arrays;

/**
 * Plain-Java {@link SparseAxpyKernels}: row-wise axpys with {@link Math#fma}, used when the Vector
 * API module is absent. Bit-identical to {@link VectorSparseKernels} by the shared fma order.
 */
final class ScalarSparseKernels implements SparseAxpyKernels {

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void forward(
      int rows,
      int[] ptr,
      int[] col,
      double[] val,
      double[] wt,
      int ld,
      int m,
      double[] bias,
      int biasOff,
      double[] z) {
    for (int r = 0; r < rows; r++) {
      int zr = r * m;
      if (bias != null) {
        System.arraycopy(bias, biasOff, z, zr, m);
      } else {
        Arrays.fill(z, zr, zr + m, 0.0);
      }
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        int base = col[q] * ld;
        double v = val[q];
        for (int o = 0; o < m; o++) {
          z[zr + o] = Math.fma(v, wt[base + o], z[zr + o]);
        }
      }
    }
  }

  @Override
  public void backward(
      int rows,
      int features,
      int[] ptr,
      int[] col,
      double[] val,
      double[] dz,
      int m,
      double[] gt,
      int ld,
      Workspace ws) {
    for (int r = 0; r < rows; r++) {
      int dr = r * m;
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        int base = col[q] * ld;
        double v = val[q];
        for (int o = 0; o < m; o++) {
          gt[base + o] = Math.fma(v, dz[dr + o], gt[base + o]);
        }
      }
    }
  }
}

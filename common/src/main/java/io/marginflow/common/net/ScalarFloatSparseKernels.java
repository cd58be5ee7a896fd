package io.marginflow.common.net;

/**
 * Plain-Java {@link FloatSparseKernels}: row-wise axpys with {@link Math#fma(float, float, float)},
 * used when the Vector API module is absent. Bit-identical to {@link VectorFloatSparseKernels} by
 * the shared fma order.
 */
final class ScalarFloatSparseKernels implements FloatSparseKernels {

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
      float[] wt,
      int ld,
      int m,
      float[] bias,
      float[] z) {
    for (int r = 0; r < rows; r++) {
      int zr = r * m;
      for (int o = 0; o < m; o++) {
        z[zr + o] = bias != null ? bias[o] : 0f;
      }
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        float v = (float) val[q];
        int b = col[q] * ld;
        for (int o = 0; o < m; o++) {
          z[zr + o] = Math.fma(v, wt[b + o], z[zr + o]);
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
      float[] dz,
      int m,
      float[] gt,
      int ld,
      FloatCscScratch csc) {
    for (int r = 0; r < rows; r++) {
      int dr = r * m;
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        float v = (float) val[q];
        int g = col[q] * ld;
        for (int o = 0; o < m; o++) {
          gt[g + o] = Math.fma(v, dz[dr + o], gt[g + o]);
        }
      }
    }
  }
}

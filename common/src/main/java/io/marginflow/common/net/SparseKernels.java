package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import java.util.Arrays;

/**
 * Kernels for a {@link CsrBlock} entering a dense first layer (W₁ is m × p row-major in θ).
 *
 * <p>When the block has at least p non-zeros, W₁ is transposed once per call into the workspace (p
 * × ld, ld = {@link #leadingDimension}(m)) so that each non-zero (j, v) of row r does a contiguous
 * axpy z_r += v·W₁ᵀ[j, :]; the weight gradient is accumulated the same way into a p × ld scratch
 * and transposed back once. These inner loops are {@link SparseAxpyKernels} (Vector API or scalar,
 * bit-identical). Smaller blocks (fewer non-zeros than features, e.g. a few rows of a
 * high-dimensional text set) skip the transposes and gather/scatter strided entries of W₁ directly,
 * which costs O(nnz·m) instead of O(p·m).
 *
 * <p>A single output (m = 1, the linear model) needs no transpose: one dot product per row forward
 * (two interleaved fma chains) and one multiply-add per non-zero backward, straight on θ and the
 * gradient (a9a: 27 → 9 ns and 23 → 14 ns per row against a single fma chain).
 *
 * <p>All paths accumulate with {@link Math#fma} in CSR order, starting from the bias or 0.0, so the
 * forward values of the gather path equal those of the transposed path.
 */
final class SparseKernels {

  /** Tile edge of the blocked transposes (32×32 doubles = 8 KiB per tile). */
  private static final int TILE = 32;

  private SparseKernels() {}

  static boolean useTransposed(CsrBlock block) {
    return block.nonZeros() >= block.features();
  }

  /**
   * Row stride of the transposed scratch tables for m outputs. Rows of 2 KiB (m = 256) would map
   * the same output chunk of every feature to two L1 sets and make the register-blocked loops
   * thrash; one extra cache line per row spreads them over all sets (MNIST forward 160 → 12 ms).
   * Narrow layers keep ld = m.
   */
  static int leadingDimension(int m) {
    return m < 64 ? m : ((m + 7) & ~7) + 8;
  }

  /** z (rows × m) = X·W₁ᵀ (+ b₁). */
  static void forward(CsrBlock block, DenseLayer layer, double[] theta, double[] z, Workspace ws) {
    forward(block, layer, theta, z, ws, SparseAxpyKernels.get());
  }

  /**
   * As {@link #forward(CsrBlock, DenseLayer, double[], double[], Workspace)} with given kernels.
   */
  static void forward(
      CsrBlock block,
      DenseLayer layer,
      double[] theta,
      double[] z,
      Workspace ws,
      SparseAxpyKernels kernels) {
    int rows = block.rows();
    int m = layer.outSize;
    int p = layer.inSize;
    int wOff = layer.weightOffset;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    if (m == 1) {
      forwardSingle(block, theta, wOff, layer.biasOffset >= 0 ? theta[layer.biasOffset] : 0.0, z);
    } else if (useTransposed(block)) {
      int ld = leadingDimension(m);
      double[] wt = ws.sparseScratch(p * ld, false);
      transpose(theta, wOff, m, p, wt, ld);
      boolean bias = layer.biasOffset >= 0;
      kernels.forward(
          rows, ptr, col, val, wt, ld, m, bias ? theta : null, bias ? layer.biasOffset : 0, z);
    } else {
      for (int r = 0; r < rows; r++) {
        int zr = r * m;
        int start = ptr[r];
        int end = ptr[r + 1];
        for (int o = 0; o < m; o++) {
          double s = layer.biasOffset >= 0 ? theta[layer.biasOffset + o] : 0.0;
          int wr = wOff + o * p;
          for (int q = start; q < end; q++) {
            s = Math.fma(val[q], theta[wr + col[q]], s);
          }
          z[zr + o] = s;
        }
      }
    }
  }

  /** grad W₁ += dzᵀ·X (and grad b₁ += column sums of dz). */
  static void backward(CsrBlock block, DenseLayer layer, double[] dz, double[] grad, Workspace ws) {
    backward(block, layer, dz, grad, ws, SparseAxpyKernels.get());
  }

  /**
   * As {@link #backward(CsrBlock, DenseLayer, double[], double[], Workspace)} with given kernels.
   */
  static void backward(
      CsrBlock block,
      DenseLayer layer,
      double[] dz,
      double[] grad,
      Workspace ws,
      SparseAxpyKernels kernels) {
    int rows = block.rows();
    int m = layer.outSize;
    int p = layer.inSize;
    int wOff = layer.weightOffset;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    if (m == 1) {
      backwardSingle(block, dz, grad, wOff);
    } else if (useTransposed(block)) {
      int ld = leadingDimension(m);
      double[] gt = ws.sparseScratch(p * ld, true);
      Arrays.fill(gt, 0, p * ld, 0.0);
      kernels.backward(rows, p, ptr, col, val, dz, m, gt, ld, ws);
      addTransposed(gt, p, m, ld, grad, wOff);
    } else {
      for (int r = 0; r < rows; r++) {
        int dr = r * m;
        int start = ptr[r];
        int end = ptr[r + 1];
        for (int o = 0; o < m; o++) {
          double d = dz[dr + o];
          int wr = wOff + o * p;
          for (int q = start; q < end; q++) {
            grad[wr + col[q]] = Math.fma(val[q], d, grad[wr + col[q]]);
          }
        }
      }
    }
    if (layer.biasOffset >= 0) {
      DenseLayer.addColumnSums(0, rows, m, dz, grad, layer.biasOffset);
    }
  }

  /**
   * z = X·w + b for a single output: W₁ is one row, i.e. already its own transpose. One dot product
   * per row on two fma chains (the even and the odd non-zeros of the row, summed at the end) so
   * that their latencies overlap.
   */
  static void forwardSingle(CsrBlock block, double[] theta, int wOff, double bias, double[] z) {
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    for (int r = 0; r < block.rows(); r++) {
      double even = bias;
      double odd = 0.0;
      int q = ptr[r];
      int end = ptr[r + 1];
      for (; q + 1 < end; q += 2) {
        even = Math.fma(val[q], theta[wOff + col[q]], even);
        odd = Math.fma(val[q + 1], theta[wOff + col[q + 1]], odd);
      }
      if (q < end) {
        even = Math.fma(val[q], theta[wOff + col[q]], even);
      }
      z[r] = even + odd;
    }
  }

  /**
   * grad w += Xᵀ·dz for a single output: one multiply-add per non-zero straight into the gradient
   * (a plain multiply-add: Math.fma into memory measured 1.7× slower here).
   */
  static void backwardSingle(CsrBlock block, double[] dz, double[] grad, int wOff) {
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    for (int r = 0; r < block.rows(); r++) {
      double d = dz[r];
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        grad[wOff + col[q]] += val[q] * d;
      }
    }
  }

  /** dst[j·ld + i] = src[off + i·cols + j] for the rows × cols matrix at off, tiled. */
  static void transpose(double[] src, int off, int rows, int cols, double[] dst, int ld) {
    for (int i0 = 0; i0 < rows; i0 += TILE) {
      int i1 = Math.min(rows, i0 + TILE);
      for (int j0 = 0; j0 < cols; j0 += TILE) {
        int j1 = Math.min(cols, j0 + TILE);
        for (int i = i0; i < i1; i++) {
          int s = off + i * cols;
          for (int j = j0; j < j1; j++) {
            dst[j * ld + i] = src[s + j];
          }
        }
      }
    }
  }

  /** dst[off + j·rows + i] += src[i·ld + j] for i &lt; rows, j &lt; cols, tiled. */
  static void addTransposed(double[] src, int rows, int cols, int ld, double[] dst, int off) {
    for (int i0 = 0; i0 < rows; i0 += TILE) {
      int i1 = Math.min(rows, i0 + TILE);
      for (int j0 = 0; j0 < cols; j0 += TILE) {
        int j1 = Math.min(cols, j0 + TILE);
        for (int j = j0; j < j1; j++) {
          int d = off + j * rows;
          for (int i = i0; i < i1; i++) {
            dst[d + i] += src[i * ld + j];
          }
        }
      }
    }
  }
}

package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import java.util.Arrays;

/**
 * Kernels for a {@link CsrBlock} entering a dense first layer (W₁ is m × p row-major in θ).
 *
 * <p>When the block has at least p non-zeros, W₁ is transposed once per call into the workspace (p
 * × m) so that each non-zero (j, v) of row r does a contiguous axpy z_r += v·W₁ᵀ[j, :]; the weight
 * gradient is accumulated the same way into a p × m scratch and transposed back once. Smaller
 * blocks (fewer non-zeros than features, e.g. a few rows of a high-dimensional text set) skip the
 * transposes and gather/scatter strided entries of W₁ directly, which costs O(nnz·m) instead of
 * O(p·m).
 */
final class SparseKernels {

  /** Tile edge of the blocked transposes (32×32 doubles = 8 KiB per tile). */
  private static final int TILE = 32;

  private SparseKernels() {}

  static boolean useTransposed(CsrBlock block) {
    return block.nonZeros() >= block.features();
  }

  /** z (rows × m) = X·W₁ᵀ (+ b₁). */
  static void forward(CsrBlock block, DenseLayer layer, double[] theta, double[] z, Workspace ws) {
    int rows = block.rows();
    int m = layer.outSize;
    int p = layer.inSize;
    int wOff = layer.weightOffset;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    if (useTransposed(block)) {
      double[] wt = ws.sparseScratch(p * m, false);
      transpose(theta, wOff, m, p, wt);
      for (int r = 0; r < rows; r++) {
        int zr = r * m;
        if (layer.biasOffset >= 0) {
          System.arraycopy(theta, layer.biasOffset, z, zr, m);
        } else {
          Arrays.fill(z, zr, zr + m, 0.0);
        }
        for (int q = ptr[r]; q < ptr[r + 1]; q++) {
          int base = col[q] * m;
          double v = val[q];
          for (int o = 0; o < m; o++) {
            z[zr + o] += v * wt[base + o];
          }
        }
      }
    } else {
      for (int r = 0; r < rows; r++) {
        int zr = r * m;
        int start = ptr[r];
        int end = ptr[r + 1];
        for (int o = 0; o < m; o++) {
          double s = layer.biasOffset >= 0 ? theta[layer.biasOffset + o] : 0.0;
          int wr = wOff + o * p;
          for (int q = start; q < end; q++) {
            s += val[q] * theta[wr + col[q]];
          }
          z[zr + o] = s;
        }
      }
    }
  }

  /** grad W₁ += dzᵀ·X (and grad b₁ += column sums of dz). */
  static void backward(CsrBlock block, DenseLayer layer, double[] dz, double[] grad, Workspace ws) {
    int rows = block.rows();
    int m = layer.outSize;
    int p = layer.inSize;
    int wOff = layer.weightOffset;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    if (useTransposed(block)) {
      double[] gt = ws.sparseScratch(p * m, true);
      Arrays.fill(gt, 0, p * m, 0.0);
      for (int r = 0; r < rows; r++) {
        int dr = r * m;
        for (int q = ptr[r]; q < ptr[r + 1]; q++) {
          int base = col[q] * m;
          double v = val[q];
          for (int o = 0; o < m; o++) {
            gt[base + o] += v * dz[dr + o];
          }
        }
      }
      addTransposed(gt, p, m, grad, wOff);
    } else {
      for (int r = 0; r < rows; r++) {
        int dr = r * m;
        int start = ptr[r];
        int end = ptr[r + 1];
        for (int o = 0; o < m; o++) {
          double d = dz[dr + o];
          int wr = wOff + o * p;
          for (int q = start; q < end; q++) {
            grad[wr + col[q]] += val[q] * d;
          }
        }
      }
    }
    if (layer.biasOffset >= 0) {
      DenseLayer.addColumnSums(0, rows, m, dz, grad, layer.biasOffset);
    }
  }

  /** dst (cols × rows) = src[off ..] (rows × cols)ᵀ, tiled. */
  static void transpose(double[] src, int off, int rows, int cols, double[] dst) {
    for (int i0 = 0; i0 < rows; i0 += TILE) {
      int i1 = Math.min(rows, i0 + TILE);
      for (int j0 = 0; j0 < cols; j0 += TILE) {
        int j1 = Math.min(cols, j0 + TILE);
        for (int i = i0; i < i1; i++) {
          int s = off + i * cols;
          for (int j = j0; j < j1; j++) {
            dst[j * rows + i] = src[s + j];
          }
        }
      }
    }
  }

  /** dst[off + j·rows + i] += src[i·cols + j] for src rows × cols, tiled. */
  static void addTransposed(double[] src, int rows, int cols, double[] dst, int off) {
    for (int i0 = 0; i0 < rows; i0 += TILE) {
      int i1 = Math.min(rows, i0 + TILE);
      for (int j0 = 0; j0 < cols; j0 += TILE) {
        int j1 = Math.min(cols, j0 + TILE);
        for (int j = j0; j < j1; j++) {
          int d = off + j * rows;
          for (int i = i0; i < i1; i++) {
            dst[d + i] += src[i * cols + j];
          }
        }
      }
    }
  }
}

package io.marginflow.common.net;

import java.util.Arrays;

/**
 * The float convolution of one {@link Conv2dLayer} for {@link SingleCnnKernel}: the same im2col +
 * one GEMM per image chunk as the double layer (SGEMM here), with the column layout precomputed
 * once per layer as segments — per column-matrix row (c, kh, kw) the valid output columns [lo, hi)
 * and per (row, oh) the input offset of column 0 — so im2col and col2im are copies and adds of
 * contiguous runs. Shapes as in {@link Conv2dLayer}; rows of x, z, dz and dx sit at r minus the
 * array's origin. Immutable; the scratch arrays are the caller's.
 */
final class FloatConvKernel {

  /** Marks a (row, oh) segment whose input row lies in the padding. */
  private static final int OUTSIDE = Integer.MIN_VALUE;

  private final Conv2dLayer layer;
  private final int colRows;
  private final int colCols;
  private final int outW;
  private final int outH;
  private final int stride;

  /** First valid output column of each column-matrix row. */
  private final int[] lo;

  /** One past the last valid output column of each column-matrix row. */
  private final int[] hi;

  /** Per (row, oh): input offset (inside one image) of output column 0, or {@link #OUTSIDE}. */
  private final int[] src;

  FloatConvKernel(Conv2dLayer layer) {
    this.layer = layer;
    this.colRows = layer.colRows;
    this.colCols = layer.colCols;
    this.outW = layer.outW;
    this.outH = layer.outH;
    this.stride = layer.stride;
    int k = layer.k;
    int pad = layer.pad;
    this.lo = new int[colRows];
    this.hi = new int[colRows];
    this.src = new int[colRows * outH];
    for (int c = 0; c < layer.inC; c++) {
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int row = (c * k + kh) * k + kw;
          int shift = kw - pad; // input column of ow is ow·S + shift
          lo[row] = shift >= 0 ? 0 : (-shift + stride - 1) / stride;
          int limit = layer.inW - 1 - shift;
          hi[row] = limit < 0 ? 0 : Math.min(outW, limit / stride + 1);
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride + kh - pad;
            boolean inside = ih >= 0 && ih < layer.inH && lo[row] < hi[row];
            src[row * outH + oh] = inside ? (c * layer.inH + ih) * layer.inW + shift : OUTSIDE;
          }
        }
      }
    }
  }

  /** Floats of col (and dcol) scratch for chunks of {@code images}. */
  long colScratch(int images) {
    return layer.colScratch(images);
  }

  /** Floats of channel-major output scratch for chunks of {@code images}. */
  long outScratch(int images) {
    return layer.outScratch(images);
  }

  /** The layer's output positions per channel (OH·OW). */
  int positions() {
    return colCols;
  }

  /** z rows [r0, r1) = Ŵ ⋆ x (+ b̂ per channel when {@code bias != null}); w is outC × inC·K·K. */
  void forward(
      int r0,
      int r1,
      float[] x,
      int xOrigin,
      float[] w,
      float[] bias,
      float[] z,
      int zOrigin,
      float[] col,
      float[] convOut) {
    int images = r1 - r0;
    int ld = images * colCols;
    int outC = layer.outC;
    int outSize = layer.outSize;
    for (int n = 0; n < images; n++) {
      im2col(x, (r0 + n - xOrigin) * layer.inSize, col, ld, n * colCols);
    }
    float[] zc = images == 1 ? z : convOut;
    int zcOff = images == 1 ? (r0 - zOrigin) * outSize : 0;
    Blas.INSTANCE.sgemm(
        "N", "N", ld, outC, colRows, 1f, col, 0, ld, w, 0, colRows, 0f, zc, zcOff, ld);
    if (images > 1) {
      for (int n = 0; n < images; n++) {
        for (int c = 0; c < outC; c++) {
          System.arraycopy(
              zc, c * ld + n * colCols, z, (r0 + n - zOrigin) * outSize + c * colCols, colCols);
        }
      }
    }
    if (bias != null) {
      for (int n = r0; n < r1; n++) {
        int zOff = (n - zOrigin) * outSize;
        for (int c = 0; c < outC; c++) {
          float b = bias[c];
          int base = zOff + c * colCols;
          for (int j = 0; j < colCols; j++) {
            z[base + j] += b;
          }
        }
      }
    }
  }

  /**
   * For rows [r0, r1): g += dZ·colᵀ (float, outC × inC·K·K; the caller flushes it to double), the
   * bias gradient factor·Σ dz added to {@code grad} at {@code biasOffset} (when ≥ 0), and when
   * {@code dx != null} dx = col2im(Ŵᵀ·dZ).
   */
  void backward(
      int r0,
      int r1,
      float[] x,
      int xOrigin,
      float[] w,
      float[] dz,
      int dzOrigin,
      float[] dx,
      int dxOrigin,
      float[] g,
      double factor,
      double[] grad,
      int biasOffset,
      float[] col,
      float[] dcol,
      float[] convOut) {
    int images = r1 - r0;
    int ld = images * colCols;
    int outC = layer.outC;
    int outSize = layer.outSize;
    float[] dzc = dz;
    int dzcOff = (r0 - dzOrigin) * outSize;
    if (images > 1) { // pack dZ channel-major: dzc[c][n][pos]
      dzc = convOut;
      dzcOff = 0;
      for (int n = 0; n < images; n++) {
        for (int c = 0; c < outC; c++) {
          System.arraycopy(
              dz, (r0 + n - dzOrigin) * outSize + c * colCols, dzc, c * ld + n * colCols, colCols);
        }
      }
    }
    for (int n = 0; n < images; n++) {
      im2col(x, (r0 + n - xOrigin) * layer.inSize, col, ld, n * colCols);
    }
    Blas.INSTANCE.sgemm(
        "T", "N", colRows, outC, ld, 1f, col, 0, ld, dzc, dzcOff, ld, 1f, g, 0, colRows);
    if (biasOffset >= 0) {
      for (int n = r0; n < r1; n++) {
        int dzOff = (n - dzOrigin) * outSize;
        for (int c = 0; c < outC; c++) {
          double s = 0;
          int base = dzOff + c * colCols;
          for (int j = 0; j < colCols; j++) {
            s += dz[base + j];
          }
          grad[biasOffset + c] += factor * s;
        }
      }
    }
    if (dx != null) {
      Blas.INSTANCE.sgemm(
          "N", "T", ld, colRows, outC, 1f, dzc, dzcOff, ld, w, 0, colRows, 0f, dcol, 0, ld);
      for (int n = 0; n < images; n++) {
        col2im(dcol, ld, n * colCols, dx, (r0 + n - dxOrigin) * layer.inSize);
      }
    }
  }

  /** One image's OH·OW columns of the column matrix (leading dimension ld, first column colOff). */
  void im2col(float[] x, int xOff, float[] col, int ld, int colOff) {
    for (int row = 0; row < colRows; row++) {
      int a = lo[row];
      int b = hi[row];
      int rowBase = row * ld + colOff;
      for (int oh = 0; oh < outH; oh++) {
        int dst = rowBase + oh * outW;
        int s = src[row * outH + oh];
        if (s == OUTSIDE) {
          Arrays.fill(col, dst, dst + outW, 0f);
          continue;
        }
        if (a > 0) {
          Arrays.fill(col, dst, dst + a, 0f);
        }
        int from = xOff + s;
        if (stride == 1) {
          System.arraycopy(x, from + a, col, dst + a, b - a);
        } else {
          for (int ow = a; ow < b; ow++) {
            col[dst + ow] = x[from + ow * stride];
          }
        }
        if (b < outW) {
          Arrays.fill(col, dst + b, dst + outW, 0f);
        }
      }
    }
  }

  /** Zeroes one image of dx (at dxOff), then adds its columns of dcol back to their inputs. */
  void col2im(float[] dcol, int ld, int colOff, float[] dx, int dxOff) {
    Arrays.fill(dx, dxOff, dxOff + layer.inSize, 0f);
    for (int row = 0; row < colRows; row++) {
      int a = lo[row];
      int b = hi[row];
      int rowBase = row * ld + colOff;
      for (int oh = 0; oh < outH; oh++) {
        int s = src[row * outH + oh];
        if (s == OUTSIDE) {
          continue;
        }
        int from = rowBase + oh * outW;
        int to = dxOff + s;
        if (stride == 1) { // unit stride: a loop C2 vectorizes
          for (int ow = a; ow < b; ow++) {
            dx[to + ow] += dcol[from + ow];
          }
        } else {
          for (int ow = a; ow < b; ow++) {
            dx[to + ow * stride] += dcol[from + ow];
          }
        }
      }
    }
  }
}

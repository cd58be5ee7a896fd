package io.marginflow.common.net;

import java.util.Arrays;

/**
 * A 2-D convolution (cross-correlation) z = W ⋆ x (+ b per channel on the first layer), W stored
 * outC × inC × K × K in θ. Per image, im2col builds col (inC·K·K × OH·OW, row-major) and one DGEMM
 * gives the CHW output Z_img = W·col; backward recomputes col (cheaper than storing it) and uses G
 * += dZ_img·colᵀ and dcol = Wᵀ·dZ_img followed by col2im. A 1×1 kernel with stride 1 and no padding
 * uses the input image as col directly.
 */
final class Conv2dLayer extends Layer {

  private final int inC;
  private final int inH;
  private final int inW;
  private final int outC;
  private final int k;
  private final int stride;
  private final int pad;
  private final int outH;
  private final int outW;

  /** inC·K·K, the GEMM inner dimension. */
  final int colRows;

  /** OH·OW, positions per output channel. */
  final int colCols;

  private final boolean identityCol;

  Conv2dLayer(
      int index,
      InputShape in,
      LayerSpec.Conv spec,
      InputShape out,
      int weightOffset,
      boolean bias) {
    super(
        index,
        in,
        out,
        weightOffset,
        spec.channels() * in.channels() * spec.kernel() * spec.kernel(),
        bias ? weightOffset + spec.channels() * in.channels() * spec.kernel() * spec.kernel() : -1);
    this.inC = in.channels();
    this.inH = in.height();
    this.inW = in.width();
    this.outC = spec.channels();
    this.k = spec.kernel();
    this.stride = spec.stride();
    this.pad = spec.padding();
    this.outH = out.height();
    this.outW = out.width();
    this.colRows = inC * k * k;
    this.colCols = outH * outW;
    this.identityCol = k == 1 && stride == 1 && pad == 0;
  }

  @Override
  int outBiasCount() {
    return outC;
  }

  /** Doubles of col scratch this layer needs (0 when the input serves as col). */
  int colScratch() {
    return identityCol ? 0 : colRows * colCols;
  }

  @Override
  void forward(int r0, int r1, double[] x, double[] theta, double[] z, Workspace ws) {
    double[] col = ws.col;
    for (int n = r0; n < r1; n++) {
      double[] a = col;
      int aOff = 0;
      if (identityCol) {
        a = x;
        aOff = n * inSize;
      } else {
        im2col(x, n * inSize, col);
      }
      int zOff = n * outSize;
      Blas.INSTANCE.dgemm(
          "N",
          "N",
          colCols,
          outC,
          colRows,
          1.0,
          a,
          aOff,
          colCols,
          theta,
          weightOffset,
          colRows,
          0.0,
          z,
          zOff,
          colCols);
      if (biasOffset >= 0) {
        for (int c = 0; c < outC; c++) {
          double b = theta[biasOffset + c];
          int base = zOff + c * colCols;
          for (int j = 0; j < colCols; j++) {
            z[base + j] += b;
          }
        }
      }
    }
  }

  @Override
  void backward(
      int r0,
      int r1,
      double[] x,
      double[] theta,
      double[] dz,
      double[] dx,
      double[] grad,
      Workspace ws) {
    double[] col = ws.col;
    double[] dcol = ws.dcol;
    for (int n = r0; n < r1; n++) {
      int dzOff = n * outSize;
      double[] a = col;
      int aOff = 0;
      if (identityCol) {
        a = x;
        aOff = n * inSize;
      } else {
        im2col(x, n * inSize, col);
      }
      Blas.INSTANCE.dgemm(
          "T",
          "N",
          colRows,
          outC,
          colCols,
          1.0,
          a,
          aOff,
          colCols,
          dz,
          dzOff,
          colCols,
          1.0,
          grad,
          weightOffset,
          colRows);
      if (biasOffset >= 0) {
        for (int c = 0; c < outC; c++) {
          double s = 0;
          int base = dzOff + c * colCols;
          for (int j = 0; j < colCols; j++) {
            s += dz[base + j];
          }
          grad[biasOffset + c] += s;
        }
      }
      if (dx != null) {
        // With an identity im2col (1×1 kernel, stride 1, no padding) the column gradient is dx.
        double[] target = identityCol ? dx : dcol;
        int targetOff = identityCol ? n * inSize : 0;
        Blas.INSTANCE.dgemm(
            "N",
            "T",
            colCols,
            colRows,
            outC,
            1.0,
            dz,
            dzOff,
            colCols,
            theta,
            weightOffset,
            colRows,
            0.0,
            target,
            targetOff,
            colCols);
        if (!identityCol) {
          col2im(dcol, dx, n * inSize);
        }
      }
    }
  }

  /**
   * col[((c·K + kh)·K + kw)·OHW + oh·OW + ow] = x[(c, oh·S + kh − P, ow·S + kw − P)] or 0 outside.
   */
  void im2col(double[] x, int xOff, double[] col) {
    for (int c = 0; c < inC; c++) {
      int chan = xOff + c * inH * inW;
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int rowBase = ((c * k + kh) * k + kw) * colCols;
          // valid ow: 0 <= ow*S + kw - P < W
          int owLo = firstValid(kw - pad, stride);
          int owHi = lastValidExclusive(kw - pad, stride, inW, outW);
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride + kh - pad;
            int dst = rowBase + oh * outW;
            if (ih < 0 || ih >= inH || owLo >= owHi) {
              Arrays.fill(col, dst, dst + outW, 0.0);
              continue;
            }
            for (int ow = 0; ow < owLo; ow++) {
              col[dst + ow] = 0.0;
            }
            int src = chan + ih * inW + kw - pad;
            if (stride == 1) {
              System.arraycopy(x, src + owLo, col, dst + owLo, owHi - owLo);
            } else {
              for (int ow = owLo; ow < owHi; ow++) {
                col[dst + ow] = x[src + ow * stride];
              }
            }
            for (int ow = owHi; ow < outW; ow++) {
              col[dst + ow] = 0.0;
            }
          }
        }
      }
    }
  }

  /** Zeroes image n of dx, then adds every col entry back to the input position it came from. */
  void col2im(double[] dcol, double[] dx, int dxOff) {
    Arrays.fill(dx, dxOff, dxOff + inSize, 0.0);
    for (int c = 0; c < inC; c++) {
      int chan = dxOff + c * inH * inW;
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int rowBase = ((c * k + kh) * k + kw) * colCols;
          int owLo = firstValid(kw - pad, stride);
          int owHi = lastValidExclusive(kw - pad, stride, inW, outW);
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride + kh - pad;
            if (ih < 0 || ih >= inH) {
              continue;
            }
            int src = rowBase + oh * outW;
            int dst = chan + ih * inW + kw - pad;
            for (int ow = owLo; ow < owHi; ow++) {
              dx[dst + ow * stride] += dcol[src + ow];
            }
          }
        }
      }
    }
  }

  /** Smallest ow ≥ 0 with ow·S + shift ≥ 0. */
  private static int firstValid(int shift, int s) {
    return shift >= 0 ? 0 : (-shift + s - 1) / s;
  }

  /** One past the largest ow &lt; outW with ow·S + shift &lt; width. */
  private static int lastValidExclusive(int shift, int s, int width, int outW) {
    // ow*s + shift <= width - 1  <=>  ow <= (width - 1 - shift) / s
    int limit = width - 1 - shift;
    if (limit < 0) {
      return 0;
    }
    return Math.min(outW, limit / s + 1);
  }
}

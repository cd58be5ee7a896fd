package io.marginflow.common.net;

import java.util.Arrays;

/**
 * A 2-D convolution (cross-correlation) z = W ⋆ x (+ b per channel on the first layer), W stored
 * outC × inC × K × K in θ. The rows [r0, r1) handed to a kernel (one image chunk of the network, B
 * = r1 − r0 images) run as <b>one</b> DGEMM per product: im2col lays the B images' columns side by
 * side, col (inC·K·K × B·OH·OW, row-major, image n in columns [n·OHW, (n+1)·OHW)), the forward is Z
 * = W·col (outC × B·OHW, channel-major) repacked to CHW per image — unless the max pool after reads
 * it channel-major ({@link #channelMajorOutput}: no repack); backward packs dZ the same way (or
 * takes it channel-major from that pool), recomputes col (cheaper than storing it) and runs G +=
 * dZ·colᵀ (inner dimension B·OHW) and dcol = Wᵀ·dZ followed by col2im per image. For B = 1 the GEMM
 * writes and reads the CHW rows directly (no repack). The weight gradient's sum over a chunk's
 * images is inside one GEMM, so its summation order depends on the chunk size (fixed per network:
 * same bits run to run).
 */
final class Conv2dLayer extends Layer {

  final int inC;
  final int inH;
  final int inW;
  final int outC;
  final int k;
  final int stride;
  final int pad;
  final int outH;
  final int outW;

  /**
   * The forward leaves a chunk of several images channel-major in z (channel c of image n at
   * c·images·OH·OW + n·OH·OW) instead of repacking it to CHW per image: set by {@link Network} when
   * the output is chunk-local and read only by the max pool after (its {@link
   * PoolLayer#channelMajorInput}).
   */
  boolean channelMajorOutput;

  /** inC·K·K, the GEMM inner dimension. */
  final int colRows;

  /** OH·OW, positions per output channel. */
  final int colCols;

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
  }

  @Override
  int outBiasCount() {
    return outC;
  }

  /** Doubles of col (and of dcol) scratch this layer needs for chunks of {@code images}. */
  long colScratch(int images) {
    return (long) colRows * colCols * images;
  }

  /** Doubles of channel-major output scratch this layer needs for chunks of {@code images}. */
  long outScratch(int images) {
    return images > 1 ? (long) outSize * images : 0;
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
    int images = r1 - r0;
    int ld = images * colCols;
    double[] col = ws.col;
    assert col.length >= colRows * ld : "col scratch too small for " + images + " images";
    for (int n = 0; n < images; n++) {
      im2col(x, (r0 + n - xOrigin) * inSize, col, ld, n * colCols);
    }
    // one image: Z is already CHW, written in place; a channel-major output stays channel-major in
    // z (the max pool after reads it so); else channel-major into ws.convOut, then repacked
    boolean inPlace = images == 1 || channelMajorOutput;
    double[] zc = inPlace ? z : ws.convOut;
    int zcOff = inPlace ? (r0 - zOrigin) * outSize : 0;
    Blas.INSTANCE.dgemm(
        "N",
        "N",
        ld,
        outC,
        colRows,
        1.0,
        col,
        0,
        ld,
        theta,
        weightOffset,
        colRows,
        0.0,
        zc,
        zcOff,
        ld);
    if (!inPlace) {
      for (int n = 0; n < images; n++) {
        for (int c = 0; c < outC; c++) {
          System.arraycopy(
              zc, c * ld + n * colCols, z, (r0 + n - zOrigin) * outSize + c * colCols, colCols);
        }
      }
    }
    boolean channelMajor = images > 1 && channelMajorOutput;
    if (biasOffset >= 0) {
      for (int n = r0; n < r1; n++) {
        int zOff = channelMajor ? zcOff + (n - r0) * colCols : (n - zOrigin) * outSize;
        int channelStride = channelMajor ? ld : colCols;
        for (int c = 0; c < outC; c++) {
          double b = theta[biasOffset + c];
          int base = zOff + c * channelStride;
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
      int xOrigin,
      double[] theta,
      double[] dz,
      int dzOrigin,
      double[] dx,
      int dxOrigin,
      double[] grad,
      Workspace ws) {
    int images = r1 - r0;
    int ld = images * colCols;
    double[] col = ws.col;
    double[] dzc = dz;
    int dzcOff = (r0 - dzOrigin) * outSize;
    boolean channelMajor = images > 1 && channelMajorOutput; // dZ already channel-major
    if (images > 1 && !channelMajor) { // pack dZ channel-major: dzc[c][n][pos]
      dzc = ws.convOut;
      dzcOff = 0;
      for (int n = 0; n < images; n++) {
        for (int c = 0; c < outC; c++) {
          System.arraycopy(
              dz, (r0 + n - dzOrigin) * outSize + c * colCols, dzc, c * ld + n * colCols, colCols);
        }
      }
    }
    for (int n = 0; n < images; n++) {
      im2col(x, (r0 + n - xOrigin) * inSize, col, ld, n * colCols);
    }
    Blas.INSTANCE.dgemm(
        "T",
        "N",
        colRows,
        outC,
        ld,
        1.0,
        col,
        0,
        ld,
        dzc,
        dzcOff,
        ld,
        1.0,
        grad,
        weightOffset,
        colRows);
    if (biasOffset >= 0) {
      for (int n = r0; n < r1; n++) {
        int dzOff = channelMajor ? dzcOff + (n - r0) * colCols : (n - dzOrigin) * outSize;
        int channelStride = channelMajor ? ld : colCols;
        for (int c = 0; c < outC; c++) {
          double s = 0;
          int base = dzOff + c * channelStride;
          for (int j = 0; j < colCols; j++) {
            s += dz[base + j];
          }
          grad[biasOffset + c] += s;
        }
      }
    }
    if (dx != null) {
      double[] dcol = ws.dcol;
      Blas.INSTANCE.dgemm(
          "N",
          "T",
          ld,
          colRows,
          outC,
          1.0,
          dzc,
          dzcOff,
          ld,
          theta,
          weightOffset,
          colRows,
          0.0,
          dcol,
          0,
          ld);
      for (int n = 0; n < images; n++) {
        col2im(dcol, ld, n * colCols, dx, (r0 + n - dxOrigin) * inSize);
      }
    }
  }

  /**
   * col[((c·K + kh)·K + kw)·ld + colOff + oh·OW + ow] = x[(c, oh·S + kh − P, ow·S + kw − P)] or 0
   * outside: one image's OH·OW columns of a column matrix with leading dimension ld.
   */
  void im2col(double[] x, int xOff, double[] col, int ld, int colOff) {
    if (stride == 1 && pad == 0) {
      im2colValid(x, xOff, col, ld, colOff);
      return;
    }
    for (int c = 0; c < inC; c++) {
      int chan = xOff + c * inH * inW;
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int rowBase = ((c * k + kh) * k + kw) * ld + colOff;
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

  /**
   * {@link #im2col} for stride 1 without padding (every window inside the image): the K copies of
   * one input row segment (kw = 0 … K − 1) one after the other, while it is in L1 — 17 % less time
   * than row by row of col for the second conv of Lyu–Li's CNN (copies of 10 doubles). The copies
   * are {@link RowCopy}'s: whole vectors rather than {@link System#arraycopy} calls.
   */
  private void im2colValid(double[] x, int xOff, double[] col, int ld, int colOff) {
    RowCopy rows = RowCopy.get();
    for (int c = 0; c < inC; c++) {
      int chan = xOff + c * inH * inW;
      for (int kh = 0; kh < k; kh++) {
        int rowBase = (c * k + kh) * k * ld + colOff;
        for (int oh = 0; oh < outH; oh++) {
          int src = chan + (oh + kh) * inW;
          int dst = rowBase + oh * outW;
          for (int kw = 0; kw < k; kw++) {
            rows.copy(x, src + kw, col, dst + kw * ld, outW);
          }
        }
      }
    }
  }

  /**
   * Zeroes one image of dx (at dxOff), then adds every entry of its columns of dcol (leading
   * dimension ld, first column colOff) back to the input position it came from.
   */
  void col2im(double[] dcol, int ld, int colOff, double[] dx, int dxOff) {
    Arrays.fill(dx, dxOff, dxOff + inSize, 0.0);
    for (int c = 0; c < inC; c++) {
      int chan = dxOff + c * inH * inW;
      for (int kh = 0; kh < k; kh++) {
        for (int kw = 0; kw < k; kw++) {
          int rowBase = ((c * k + kh) * k + kw) * ld + colOff;
          int owLo = firstValid(kw - pad, stride);
          int owHi = lastValidExclusive(kw - pad, stride, inW, outW);
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride + kh - pad;
            if (ih < 0 || ih >= inH) {
              continue;
            }
            int src = rowBase + oh * outW;
            int dst = chan + ih * inW + kw - pad;
            if (stride == 1) { // unit stride: a loop C2 vectorizes (same adds, same order)
              for (int ow = owLo; ow < owHi; ow++) {
                dx[dst + ow] += dcol[src + ow];
              }
            } else {
              for (int ow = owLo; ow < owHi; ow++) {
                dx[dst + ow * stride] += dcol[src + ow];
              }
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

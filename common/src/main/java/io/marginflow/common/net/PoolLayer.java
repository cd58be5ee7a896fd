package io.marginflow.common.net;

import java.util.Arrays;

/**
 * Max or average pooling over K×K windows with stride S, per channel, no padding (1-homogeneous, no
 * weights). Max pooling records, per output, the input position of the first maximum in window scan
 * order (row by row, left to right; a later equal value does not win), and backward routes the
 * gradient there — the fixed tie rule of science.md §1. Average pooling divides by K².
 */
final class PoolLayer extends Layer {

  private final boolean max;
  private final int channels;
  private final int inH;
  private final int inW;
  private final int k;
  private final int stride;
  private final int outH;
  private final int outW;

  PoolLayer(int index, InputShape in, LayerSpec.Pool spec, InputShape out) {
    super(index, in, out, -1, 0, -1);
    this.max = spec.kind() == LayerSpec.PoolKind.MAX;
    this.channels = in.channels();
    this.inH = in.height();
    this.inW = in.width();
    this.k = spec.kernel();
    this.stride = spec.stride();
    this.outH = out.height();
    this.outW = out.width();
  }

  boolean isMax() {
    return max;
  }

  @Override
  int outBiasCount() {
    return 0;
  }

  @Override
  void forward(int r0, int r1, double[] x, double[] theta, double[] z, Workspace ws) {
    if (max) {
      maxForward(r0, r1, x, z, ws.argmax[index]);
    } else {
      avgForward(r0, r1, x, z);
    }
  }

  private void maxForward(int r0, int r1, double[] x, double[] z, int[] argmax) {
    for (int r = r0; r < r1; r++) {
      int xRow = r * inSize;
      int zRow = r * outSize;
      for (int c = 0; c < channels; c++) {
        int chan = c * inH * inW;
        for (int oh = 0; oh < outH; oh++) {
          for (int ow = 0; ow < outW; ow++) {
            int first = chan + oh * stride * inW + ow * stride;
            int best = first;
            double bestValue = x[xRow + first];
            for (int kh = 0; kh < k; kh++) {
              int p = first + kh * inW;
              for (int kw = 0; kw < k; kw++) {
                double v = x[xRow + p + kw];
                // strict '>' keeps the first maximum; written branch-free (int select + max)
                // because the outcome is unpredictable
                best = v > bestValue ? p + kw : best;
                bestValue = Math.max(bestValue, v);
              }
            }
            int o = zRow + (c * outH + oh) * outW + ow;
            z[o] = x[xRow + best];
            argmax[o] = best;
          }
        }
      }
    }
  }

  private void avgForward(int r0, int r1, double[] x, double[] z) {
    double scale = 1.0 / (k * k);
    for (int r = r0; r < r1; r++) {
      int xRow = r * inSize;
      int zRow = r * outSize;
      for (int c = 0; c < channels; c++) {
        int chan = xRow + c * inH * inW;
        for (int oh = 0; oh < outH; oh++) {
          for (int ow = 0; ow < outW; ow++) {
            int first = chan + oh * stride * inW + ow * stride;
            double s = 0;
            for (int kh = 0; kh < k; kh++) {
              int p = first + kh * inW;
              for (int kw = 0; kw < k; kw++) {
                s += x[p + kw];
              }
            }
            z[zRow + (c * outH + oh) * outW + ow] = s * scale;
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
    if (dx == null) {
      return;
    }
    Arrays.fill(dx, r0 * inSize, r1 * inSize, 0.0);
    if (max) {
      int[] argmax = ws.argmax[index];
      for (int r = r0; r < r1; r++) {
        int xRow = r * inSize;
        int zRow = r * outSize;
        for (int o = 0; o < outSize; o++) {
          dx[xRow + argmax[zRow + o]] += dz[zRow + o];
        }
      }
      return;
    }
    double scale = 1.0 / (k * k);
    for (int r = r0; r < r1; r++) {
      int xRow = r * inSize;
      int zRow = r * outSize;
      for (int c = 0; c < channels; c++) {
        int chan = xRow + c * inH * inW;
        for (int oh = 0; oh < outH; oh++) {
          for (int ow = 0; ow < outW; ow++) {
            double g = dz[zRow + (c * outH + oh) * outW + ow] * scale;
            int first = chan + oh * stride * inW + ow * stride;
            for (int kh = 0; kh < k; kh++) {
              int p = first + kh * inW;
              for (int kw = 0; kw < k; kw++) {
                dx[p + kw] += g;
              }
            }
          }
        }
      }
    }
  }
}

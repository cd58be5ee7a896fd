package io.marginflow.common.net;

import java.util.Arrays;

/**
 * The float pooling of one {@link PoolLayer} for {@link SingleCnnKernel}, by the same rules: max
 * pooling keeps the first maximum in window scan order and applies the fused activation σ of the
 * previous layer on the fly; when the pool also fuses σ' (non-overlapping windows), forward stores
 * σ'(pre) at each arg-max (one float per output) and backward writes dx = dz·σ'(pre) there. Average
 * pooling divides by K². Immutable; the arg-max and σ' arrays are the caller's, whole-block (row r
 * at r·outSize).
 */
final class FloatPoolKernel {

  private final PoolLayer layer;
  private final Activation.Kind kind;
  private final float slope;
  private final float[] derivativeByClass;
  private final FloatMaxPool2 maxPool2;
  private final long[] maxPoolScratch;

  FloatPoolKernel(PoolLayer layer) {
    this(layer, FloatMaxPool2.get());
  }

  /** A kernel whose 2×2 stride-2 ReLU max pool runs on {@code maxPool2} (tests pick one). */
  FloatPoolKernel(PoolLayer layer, FloatMaxPool2 maxPool2) {
    this.layer = layer;
    this.maxPool2 = maxPool2;
    this.maxPoolScratch = new long[maxPool2.scratchSize()];
    this.kind = layer.inputActivation == null ? null : layer.inputActivation.kind();
    this.slope = layer.inputActivation == null ? 1f : (float) layer.inputActivation.slope();
    double[] table = layer.derivativeByClass;
    this.derivativeByClass = new float[table == null ? 0 : table.length];
    for (int i = 0; i < derivativeByClass.length; i++) {
      derivativeByClass[i] = (float) table[i];
    }
  }

  /** Pools rows [r0, r1) of x into z; max pools record arg-max (and σ' at it when fused). */
  void forward(
      int r0,
      int r1,
      float[] x,
      int xOrigin,
      float[] z,
      int zOrigin,
      int[] argmax,
      float[] derivativeAt) {
    int inSize = layer.inSize;
    int outSize = layer.outSize;
    boolean storeDerivative = layer.fusesInputActivation();
    for (int r = r0; r < r1; r++) {
      int xRow = (r - xOrigin) * inSize;
      int zRow = (r - zOrigin) * outSize;
      int aRow = r * outSize;
      if (!layer.max) {
        averageRow(x, xRow, z, zRow);
        continue;
      }
      if (layer.k == 2 && kind == Activation.Kind.RELU) {
        maxRelu2(x, xRow, z, zRow, argmax, aRow, storeDerivative ? derivativeAt : null);
        continue; // σ' stored at the arg-max already
      }
      maxAny(x, xRow, z, zRow, argmax, aRow);
      if (storeDerivative) {
        for (int o = 0; o < outSize; o++) {
          derivativeAt[aRow + o] =
              derivativeByClass[PoolLayer.signClass(x[xRow + argmax[aRow + o]])];
        }
      }
    }
  }

  /** 2×2 windows on ReLU(x), one output row at a time (see {@link #maxRow2Relu}). */
  private void maxRelu2(
      float[] x, int xRow, float[] z, int zRow, int[] argmax, int aRow, float[] derivativeAt) {
    int inW = layer.inW;
    for (int c = 0; c < layer.channels; c++) {
      int chan = c * layer.inH * inW;
      for (int oh = 0; oh < layer.outH; oh++) {
        int o = (c * layer.outH + oh) * layer.outW;
        int rowFirst = chan + oh * layer.stride * inW;
        int done =
            layer.stride == 2
                ? maxPool2.row(
                    x,
                    xRow + rowFirst,
                    xRow,
                    inW,
                    layer.outW,
                    z,
                    zRow + o,
                    argmax,
                    aRow + o,
                    derivativeAt,
                    derivativeByClass,
                    maxPoolScratch)
                : 0;
        maxRow2Relu(x, xRow, rowFirst, done, z, zRow + o, argmax, aRow + o, derivativeAt);
      }
    }
  }

  /**
   * One output row of 2×2 windows on ReLU(x), compared as the int bits of max(x, 0) (for floats ≥
   * +0 the bit order is the value order; a NaN with the sign bit clear wins its window); also
   * σ'(pre) at the arg-max when {@code derivativeAt != null}. Positions are relative to the image
   * at xRow. Starts at window {@code from} (the ones before are done by {@link #maxPool2}).
   */
  private void maxRow2Relu(
      float[] x,
      int xRow,
      int rowFirst,
      int from,
      float[] z,
      int zo,
      int[] argmax,
      int ao,
      float[] derivativeAt) {
    int inW = layer.inW;
    int stride = layer.stride;
    int right = inW + 1;
    for (int ow = from; ow < layer.outW; ow++) {
      int p = rowFirst + ow * stride;
      float x0 = x[xRow + p];
      int v0 = reluBits(x0);
      int v1 = reluBits(x[xRow + p + 1]);
      int v2 = reluBits(x[xRow + p + inW]);
      int v3 = reluBits(x[xRow + p + right]);
      int best = v1 > v0 ? p + 1 : p;
      int m = Math.max(v0, v1);
      best = v2 > m ? p + inW : best;
      m = Math.max(m, v2);
      best = v3 > m ? p + right : best;
      m = Math.max(m, v3);
      // x[best] without loading it again: a maximum with bits m > 0 is that entry itself (a
      // positive float or a NaN with the sign bit clear); m = 0 means no entry beat the first.
      float pre = m != 0 ? Float.intBitsToFloat(m) : x0;
      z[zo + ow] = m != 0 ? pre : (x0 != x0 ? x0 : 0f); // = Math.max(pre, 0f)
      argmax[ao + ow] = best;
      if (derivativeAt != null) {
        int c = pre > 0f ? 2 : 0; // PoolLayer#signClass
        c += pre == 0f ? 1 : 0;
        c += pre != pre ? 3 : 0;
        derivativeAt[ao + ow] = derivativeByClass[c];
      }
    }
  }

  private static int reluBits(float v) {
    int b = Float.floatToRawIntBits(v);
    return b & ~(b >> 31);
  }

  /** Any K and stride, σ applied when fused: first maximum in scan order. */
  private void maxAny(float[] x, int xRow, float[] z, int zRow, int[] argmax, int aRow) {
    int inW = layer.inW;
    int k = layer.k;
    int stride = layer.stride;
    for (int c = 0; c < layer.channels; c++) {
      int chan = c * layer.inH * inW;
      for (int oh = 0; oh < layer.outH; oh++) {
        for (int ow = 0; ow < layer.outW; ow++) {
          int o = (c * layer.outH + oh) * layer.outW + ow;
          int first = chan + oh * stride * inW + ow * stride;
          int best = first;
          float bestValue = sigma(x[xRow + first]);
          for (int kh = 0; kh < k; kh++) {
            int p = first + kh * inW;
            for (int kw = 0; kw < k; kw++) {
              float v = sigma(x[xRow + p + kw]);
              best = v > bestValue ? p + kw : best; // strict: the first maximum wins
              bestValue = Math.max(bestValue, v);
            }
          }
          z[zRow + o] = sigma(x[xRow + best]);
          argmax[aRow + o] = best;
        }
      }
    }
  }

  private float sigma(float v) {
    if (kind == null) {
      return v;
    }
    return switch (kind) {
      case RELU -> Math.max(v, 0f);
      case LEAKY -> slope <= 1f ? Math.max(v, slope * v) : Math.min(v, slope * v);
      case IDENTITY -> v;
    };
  }

  private void averageRow(float[] x, int xRow, float[] z, int zRow) {
    int inW = layer.inW;
    int k = layer.k;
    int stride = layer.stride;
    float scale = 1f / (k * k);
    for (int c = 0; c < layer.channels; c++) {
      int chan = xRow + c * layer.inH * inW;
      for (int oh = 0; oh < layer.outH; oh++) {
        for (int ow = 0; ow < layer.outW; ow++) {
          int first = chan + oh * stride * inW + ow * stride;
          float s = 0;
          for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
              s += x[first + kh * inW + kw];
            }
          }
          z[zRow + (c * layer.outH + oh) * layer.outW + ow] = s * scale;
        }
      }
    }
  }

  /** dx rows [r0, r1) = the pool's backward of dz (σ' applied at the arg-max when fused). */
  void backward(
      int r0,
      int r1,
      float[] dz,
      int dzOrigin,
      float[] dx,
      int dxOrigin,
      int[] argmax,
      float[] derivativeAt) {
    int inSize = layer.inSize;
    int outSize = layer.outSize;
    Arrays.fill(dx, (r0 - dxOrigin) * inSize, (r1 - dxOrigin) * inSize, 0f);
    boolean fused = layer.fusesInputActivation();
    for (int r = r0; r < r1; r++) {
      int dxRow = (r - dxOrigin) * inSize;
      int dzRow = (r - dzOrigin) * outSize;
      int aRow = r * outSize;
      if (layer.max && fused) { // one contribution per input: dx = (0 + dz)·σ'(pre)
        for (int o = 0; o < outSize; o++) {
          dx[dxRow + argmax[aRow + o]] = (0f + dz[dzRow + o]) * derivativeAt[aRow + o];
        }
      } else if (layer.max) {
        for (int o = 0; o < outSize; o++) {
          dx[dxRow + argmax[aRow + o]] += dz[dzRow + o];
        }
      } else {
        averageBackwardRow(dz, dzRow, dx, dxRow);
      }
    }
  }

  private void averageBackwardRow(float[] dz, int dzRow, float[] dx, int dxRow) {
    int inW = layer.inW;
    int k = layer.k;
    int stride = layer.stride;
    float scale = 1f / (k * k);
    for (int c = 0; c < layer.channels; c++) {
      int chan = dxRow + c * layer.inH * inW;
      for (int oh = 0; oh < layer.outH; oh++) {
        for (int ow = 0; ow < layer.outW; ow++) {
          float g = dz[dzRow + (c * layer.outH + oh) * layer.outW + ow] * scale;
          int first = chan + oh * stride * inW + ow * stride;
          for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
              dx[first + kh * inW + kw] += g;
            }
          }
        }
      }
    }
  }
}

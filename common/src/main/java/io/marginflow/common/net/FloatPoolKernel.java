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
  private FloatMaxPool2 maxPool2;
  private final long[] maxPoolScratch;

  /**
   * Watches a vector pool for allocation after warm-up; null for the scalar one or once fallen
   * back.
   */
  private PoolAllocationGuard guard;

  FloatPoolKernel(PoolLayer layer) {
    this(layer, FloatMaxPool2.get());
  }

  /** A kernel whose 2×2 stride-2 ReLU max pool runs on {@code maxPool2} (tests pick one). */
  FloatPoolKernel(PoolLayer layer, FloatMaxPool2 maxPool2) {
    this(layer, maxPool2, PoolAllocationGuard.WARM_UP_CALLS, PoolAllocationGuard.WARM_UP_NANOS);
  }

  /**
   * As above, with the allocation guard of a vector pool measuring after {@code warmUp} calls and
   * {@code warmUpNanos} since the first.
   */
  FloatPoolKernel(PoolLayer layer, FloatMaxPool2 maxPool2, long warmUp, long warmUpNanos) {
    this.layer = layer;
    this.maxPool2 = maxPool2;
    this.guard =
        maxPool2 instanceof VectorFloatMaxPool2 && PoolAllocationGuard.available()
            ? new PoolAllocationGuard("float vector max pool", warmUp, warmUpNanos)
            : null;
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
                ? poolRow(x, xRow + rowFirst, xRow, z, zRow + o, argmax, aRow + o, derivativeAt)
                : 0;
        maxRow2Relu(x, xRow, rowFirst, done, z, zRow + o, argmax, aRow + o, derivativeAt);
      }
    }
  }

  /** {@link FloatMaxPool2#row} of {@link #maxPool2}, watched by {@link #guard}. */
  private int poolRow(
      float[] x,
      int p0,
      int origin,
      float[] z,
      int zo,
      int[] argmax,
      int ao,
      float[] derivativeAt) {
    long start = guard == null ? -1L : guard.start();
    int done =
        maxPool2.row(
            x,
            p0,
            origin,
            layer.inW,
            layer.outW,
            z,
            zo,
            argmax,
            ao,
            derivativeAt,
            derivativeByClass,
            maxPoolScratch);
    if (start >= 0 && guard.fallBackAfter(start)) {
      maxPool2 = new ScalarFloatMaxPool2();
      guard = null;
    }
    return done;
  }

  /** The pool implementation in use (the vector one until its guard falls back). */
  String poolName() {
    return maxPool2.name();
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
    int base = xRow + rowFirst;
    for (int ow = from; ow < layer.outW; ow++) {
      int p = base + ow * stride;
      int v0 = reluBits(x[p]);
      int v1 = reluBits(x[p + 1]);
      int v2 = reluBits(x[p + inW]);
      int v3 = reluBits(x[p + right]);
      // a tournament without branches: top pair, bottom pair, then the winners; a later entry
      // wins only when strictly greater, so the first maximum in scan order is kept
      int r = lessThan(v0, v1);
      int top = v0 + ((v1 - v0) & -r);
      int s = lessThan(v2, v3);
      int bottom = v2 + ((v3 - v2) & -s);
      int t = lessThan(top, bottom);
      int idx = r + t * (inW + s - r);
      float pre = x[p + idx];
      z[zo + ow] = Math.max(pre, 0f);
      argmax[ao + ow] = rowFirst + ow * stride + idx;
      if (derivativeAt != null) {
        int c = pre > 0f ? 2 : 0; // PoolLayer#signClass
        c += pre == 0f ? 1 : 0;
        c += pre != pre ? 3 : 0;
        derivativeAt[ao + ow] = derivativeByClass[c];
      }
    }
  }

  /** 1 if a &lt; b, else 0, for a, b ≥ 0 (a − b cannot overflow): no compare, no branch. */
  private static int lessThan(int a, int b) {
    return (a - b) >>> 31;
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

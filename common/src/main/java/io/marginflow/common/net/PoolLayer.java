package io.marginflow.common.net;

import java.util.Arrays;

/**
 * Max or average pooling over K×K windows with stride S, per channel, no padding (1-homogeneous, no
 * weights). Max pooling records, per output, the input position of the first maximum in window scan
 * order (row by row, left to right; a later equal value does not win), and backward routes the
 * gradient there — the fixed tie rule of science.md §1. Average pooling divides by K².
 *
 * <p>A max pool right after an activated layer fuses the activation: forward reads the previous
 * layer's pre-activations and applies σ to each window entry on the fly (the same expression as
 * {@link ActivationKernels#forward}, so the values and the arg-max are those of σ(pre) bit for bit,
 * and σ(pre) is never stored); with non-overlapping windows (stride ≥ K) backward also writes dx =
 * dz·σ'(pre) at the arg-max directly ({@link #fusesInputActivation}; forward stores the sign class
 * of pre at the arg-max, one byte, so backward never reads pre and the network keeps pre
 * chunk-local), instead of a scatter followed by a σ' pass over the whole input. Every input gets
 * at most one contribution, so the products are those of the separate passes; only a NaN
 * pre-activation outside the arg-max no longer turns its (zero) gradient into NaN. Both save passes
 * over the largest activations of a CNN.
 */
final class PoolLayer extends Layer {

  final boolean max;
  final int channels;
  final int inH;
  final int inW;
  final int k;
  final int stride;
  final int outH;
  final int outW;

  /**
   * A max pool fusing σ' keeps the sign class of pre at each arg-max ({@link #signClass}) in the
   * arg-max int itself, from this bit on: one store per output instead of two.
   */
  static final int SIGN_SHIFT = 29;

  /** The arg-max offset's bits below {@link #SIGN_SHIFT}. */
  static final int OFFSET_MASK = (1 << SIGN_SHIFT) - 1;

  /** σ of the previous layer when fused into this max pool (null: not fused). */
  final Activation inputActivation;

  private final double reluDerivativeAtZero;

  /** σ' of the fused activation per {@link #signClass} (null when not fused). */
  final double[] derivativeByClass;

  /**
   * A pool layer; {@code inputActivation} is σ of the previous layer when that layer is activated
   * (null otherwise), fused when this is a max pool and σ is not the identity.
   */
  PoolLayer(
      int index,
      InputShape in,
      LayerSpec.Pool spec,
      InputShape out,
      Activation inputActivation,
      double reluDerivativeAtZero) {
    super(index, in, out, -1, 0, -1);
    this.max = spec.kind() == LayerSpec.PoolKind.MAX;
    this.channels = in.channels();
    this.inH = in.height();
    this.inW = in.width();
    this.k = spec.kernel();
    this.stride = spec.stride();
    this.outH = out.height();
    this.outW = out.width();
    this.inputActivation =
        max && inputActivation != null && inputActivation.kind() != Activation.Kind.IDENTITY
            ? inputActivation
            : null;
    this.reluDerivativeAtZero = reluDerivativeAtZero;
    this.derivativeByClass =
        this.inputActivation == null
            ? null
            : derivativeTable(this.inputActivation.slope(), reluDerivativeAtZero);
    if (fusesInputActivation() && inSize > OFFSET_MASK) {
      throw new IllegalArgumentException(
          "max pool on " + in + ": more than 2^" + SIGN_SHIFT + " inputs per image");
    }
  }

  /**
   * The input is one image chunk of the conv layer before, channel-major (channel c of the chunk's
   * image n at c·images·plane + n·plane) as its DGEMM wrote it, not CHW per image, and backward
   * writes the input gradient in the same layout: set by {@link Network} for a chunk-local conv
   * output (read by this pool only), so the conv repacks neither its output nor its gradient.
   */
  boolean channelMajorInput;

  /**
   * Where image r's input starts, for an input whose row {@code origin} is first: its CHW row, or
   * for a {@link #channelMajorInput} its plane in channel 0 (channel c is c·(images − 1)·plane
   * further, see maxForward).
   */
  private int inputRow(int r, int origin) {
    return (r - origin) * (channelMajorInput ? inH * inW : inSize);
  }

  boolean isMax() {
    return max;
  }

  /** Whether forward reads the previous layer's pre-activations and applies σ itself. */
  boolean fusesForwardActivation() {
    return inputActivation != null;
  }

  @Override
  boolean fusesInputActivation() {
    return inputActivation != null && stride >= k;
  }

  @Override
  int outBiasCount() {
    return 0;
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
    if (max) {
      maxForward(
          r0,
          r1,
          x,
          xOrigin,
          z,
          zOrigin,
          ws.argmax[index],
          fusesInputActivation(),
          ws.maxPool2,
          ws.valuesOnly);
    } else {
      avgForward(r0, r1, x, xOrigin, z, zOrigin);
    }
  }

  /**
   * Max pool of σ(x) (σ = the fused activation, or none): per window the first maximum in scan
   * order, branch-free (an int select and {@link Math#max}; the outcome is unpredictable). The
   * arg-max (and, when backward fuses σ', the sign class of the pre-activation there, in {@code
   * argmax} above the offset, see {@link #SIGN_SHIFT}) is stored per output for the whole block.
   */
  private void maxForward(
      int r0,
      int r1,
      double[] x,
      int xOrigin,
      double[] z,
      int zOrigin,
      int[] argmax,
      boolean withSign,
      WatchedDoubleMaxPool2 pool2,
      boolean valuesOnly) {
    Activation.Kind kind = inputActivation == null ? null : inputActivation.kind();
    double a = inputActivation == null ? 1.0 : inputActivation.slope();
    int plane = inH * inW;
    // channel-major input (see channelMajorInput): channel c of image n at c·ld + n·plane, ld =
    // images·plane; xRow below is then per channel, so that xRow + chan is that plane's start and
    // the arg-max stays an offset within the image's CHW row, as backward expects
    int channelSkip = channelMajorInput ? (r1 - r0 - 1) * plane : 0;
    for (int r = r0; r < r1; r++) {
      int imageRow = inputRow(r, xOrigin);
      int zRow = (r - zOrigin) * outSize;
      int aRow = r * outSize;
      for (int c = 0; c < channels; c++) {
        int chan = c * plane;
        int xRow = imageRow + c * channelSkip;
        if (k == 2 && kind == Activation.Kind.RELU && stride == 2 && valuesOnly) {
          int oc = c * outH * outW;
          int done = pool2.planeValues(x, xRow + chan, xRow, inW, outW, outH, z, zRow + oc);
          for (int oh = 0; oh < outH && done < outW; oh++) {
            int rowFirst = chan + oh * stride * inW;
            maxRow2Relu(
                x,
                xRow,
                rowFirst,
                done,
                outW,
                stride,
                inW,
                z,
                zRow + oc + oh * outW,
                null,
                0,
                false);
          }
          continue;
        }
        if (k == 2 && kind == Activation.Kind.RELU) {
          int oc = c * outH * outW;
          int done =
              stride == 2
                  ? pool2.plane(
                      x,
                      xRow + chan,
                      xRow,
                      inW,
                      outW,
                      outH,
                      z,
                      zRow + oc,
                      argmax,
                      aRow + oc,
                      withSign)
                  : 0;
          for (int oh = 0; oh < outH && done < outW; oh++) {
            int o = oc + oh * outW;
            int rowFirst = chan + oh * stride * inW;
            maxRow2Relu(
                x, xRow, rowFirst, done, outW, stride, inW, z, zRow + o, argmax, aRow + o,
                withSign);
          }
          continue; // stored pre at the arg-max itself
        }
        for (int oh = 0; oh < outH; oh++) {
          int o = (c * outH + oh) * outW;
          int rowFirst = chan + oh * stride * inW;
          if (k == 2 && kind == null) {
            maxRow2(x, xRow, rowFirst, z, zRow + o, argmax, aRow + o);
          } else {
            maxRow(x, xRow, rowFirst, z, zRow + o, argmax, aRow + o, kind, a);
          }
          if (withSign) {
            for (int ow = 0; ow < outW; ow++) {
              int best = argmax[aRow + o + ow];
              argmax[aRow + o + ow] = best | signClass(x[xRow + best]) << SIGN_SHIFT;
            }
          }
        }
      }
    }
  }

  /** One output row, any K, σ applied when kind is not null. */
  private void maxRow(
      double[] x,
      int xRow,
      int rowFirst,
      double[] z,
      int zo,
      int[] argmax,
      int ao,
      Activation.Kind kind,
      double a) {
    for (int ow = 0; ow < outW; ow++) {
      int first = rowFirst + ow * stride;
      int best = first;
      double bestValue = sigma(kind, a, x[xRow + first]);
      for (int kh = 0; kh < k; kh++) {
        int p = first + kh * inW;
        for (int kw = 0; kw < k; kw++) {
          double v = sigma(kind, a, x[xRow + p + kw]);
          // strict '>' keeps the first maximum
          best = v > bestValue ? p + kw : best;
          bestValue = Math.max(bestValue, v);
        }
      }
      z[zo + ow] = sigma(kind, a, x[xRow + best]);
      argmax[ao + ow] = best;
    }
  }

  private static double sigma(Activation.Kind kind, double a, double v) {
    return kind == null ? v : ActivationKernels.apply(kind, a, v);
  }

  /** One output row of a 2×2 window (scan order p, p+1, p+W, p+W+1), no σ. */
  private void maxRow2(
      double[] x, int xRow, int rowFirst, double[] z, int zo, int[] argmax, int ao) {
    for (int ow = 0; ow < outW; ow++) {
      int p = rowFirst + ow * stride;
      int q = p + inW;
      double v0 = x[xRow + p];
      double v1 = x[xRow + p + 1];
      double v2 = x[xRow + q];
      double v3 = x[xRow + q + 1];
      int best = v1 > v0 ? p + 1 : p;
      double m = Math.max(v0, v1);
      best = v2 > m ? q : best;
      m = Math.max(m, v2);
      best = v3 > m ? q + 1 : best;
      z[zo + ow] = x[xRow + best];
      argmax[ao + ow] = best;
    }
  }

  /**
   * As {@link #maxRow2} on ReLU(x) = max(x, 0), windows [from, to) of a row of stride {@code
   * stride} in an input of width {@code w} (the ones before are done by the workspace's {@link
   * DoubleMaxPool2}, which also calls this for window groups that hold a NaN), also storing the
   * arg-max unless {@code argmax} is null (values only) and the sign class of pre at the arg-max
   * above it ({@link #SIGN_SHIFT}) when {@code withSign}. The window is compared on the bits of
   * ReLU(x) as longs: for doubles ≥ +0.0 (ReLU maps −0.0 and negatives to +0.0) the order and the
   * ties of the bit patterns are those of the values. NaN: a NaN with the sign bit clear wins its
   * window, one with it set counts as 0.
   *
   * <p>Branch-free (session 8): a tournament, top pair, bottom pair, then the two winners, where a
   * later entry wins only when strictly greater — the first maximum in scan order, as a sequential
   * scan gives — with every compare and select as arithmetic on the non-negative bit patterns
   * ({@link #lessThan}, a − b never overflows). A {@code ?:} select or {@link Math#max} is compiled
   * to a branch or a conditional move depending on the profile C2 saw; on the conv outputs of a
   * real network it chose branches, mispredicted half the time: 12.2 ns per output (thread CPU)
   * against 5.4 ns now, same bits ({@code MaxPool2ReluTest} keeps the previous loop as the
   * reference).
   */
  static void maxRow2Relu(
      double[] x,
      int xRow,
      int rowFirst,
      int from,
      int to,
      int stride,
      int w,
      double[] z,
      int zo,
      int[] argmax,
      int ao,
      boolean withSign) {
    int base = xRow + rowFirst;
    for (int ow = from; ow < to; ow++) {
      int p = base + ow * stride;
      long v0 = reluBits(x[p]);
      long v1 = reluBits(x[p + 1]);
      long v2 = reluBits(x[p + w]);
      long v3 = reluBits(x[p + w + 1]);
      int r = lessThan(v0, v1);
      long top = v0 + ((v1 - v0) & -r);
      int s = lessThan(v2, v3);
      long bottom = v2 + ((v3 - v2) & -s);
      int t = lessThan(top, bottom);
      int idx = r + t * (w + s - r);
      double pre = x[p + idx];
      z[zo + ow] = Math.max(pre, 0.0);
      if (argmax == null) {
        continue; // values only
      }
      argmax[ao + ow] =
          (rowFirst + ow * stride + idx) | (withSign ? signClass(pre) << SIGN_SHIFT : 0);
    }
  }

  /** 1 if a &lt; b, else 0, for a, b ≥ 0 (no overflow in a − b): no compare, no branch. */
  private static int lessThan(long a, long b) {
    return (int) ((a - b) >>> 63);
  }

  /** The bits of ReLU(v) for non-NaN v: negative values and −0.0 (sign bit set) become +0.0. */
  private static long reluBits(double v) {
    long b = Double.doubleToRawLongBits(v);
    return b & ~(b >> 63);
  }

  /**
   * What σ'(pre) depends on: 0 for pre &lt; 0, 1 for ±0, 2 for pre &gt; 0, 3 for NaN (one byte per
   * pool output instead of the double; branch-free int selects).
   */
  static byte signClass(double pre) {
    int c = pre > 0.0 ? 2 : 0;
    c += pre == 0.0 ? 1 : 0;
    c += pre != pre ? 3 : 0;
    return (byte) c;
  }

  /**
   * σ' per {@link #signClass}: exactly the values {@link ActivationKernels#derivative} returns (a,
   * e, 1, NaN), checked in the tests.
   */
  static double[] derivativeTable(double a, double e) {
    return new double[] {
      ActivationKernels.derivative(-1.0, a, e),
      ActivationKernels.derivative(0.0, a, e),
      ActivationKernels.derivative(1.0, a, e),
      ActivationKernels.derivative(Double.NaN, a, e)
    };
  }

  private void avgForward(int r0, int r1, double[] x, int xOrigin, double[] z, int zOrigin) {
    double scale = 1.0 / (k * k);
    for (int r = r0; r < r1; r++) {
      int xRow = (r - xOrigin) * inSize;
      int zRow = (r - zOrigin) * outSize;
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
      int xOrigin,
      double[] theta,
      double[] dz,
      int dzOrigin,
      double[] dx,
      int dxOrigin,
      double[] grad,
      Workspace ws) {
    if (dx == null) {
      return;
    }
    Arrays.fill(dx, (r0 - dxOrigin) * inSize, (r1 - dxOrigin) * inSize, 0.0);
    if (max) {
      int[] argmax = ws.argmax[index];
      boolean fused = fusesInputActivation();
      double[] factor = derivativeByClass;
      int plane = inH * inW;
      int outPlane = outH * outW;
      int channelSkip = channelMajorInput ? (r1 - r0 - 1) * plane : 0; // as in maxForward
      for (int r = r0; r < r1; r++) {
        int dxRow = (r - dxOrigin) * inSize;
        int dzRow = (r - dzOrigin) * outSize;
        int aRow = r * outSize;
        if (fused) { // fused σ', one contribution per input: dx = (0 + dz)·σ'(pre), in x's layout
          int imageRow = inputRow(r, dxOrigin);
          for (int c = 0; c < channels; c++) {
            int dxc = imageRow + c * channelSkip;
            for (int o = c * outPlane; o < (c + 1) * outPlane; o++) {
              int a = argmax[aRow + o];
              dx[dxc + (a & OFFSET_MASK)] = (0.0 + dz[dzRow + o]) * factor[a >>> SIGN_SHIFT];
            }
          }
        } else {
          for (int o = 0; o < outSize; o++) {
            dx[dxRow + argmax[aRow + o]] += dz[dzRow + o];
          }
        }
      }
      return;
    }
    double scale = 1.0 / (k * k);
    for (int r = r0; r < r1; r++) {
      int dzRow = (r - dzOrigin) * outSize;
      for (int c = 0; c < channels; c++) {
        int chan = (r - dxOrigin) * inSize + c * inH * inW;
        for (int oh = 0; oh < outH; oh++) {
          for (int ow = 0; ow < outW; ow++) {
            double g = dz[dzRow + (c * outH + oh) * outW + ow] * scale;
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

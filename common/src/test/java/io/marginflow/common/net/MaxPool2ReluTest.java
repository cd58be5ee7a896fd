package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The double 2×2 max pool on ReLU(x) ({@code PoolLayer.maxRow2Relu}, branch-free since session 8):
 * the same bits as the compare-and-select loop it replaced (kept below as {@link #previousLoop}),
 * the arg-max, value and sign class of a naive window scan, exact 1-homogeneity (Euler: pool(2ᵏx) =
 * 2ᵏ·pool(x), same arg-max) and determinism; stride 2 (σ' stored) and stride 1 (overlapping, σ' not
 * stored), odd widths, ties of zeros, −0.0, negatives and equal positives, subnormals, huge values
 * and NaNs of both signs.
 */
class MaxPool2ReluTest {

  /** The pool after the first (ReLU) conv of each: 2×2 windows, stride 2 or 1. */
  private static final String[] SPECS = {
    "cnn:1x28x28-conv3k5-maxpool2-dense1",
    "cnn:2x13x13-conv3k2-maxpool2-dense1",
    "cnn:1x12x12-conv2k3-maxpool2s1-dense1",
    "cnn:1x10x10-conv2k2-maxpool2-dense1",
    "cnn:2x20x20-conv2k3-maxpool2-dense1",
    "cnn:1x36x36-conv1k3-maxpool2-dense1"
  };

  private static final double[] SPECIAL = {
    0.0,
    -0.0,
    1.0,
    2.0,
    -1.0,
    -2.0,
    Double.MIN_VALUE,
    -Double.MIN_VALUE,
    3.5,
    Double.MAX_VALUE,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY
  };

  private static final int ROWS = 3;

  /**
   * The Vector API pool ({@link VectorDoubleMaxPool2}, session 8 second round) and the scalar loop
   * alone give the same bits in every input mode, NaNs included, and those of the naive scan; so do
   * both in a values-only pass (z only, {@link Network#forwardValues}): rows of 4–17 windows (one
   * vector, vectors plus a scalar tail, odd input widths), several channels.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4})
  void vectorPoolGivesTheBitsOfTheScalarLoop(int mode) {
    DoubleMaxPool2 vector = VectorDoubleMaxPool2.createIfUseful();
    assertNotNull(vector, "the preferred shape holds at least four doubles on test machines");
    SplittableRandom rnd = new SplittableRandom(41 + mode);
    for (String text : SPECS) {
      Network net = Network.parse(text);
      PoolLayer pool = (PoolLayer) net.layers[1];
      double[] x = inputs(ROWS * pool.inSize, mode, rnd);
      Result fast = run(new Workspace(net, vector, Long.MAX_VALUE, 0), pool, x);
      Result slow = run(new Workspace(net, new ScalarDoubleMaxPool2(), Long.MAX_VALUE, 0), pool, x);
      String what = text + " mode " + mode;
      assertArrayEquals(bits(slow.z()), bits(fast.z()), what + " z");
      assertArrayEquals(slow.argmax(), fast.argmax(), what + " arg-max");
      assertArrayEquals(slow.signAt(), fast.signAt(), what + " sign class");
      if (mode < 4) {
        assertNaiveScan(pool, x, fast, what);
      }
      for (DoubleMaxPool2 kernel : new DoubleMaxPool2[] {vector, new ScalarDoubleMaxPool2()}) {
        Workspace ws = new Workspace(net, kernel, Long.MAX_VALUE, 0);
        ws.ensureRows(ROWS);
        ws.valuesOnly = true; // as Network.forwardValues sets it
        double[] z = new double[ROWS * pool.outSize];
        pool.forward(0, ROWS, inputLayout(pool, x), 0, null, z, 0, ws);
        assertArrayEquals(bits(slow.z()), bits(z), what + " values only, " + kernel.name());
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void branchFreePoolKeepsTheBitsAndTheFirstMaximum(int which) {
    Network net = Network.of(NetworkSpec.parse(SPECS[which]), 0.5);
    PoolLayer pool = (PoolLayer) net.layers[1];
    assertNotNull(pool.inputActivation, SPECS[which] + ": the pool applies the conv's ReLU");
    SplittableRandom rnd = new SplittableRandom(23 + which);
    for (int mode = 0; mode < 5; mode++) {
      double[] x = inputs(ROWS * pool.inSize, mode, rnd);
      String what = SPECS[which] + " mode " + mode;
      Result got = run(net, pool, x);
      Result before = previousLoop(pool, x);
      assertArrayEquals(bits(before.z), bits(got.z), what + ": values");
      assertArrayEquals(before.argmax, got.argmax, what + ": arg-max");
      assertArrayEquals(before.signAt, got.signAt, what + ": sign classes");
      if (mode < 4) {
        assertNaiveScan(pool, x, got, what);
      }
      Result again = run(net, pool, x);
      assertArrayEquals(bits(got.z), bits(again.z), what + ": determinism");
      assertArrayEquals(got.argmax, again.argmax, what + ": determinism");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 2})
  void poolIsPositivelyHomogeneous(int which) {
    Network net = Network.of(NetworkSpec.parse(SPECS[which]), 0.5);
    PoolLayer pool = (PoolLayer) net.layers[1];
    SplittableRandom rnd = new SplittableRandom(41);
    double[] x = inputs(ROWS * pool.inSize, 0, rnd);
    Result base = run(net, pool, x);
    for (double c : new double[] {0.25, 4.0, 1024.0}) {
      double[] scaled = x.clone();
      for (int i = 0; i < scaled.length; i++) {
        scaled[i] *= c; // a power of two: exact
      }
      Result s = run(net, pool, scaled);
      double[] expected = base.z.clone();
      for (int i = 0; i < expected.length; i++) {
        expected[i] *= c;
      }
      assertArrayEquals(bits(expected), bits(s.z), SPECS[which] + " c = " + c);
      assertArrayEquals(base.argmax, s.argmax, SPECS[which] + " c = " + c + ": arg-max");
      assertArrayEquals(base.signAt, s.signAt, SPECS[which] + " c = " + c + ": sign classes");
    }
  }

  /**
   * 0: gaussian; 1: special values; 2: all ≤ 0; 3: small integers (ties); 4: NaNs of both signs.
   */
  private static double[] inputs(int n, int mode, SplittableRandom rnd) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] =
          switch (mode) {
            case 0 -> rnd.nextGaussian();
            case 1 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
            case 2 -> -Math.abs(SPECIAL[rnd.nextInt(SPECIAL.length)]);
            case 3 -> rnd.nextInt(4) - 2;
            default -> {
              int k = rnd.nextInt(30);
              yield k == 0
                  ? Double.NaN
                  : k == 1
                      ? -Double.NaN
                      : k == 2 ? Double.longBitsToDouble(0x7ff0000000000123L) : rnd.nextGaussian();
            }
          };
    }
    return x;
  }

  private record Result(double[] z, int[] argmax, byte[] signAt) {}

  private static Result run(Network net, PoolLayer pool, double[] x) {
    return run(net.newWorkspace(), pool, x);
  }

  private static Result run(Workspace ws, PoolLayer pool, double[] x) {
    ws.ensureRows(ROWS);
    double[] z = new double[ROWS * pool.outSize];
    pool.forward(0, ROWS, inputLayout(pool, x), 0, null, z, 0, ws);
    int[] packed = Arrays.copyOf(ws.argmax[pool.index], ROWS * pool.outSize);
    int[] argmax = new int[packed.length];
    byte[] signAt = pool.fusesInputActivation() ? new byte[packed.length] : null;
    for (int o = 0; o < packed.length; o++) { // the sign class above the offset, when fused
      argmax[o] = signAt == null ? packed[o] : packed[o] & PoolLayer.OFFSET_MASK;
      if (signAt != null) {
        signAt[o] = (byte) (packed[o] >>> PoolLayer.SIGN_SHIFT);
      }
    }
    return new Result(z, argmax, signAt);
  }

  /**
   * x (ROWS images, CHW each) as the pool reads one chunk of ROWS images: unchanged, or
   * channel-major (channel c of image n at c·ROWS·plane + n·plane) when the conv before leaves its
   * chunk so ({@link PoolLayer#channelMajorInput}); the arg-max stays a CHW offset either way.
   */
  private static double[] inputLayout(PoolLayer pool, double[] x) {
    if (!pool.channelMajorInput) {
      return x;
    }
    int plane = pool.inH * pool.inW;
    double[] channelMajor = new double[x.length];
    for (int n = 0; n < ROWS; n++) {
      for (int c = 0; c < pool.channels; c++) {
        System.arraycopy(
            x, n * pool.inSize + c * plane, channelMajor, (c * ROWS + n) * plane, plane);
      }
    }
    return channelMajor;
  }

  /** The loop of main before session 8 (compare-and-select on the ReLU bits), verbatim. */
  private static Result previousLoop(PoolLayer pool, double[] x) {
    int n = ROWS * pool.outSize;
    double[] z = new double[n];
    int[] argmax = new int[n];
    byte[] signAt = pool.fusesInputActivation() ? new byte[n] : null;
    for (int r = 0; r < ROWS; r++) {
      int xRow = r * pool.inSize;
      for (int c = 0; c < pool.channels; c++) {
        for (int oh = 0; oh < pool.outH; oh++) {
          int o = r * pool.outSize + (c * pool.outH + oh) * pool.outW;
          int rowFirst = c * pool.inH * pool.inW + oh * pool.stride * pool.inW;
          for (int ow = 0; ow < pool.outW; ow++) {
            int p = rowFirst + ow * pool.stride;
            int q = p + pool.inW;
            long v0 = reluBits(x[xRow + p]);
            long v1 = reluBits(x[xRow + p + 1]);
            long v2 = reluBits(x[xRow + q]);
            long v3 = reluBits(x[xRow + q + 1]);
            int best = v1 > v0 ? p + 1 : p;
            long m = Math.max(v0, v1);
            best = v2 > m ? q : best;
            m = Math.max(m, v2);
            best = v3 > m ? q + 1 : best;
            double pre = x[xRow + best];
            z[o + ow] = Math.max(pre, 0.0);
            argmax[o + ow] = best;
            if (signAt != null) {
              signAt[o + ow] = PoolLayer.signClass(pre);
            }
          }
        }
      }
    }
    return new Result(z, argmax, signAt);
  }

  private static long reluBits(double v) {
    long b = Double.doubleToRawLongBits(v);
    return b & ~(b >> 63);
  }

  /** The first maximum of ReLU (as doubles) in scan order p, p+1, p+W, p+W+1. */
  private static void assertNaiveScan(PoolLayer pool, double[] x, Result got, String what) {
    int inW = pool.inW;
    for (int r = 0; r < ROWS; r++) {
      for (int c = 0; c < pool.channels; c++) {
        for (int oh = 0; oh < pool.outH; oh++) {
          for (int ow = 0; ow < pool.outW; ow++) {
            int p = (c * pool.inH + pool.stride * oh) * inW + pool.stride * ow;
            int[] scan = {p, p + 1, p + inW, p + inW + 1};
            int best = scan[0];
            for (int q : scan) {
              double v = Math.max(x[r * pool.inSize + q], 0.0);
              if (v > Math.max(x[r * pool.inSize + best], 0.0)) {
                best = q;
              }
            }
            int o = r * pool.outSize + (c * pool.outH + oh) * pool.outW + ow;
            String at = what + " row " + r + " window " + c + "/" + oh + "/" + ow;
            double pre = x[r * pool.inSize + best];
            assertEquals(best, got.argmax[o], at + " arg-max");
            assertEquals(
                Double.doubleToRawLongBits(Math.max(pre, 0.0)),
                Double.doubleToRawLongBits(got.z[o]),
                at + " value");
            if (got.signAt != null) {
              assertEquals(PoolLayer.signClass(pre), got.signAt[o], at + " sign class");
            }
          }
        }
      }
    }
  }

  private static long[] bits(double[] v) {
    long[] b = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Double.doubleToRawLongBits(v[i]);
    }
    return b;
  }
}

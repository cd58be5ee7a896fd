package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Vector API 2×2 stride-2 max pool on ReLU(x) ({@link VectorFloatMaxPool2}) gives the bits of
 * the scalar loop of {@link FloatPoolKernel}, and both the arg-max, value and σ' of a naive window
 * scan: rows of 5–17 windows (no vector, one vector, vector plus scalar tail, odd input widths),
 * ties of zeros, −0.0, negatives and equal positives, subnormals, NaNs of both signs, with and
 * without the σ' store.
 */
class FloatMaxPool2Test {

  /** conv output widths 10 … 34 feeding the pool: 5 … 17 windows per row. */
  private static final String[] SPECS = {
    "cnn:1x12x12-conv1k2-maxpool2-dense1",
    "cnn:1x13x13-conv2k2-maxpool2-dense1",
    "cnn:1x18x18-conv2k3-maxpool2-dense1",
    "cnn:2x20x20-conv2k3-maxpool2-dense1",
    "cnn:1x28x28-conv3k5-maxpool2-dense1",
    "cnn:1x36x36-conv1k3-maxpool2-dense1"
  };

  private static final float[] SPECIAL = {
    0f, -0f, 1f, 2f, -1f, -2f, Float.MIN_VALUE, -Float.MIN_VALUE, 3.5f, Float.MAX_VALUE
  };

  @Test
  void theVectorPoolIsTheDefaultUnlessTurnedOff() {
    boolean on = Boolean.parseBoolean(System.getProperty(FloatMaxPool2.PROPERTY, "true"));
    Class<? extends FloatMaxPool2> expected =
        on && VectorFloatMaxPool2.createIfUseful() != null
            ? VectorFloatMaxPool2.class
            : ScalarFloatMaxPool2.class;
    assertEquals(expected, FloatMaxPool2.get().getClass());
  }

  @Test
  void vectorPoolGivesTheBitsOfTheScalarLoopAndTheNaiveScan() {
    FloatMaxPool2 vector = VectorFloatMaxPool2.createIfUseful();
    assertNotNull(vector, "the preferred shape holds at least two longs on test machines");
    SplittableRandom rnd = new SplittableRandom(19);
    for (String text : SPECS) {
      for (double e : new double[] {0.0, 0.5}) {
        Network net = Network.of(NetworkSpec.parse(text), e);
        PoolLayer pool = (PoolLayer) net.layers[1];
        assertNotNull(pool.inputActivation, text + ": the pool applies the conv's ReLU");
        FloatPoolKernel fast = new FloatPoolKernel(pool, vector);
        FloatPoolKernel slow = new FloatPoolKernel(pool, new ScalarFloatMaxPool2());
        for (int mode = 0; mode < 4; mode++) {
          int rows = 3;
          float[] x = inputs(rows * pool.inSize, mode, rnd);
          for (boolean storeDerivative : new boolean[] {true, false}) {
            String what = text + " e=" + e + " mode " + mode + " σ' " + storeDerivative;
            float[][] a = run(fast, pool, x, rows, storeDerivative);
            float[][] b = run(slow, pool, x, rows, storeDerivative);
            for (int i = 0; i < a.length; i++) {
              assertArrayEquals(bits(b[i]), bits(a[i]), what + " output " + i);
            }
            if (mode < 3) {
              assertNaiveScan(pool, x, rows, b, storeDerivative, what);
            }
          }
        }
      }
    }
  }

  /**
   * The scalar loop (branch-free since session 8) gives the bits of the session-7 loop, kept here
   * verbatim, in every input mode including NaNs of both signs, with and without the σ' store; and
   * so does the vector pool in front of it.
   */
  @Test
  void scalarLoopGivesTheBitsOfThePreviousLoop() {
    SplittableRandom rnd = new SplittableRandom(23);
    for (String text : SPECS) {
      for (double e : new double[] {0.0, 0.5}) {
        Network net = Network.of(NetworkSpec.parse(text), e);
        PoolLayer pool = (PoolLayer) net.layers[1];
        FloatPoolKernel scalar = new FloatPoolKernel(pool, new ScalarFloatMaxPool2());
        float[] byClass = new float[pool.derivativeByClass.length];
        for (int i = 0; i < byClass.length; i++) {
          byClass[i] = (float) pool.derivativeByClass[i];
        }
        for (int mode = 0; mode < 4; mode++) {
          int rows = 3;
          float[] x = inputs(rows * pool.inSize, mode, rnd);
          for (boolean storeDerivative : new boolean[] {true, false}) {
            String what = text + " e=" + e + " mode " + mode + " σ' " + storeDerivative;
            float[][] got = run(scalar, pool, x, rows, storeDerivative);
            float[] z = new float[rows * pool.outSize];
            int[] argmax = new int[rows * pool.outSize];
            float[] derivative = new float[rows * pool.outSize];
            for (int r = 0; r < rows; r++) {
              previousLoop(
                  pool,
                  x,
                  r * pool.inSize,
                  z,
                  argmax,
                  r * pool.outSize,
                  storeDerivative ? derivative : null,
                  byClass);
            }
            assertArrayEquals(bits(z), bits(got[0]), what + " z");
            float[] arg = new float[argmax.length];
            for (int i = 0; i < arg.length; i++) {
              arg[i] = Float.intBitsToFloat(argmax[i]);
            }
            assertArrayEquals(bits(arg), bits(got[1]), what + " arg-max");
            assertArrayEquals(bits(derivative), bits(got[2]), what + " σ'");
          }
        }
      }
    }
  }

  /** FloatPoolKernel.maxRelu2 + maxRow2Relu as of session 7 (one image at xRow). */
  private static void previousLoop(
      PoolLayer layer,
      float[] x,
      int xRow,
      float[] z,
      int[] argmax,
      int aRow,
      float[] derivativeAt,
      float[] derivativeByClass) {
    int inW = layer.inW;
    for (int c = 0; c < layer.channels; c++) {
      int chan = c * layer.inH * inW;
      for (int oh = 0; oh < layer.outH; oh++) {
        int o = (c * layer.outH + oh) * layer.outW;
        int rowFirst = chan + oh * layer.stride * inW;
        int right = inW + 1;
        for (int ow = 0; ow < layer.outW; ow++) {
          int p = rowFirst + ow * layer.stride;
          int v0 = previousReluBits(x[xRow + p]);
          int v1 = previousReluBits(x[xRow + p + 1]);
          int v2 = previousReluBits(x[xRow + p + inW]);
          int v3 = previousReluBits(x[xRow + p + right]);
          int best = v1 > v0 ? p + 1 : p;
          int m = Math.max(v0, v1);
          best = v2 > m ? p + inW : best;
          m = Math.max(m, v2);
          best = v3 > m ? p + right : best;
          float pre = x[xRow + best];
          z[aRow + o + ow] = Math.max(pre, 0f);
          argmax[aRow + o + ow] = best;
          if (derivativeAt != null) {
            int k = pre > 0f ? 2 : 0;
            k += pre == 0f ? 1 : 0;
            k += pre != pre ? 3 : 0;
            derivativeAt[aRow + o + ow] = derivativeByClass[k];
          }
        }
      }
    }
  }

  private static int previousReluBits(float v) {
    int b = Float.floatToRawIntBits(v);
    return b & ~(b >> 31);
  }

  /** mode 0: gaussian; 1: special values (ties, ±0, subnormals); 2: all ≤ 0; 3: with NaNs. */
  private static float[] inputs(int n, int mode, SplittableRandom rnd) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      float v =
          switch (mode) {
            case 0 -> (float) rnd.nextGaussian();
            case 1 -> SPECIAL[rnd.nextInt(SPECIAL.length)];
            case 2 -> -Math.abs(SPECIAL[rnd.nextInt(SPECIAL.length)]);
            default -> rnd.nextInt(40) == 0 ? Float.NaN : (float) rnd.nextGaussian();
          };
      x[i] = mode == 3 && rnd.nextInt(80) == 0 ? -Float.NaN : v;
    }
    return x;
  }

  /** z (as float), arg-max (as float bits of the ints) and σ' (or nothing) of a forward. */
  private static float[][] run(
      FloatPoolKernel kernel, PoolLayer pool, float[] x, int rows, boolean storeDerivative) {
    float[] z = new float[rows * pool.outSize];
    int[] argmax = new int[rows * pool.outSize];
    float[] derivative = new float[rows * pool.outSize];
    kernel.forward(0, rows, x, 0, z, 0, argmax, storeDerivative ? derivative : null);
    float[] arg = new float[argmax.length];
    for (int i = 0; i < arg.length; i++) {
      arg[i] = Float.intBitsToFloat(argmax[i]);
    }
    return new float[][] {z, arg, derivative};
  }

  /** The first maximum of ReLU in scan order p, p+1, p+W, p+W+1; z = ReLU(x) there; σ'. */
  private static void assertNaiveScan(
      PoolLayer pool, float[] x, int rows, float[][] got, boolean storeDerivative, String what) {
    int inW = pool.inW;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < pool.channels; c++) {
        for (int oh = 0; oh < pool.outH; oh++) {
          for (int ow = 0; ow < pool.outW; ow++) {
            int p = (c * pool.inH + 2 * oh) * inW + 2 * ow;
            int[] scan = {p, p + 1, p + inW, p + inW + 1};
            int best = scan[0];
            for (int q : scan) {
              if (Math.max(x[r * pool.inSize + q], 0f) > Math.max(x[r * pool.inSize + best], 0f)) {
                best = q;
              }
            }
            int o = r * pool.outSize + (c * pool.outH + oh) * pool.outW + ow;
            String at = what + " row " + r + " window " + c + "/" + oh + "/" + ow;
            float pre = x[r * pool.inSize + best];
            assertEquals(best, Float.floatToRawIntBits(got[1][o]), at + " arg-max");
            assertEquals(Math.max(pre, 0f), got[0][o], at + " value");
            if (storeDerivative) {
              int cls = PoolLayer.signClass(pre);
              assertEquals((float) pool.derivativeByClass[cls], got[2][o], at + " σ'");
            }
          }
        }
      }
    }
  }

  private static int[] bits(float[] v) {
    int[] b = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Float.floatToRawIntBits(v[i]);
    }
    return b;
  }
}

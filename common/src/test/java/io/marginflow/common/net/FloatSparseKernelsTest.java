package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.marginflow.common.data.CsrBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Vector API and scalar single-precision sparse kernels agree bit for bit, and both equal a
 * naive float loop in the documented fma order, across vector tails, narrow outputs, empty rows,
 * several backward row blocks, with and without a bias.
 */
class FloatSparseKernelsTest {

  private static final FloatSparseKernels SCALAR = new ScalarFloatSparseKernels();
  private static final int[] WIDTHS = {1, 3, 15, 16, 17, 63, 64, 65, 100, 256};
  private static final int[] ROWS = {0, 1, 9, 64, 65, 150};

  private static FloatSparseKernels vector() {
    FloatSparseKernels v = VectorFloatSparseKernels.createIfUseful();
    assertNotNull(v, "preferred float species has more than one lane on test machines");
    return v;
  }

  @Test
  void selectedImplementationIsTheVectorOneWhenTheModuleIsPresent() {
    assertInstanceOf(VectorFloatSparseKernels.class, FloatSparseKernels.get());
  }

  @Test
  void forwardIsBitIdenticalAcrossImplementationsAndReference() {
    FloatSparseKernels vector = vector();
    SplittableRandom rnd = new SplittableRandom(5);
    for (int rows : ROWS) {
      for (int m : WIDTHS) {
        for (boolean withBias : new boolean[] {false, true}) {
          int p = 1 + rnd.nextInt(40);
          CsrBlock x = NetTestData.sparseBlock(rows, p, rnd, r -> r % 7 == 3 ? 0.0 : 0.3);
          int ld = FloatSparseKernels.leadingDimension(m);
          float[] wt = gaussian(p * ld, rnd);
          float[] bias = withBias ? gaussian(m, rnd) : null;
          float[] zv = nans(rows * m);
          float[] zs = nans(rows * m);
          vector.forward(rows, x.rowPtr(), x.colIdx(), x.values(), wt, ld, m, bias, zv);
          SCALAR.forward(rows, x.rowPtr(), x.colIdx(), x.values(), wt, ld, m, bias, zs);
          float[] ref = new float[rows * m];
          for (int r = 0; r < rows; r++) {
            for (int o = 0; o < m; o++) {
              float acc = bias == null ? 0f : bias[o];
              for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++) {
                acc = Math.fma((float) x.values()[q], wt[x.colIdx()[q] * ld + o], acc);
              }
              ref[r * m + o] = acc;
            }
          }
          String what = "forward rows=" + rows + " m=" + m + " bias=" + withBias;
          assertArrayEquals(ref, zs, what + " (scalar)");
          assertArrayEquals(ref, zv, what + " (vector)");
        }
      }
    }
  }

  @Test
  void backwardIsBitIdenticalAcrossImplementationsAndReference() {
    FloatSparseKernels vector = vector();
    SplittableRandom rnd = new SplittableRandom(6);
    for (int rows : ROWS) {
      for (int m : WIDTHS) {
        int p = 1 + rnd.nextInt(40);
        CsrBlock x = NetTestData.sparseBlock(rows, p, rnd, r -> r % 5 == 1 ? 0.0 : 0.4);
        int ld = FloatSparseKernels.leadingDimension(m);
        float[] dz = gaussian(rows * m, rnd);
        float[] start = gaussian(p * ld, rnd); // backward adds to what is there
        float[] gv = start.clone();
        float[] gs = start.clone();
        vector.backward(
            rows, p, x.rowPtr(), x.colIdx(), x.values(), dz, m, gv, ld, new FloatCscScratch());
        SCALAR.backward(
            rows, p, x.rowPtr(), x.colIdx(), x.values(), dz, m, gs, ld, new FloatCscScratch());
        float[] ref = start.clone();
        for (int r = 0; r < rows; r++) {
          for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++) {
            int g = x.colIdx()[q] * ld;
            for (int o = 0; o < m; o++) {
              ref[g + o] = Math.fma((float) x.values()[q], dz[r * m + o], ref[g + o]);
            }
          }
        }
        String what = "backward rows=" + rows + " m=" + m;
        assertArrayEquals(ref, gs, what + " (scalar)");
        assertArrayEquals(ref, gv, what + " (vector)");
      }
    }
  }

  @Test
  void leadingDimensionPadsWideLayersByOneCacheLine() {
    assertEquals(10, FloatSparseKernels.leadingDimension(10));
    assertEquals(272, FloatSparseKernels.leadingDimension(256));
    assertEquals(128, FloatSparseKernels.leadingDimension(100));
  }

  private static float[] gaussian(int n, SplittableRandom rnd) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  private static float[] nans(int n) {
    float[] v = new float[n];
    Arrays.fill(v, Float.NaN);
    return v;
  }
}

package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API and scalar sparse kernels agree bit for bit with each other and with a naive loop
 * written from the documented fma order, on random CSR blocks with vector tails, outputs narrower
 * than one vector, empty rows, several row blocks, and with and without a bias.
 */
class SparseAxpyKernelsTest {

  private static SparseAxpyKernels vector;
  private static final SparseAxpyKernels SCALAR = new ScalarSparseKernels();

  /** Output widths: 1, below one vector, vector tails around 1–2 register chunks, and 256. */
  private static final int[] WIDTHS = {1, 3, 5, 7, 8, 11, 33, 37, 45, 64, 70, 256};

  /** Row counts around the backward row block (64): empty, one row, one block, several blocks. */
  private static final int[] ROWS = {0, 1, 9, 64, 65, 150};

  @BeforeAll
  static void vectorKernels() {
    // surefire runs with --add-modules=jdk.incubator.vector (spark.jvm.flags): the vector kernels
    // must be the ones chosen, or this test would silently compare scalar with scalar
    assertTrue(
        ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
        "tests must run with --add-modules=jdk.incubator.vector");
    vector = VectorSparseKernels.createIfUseful();
    assertNotNull(vector, "preferred species has more than one lane on test machines");
  }

  @Test
  void selectedImplementationIsTheVectorOneWhenTheModuleIsPresent() {
    assertInstanceOf(VectorSparseKernels.class, SparseAxpyKernels.get());
    assertEquals(SparseAxpyKernels.get().name(), BlasInfo.sparseKernels());
  }

  @Test
  void forwardIsBitIdenticalAcrossImplementationsAndReference() {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int rows : ROWS) {
      for (int m : WIDTHS) {
        for (boolean withBias : new boolean[] {false, true}) {
          int p = 1 + rnd.nextInt(40);
          CsrBlock x = block(rows, p, rnd);
          int ld = m + rnd.nextInt(3) * 8; // padded and unpadded strides
          double[] wt = gaussian(p * ld, rnd);
          int biasOff = rnd.nextInt(5);
          double[] bias = withBias ? gaussian(biasOff + m, rnd) : null;
          double[] zv = filled(rows * m, Double.NaN); // every entry must be written
          double[] zs = filled(rows * m, Double.NaN);
          vector.forward(rows, x.rowPtr(), x.colIdx(), x.values(), wt, ld, m, bias, biasOff, zv);
          SCALAR.forward(rows, x.rowPtr(), x.colIdx(), x.values(), wt, ld, m, bias, biasOff, zs);
          double[] ref = referenceForward(x, wt, ld, m, bias, biasOff);
          String what = "forward rows=" + rows + " m=" + m + " p=" + p + " bias=" + withBias;
          assertBitsEqual(ref, zs, what + " scalar vs reference");
          assertBitsEqual(zs, zv, what + " vector vs scalar");
        }
      }
    }
  }

  @Test
  void backwardIsBitIdenticalAcrossImplementationsAndReference() {
    SplittableRandom rnd = new SplittableRandom(12);
    for (int rows : ROWS) {
      for (int m : WIDTHS) {
        int p = 1 + rnd.nextInt(40);
        CsrBlock x = block(rows, p, rnd);
        int ld = m + rnd.nextInt(3) * 8;
        double[] dz = gaussian(rows * m, rnd);
        double[] g0 = gaussian(p * ld, rnd); // accumulation starts from the existing values
        double[] gv = g0.clone();
        double[] gs = g0.clone();
        Workspace ws = Network.of(NetworkSpec.parse("mlp:" + p + "-1"), 0.5).newWorkspace();
        vector.backward(rows, p, x.rowPtr(), x.colIdx(), x.values(), dz, m, gv, ld, ws);
        SCALAR.backward(rows, p, x.rowPtr(), x.colIdx(), x.values(), dz, m, gs, ld, ws);
        double[] ref = referenceBackward(x, dz, m, g0, ld);
        String what = "backward rows=" + rows + " m=" + m + " p=" + p;
        assertBitsEqual(ref, gs, what + " scalar vs reference");
        assertBitsEqual(gs, gv, what + " vector vs scalar");
      }
    }
  }

  @Test
  void firstLayerKernelsAreBitIdenticalThroughSparseKernels() {
    SplittableRandom rnd = new SplittableRandom(13);
    for (String spec : new String[] {"mlp:30-37-1", "mlp:30-70-1/bias=first", "mlp:30-3-1"}) {
      Network net = Network.of(NetworkSpec.parse(spec), 0.5);
      DenseLayer layer = (DenseLayer) net.layers[0];
      double[] theta = gaussian(net.parameterCount(), rnd);
      CsrBlock x = block(150, 30, rnd);
      assertTrue(SparseKernels.useTransposed(x), spec);
      int m = layer.outSize;
      double[] dz = gaussian(x.rows() * m, rnd);
      double[] zv = new double[x.rows() * m];
      double[] zs = new double[x.rows() * m];
      double[] gv = gaussian(net.parameterCount(), rnd);
      double[] gs = gv.clone();
      Workspace ws = net.newWorkspace();
      SparseKernels.forward(x, layer, theta, zv, ws, vector);
      SparseKernels.forward(x, layer, theta, zs, ws, SCALAR);
      SparseKernels.backward(x, layer, dz, gv, ws, vector);
      SparseKernels.backward(x, layer, dz, gs, ws, SCALAR);
      assertBitsEqual(zs, zv, spec + " forward");
      assertBitsEqual(gs, gv, spec + " backward");
      // the strided gather path (one row) uses the same fma order as the transposed path
      CsrBlock one = x.select(new int[] {3}, 1);
      double[] z1 = new double[m];
      SparseKernels.forward(one, layer, theta, z1, ws);
      assertBitsEqual(Arrays.copyOfRange(zs, 3 * m, 4 * m), z1, spec + " gather vs transposed");
    }
  }

  @Test
  void singleOutputLayerIsTheDocumentedDotProductAndScatter() {
    SplittableRandom rnd = new SplittableRandom(17);
    for (String spec : new String[] {"mlp:30-1", "mlp:30-1/bias=first"}) {
      Network net = Network.of(NetworkSpec.parse(spec), 0.5);
      DenseLayer layer = (DenseLayer) net.layers[0];
      double[] theta = gaussian(net.parameterCount(), rnd);
      CsrBlock x = block(150, 30, rnd);
      double[] dz = gaussian(x.rows(), rnd);
      double[] z = new double[x.rows()];
      double[] g = gaussian(net.parameterCount(), rnd);
      double[] g0 = g.clone();
      Workspace ws = net.newWorkspace();
      SparseKernels.forward(x, layer, theta, z, ws);
      SparseKernels.backward(x, layer, dz, g, ws);
      double bias = layer.biasOffset >= 0 ? theta[layer.biasOffset] : 0.0;
      int w = layer.weightOffset;
      double[] expectedZ = new double[x.rows()];
      double[] expectedG = g0.clone();
      for (int r = 0; r < x.rows(); r++) {
        // The documented order: fma chains over the even and the odd non-zeros, then their sum.
        double even = bias;
        double odd = 0.0;
        for (int q = x.rowPtr()[r], k = 0; q < x.rowPtr()[r + 1]; q++, k++) {
          double t = theta[w + x.colIdx()[q]];
          if (k % 2 == 0) {
            even = Math.fma(x.values()[q], t, even);
          } else {
            odd = Math.fma(x.values()[q], t, odd);
          }
          expectedG[w + x.colIdx()[q]] += x.values()[q] * dz[r];
        }
        expectedZ[r] = even + odd;
      }
      if (layer.biasOffset >= 0) {
        DenseLayer.addColumnSums(0, x.rows(), 1, dz, expectedG, layer.biasOffset);
      }
      assertBitsEqual(expectedZ, z, spec + " forward");
      assertBitsEqual(expectedG, g, spec + " backward");
    }
  }

  /** Random CSR rows with sorted distinct columns; about a quarter of the rows are empty. */
  private static CsrBlock block(int rows, int p, SplittableRandom rnd) {
    return NetTestData.sparseBlock(
        rows, p, rnd, r -> rnd.nextDouble() < 0.25 ? 0.0 : rnd.nextDouble());
  }

  /** The documented forward: s ← bias or 0, then fma over the row's non-zeros in CSR order. */
  private static double[] referenceForward(
      CsrBlock x, double[] wt, int ld, int m, double[] bias, int biasOff) {
    double[] z = new double[x.rows() * m];
    for (int r = 0; r < x.rows(); r++) {
      for (int o = 0; o < m; o++) {
        double s = bias != null ? bias[biasOff + o] : 0.0;
        for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++) {
          s = Math.fma(x.values()[q], wt[x.colIdx()[q] * ld + o], s);
        }
        z[r * m + o] = s;
      }
    }
    return z;
  }

  /** The documented backward: per element, fma over the rows in ascending order. */
  private static double[] referenceBackward(CsrBlock x, double[] dz, int m, double[] g0, int ld) {
    double[] g = g0.clone();
    for (int j = 0; j < x.features(); j++) {
      for (int o = 0; o < m; o++) {
        double s = g[j * ld + o];
        for (int r = 0; r < x.rows(); r++) {
          for (int q = x.rowPtr()[r]; q < x.rowPtr()[r + 1]; q++) {
            if (x.colIdx()[q] == j) {
              s = Math.fma(x.values()[q], dz[r * m + o], s);
            }
          }
        }
        g[j * ld + o] = s;
      }
    }
    return g;
  }

  private static void assertBitsEqual(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      long e = Double.doubleToRawLongBits(expected[i]);
      long a = Double.doubleToRawLongBits(actual[i]);
      if (e != a) {
        throw new AssertionError(
            what + ": index " + i + " expected " + expected[i] + " but was " + actual[i]);
      }
    }
  }

  private static double[] gaussian(int n, SplittableRandom rnd) {
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = rnd.nextGaussian();
    }
    return a;
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }
}

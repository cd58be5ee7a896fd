package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marginflow.common.data.DenseBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conv/pool stack's fused paths (σ and σ' inside the max pool, chunk-local conv outputs and
 * gradients, batched conv GEMMs per image chunk) against the per-row reference, on integer-valued θ
 * and pixels so that pre-activations are often exactly 0 (σ'(0) = e) and pool windows often tie
 * (first-maximum rule); plus determinism and allocation.
 */
class CnnStackKernelTest {

  /** Integer data: the kernels and the reference differ only in summation order, exact here. */
  private static final double REL_TOL = 1e-12;

  private static final double ABS_TOL = 1e-12;

  private static final double E = 0.5;

  private static final String[] SPECS = {
    "cnn:1x14x14-conv3k3-maxpool2-conv4k3-maxpool2-dense5-dense1",
    "cnn:2x13x13-conv3k2-maxpool2-conv2k3p1-maxpool2s1-dense1/act=leaky:0.25/bias=first",
    "cnn:1x12x12-conv2k3-maxpool3-conv3k2-avgpool2-dense1/act=leaky:2",
    // no dense layer: the stack runs to the output; conv → conv reads a chunk-local gradient
    "cnn:1x10x10-conv2k3-maxpool2-conv2k2-conv1k3/bias=first"
  };

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void fusedStackMatchesReferenceWithTiesAndZeros(int which) {
    NetworkSpec spec = NetworkSpec.parse(SPECS[which]);
    ReferenceNetwork ref = new ReferenceNetwork(spec, E);
    for (int chunk : new int[] {1, 2, 5}) {
      Network net = Network.of(spec, E, chunk);
      double[] theta = integerValues(net.parameterCount(), 31 + which);
      Workspace ws = net.newWorkspace();
      for (int rows : new int[] {1, 7}) {
        DenseBlock block = integerBlock(rows, net.inputSize(), 7 + rows);
        double[] out = new double[rows];
        net.forward(block, theta, ws, out);
        double[] coef = new double[rows];
        double[] expectedGrad = new double[net.parameterCount()];
        for (int r = 0; r < rows; r++) {
          double[] x = NetTestData.row(block, r);
          assertEquals(ref.forward(x, theta), out[r], ABS_TOL, SPECS[which] + " out row " + r);
          coef[r] = r % 3 - 1.0;
          double[] g = ref.gradient(x, theta);
          for (int j = 0; j < g.length; j++) {
            expectedGrad[j] += coef[r] * g[j];
          }
        }
        double[] grad = new double[net.parameterCount()];
        net.backwardWeighted(block, theta, ws, coef, grad);
        assertArrayClose(
            expectedGrad,
            grad,
            REL_TOL,
            ABS_TOL,
            SPECS[which] + " chunk=" + chunk + " rows=" + rows);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void sameChunkGivesTheSameBitsAndBackwardRepeats(int chunk) {
    NetworkSpec spec = NetworkSpec.parse(SPECS[0]);
    Network a = Network.of(spec, 0.0, chunk);
    Network b = Network.of(spec, 0.0, chunk);
    double[] theta = NetTestData.gaussianTheta(a.parameterCount(), 0.5, 3);
    DenseBlock block = NetTestData.gaussianBlock(10, a.inputSize(), 4);
    double[] coef = new double[10];
    Arrays.fill(coef, 0.25);
    Workspace wa = a.newWorkspace();
    Workspace wb = b.newWorkspace();
    double[] outA = new double[10];
    double[] outB = new double[10];
    a.forward(block, theta, wa, outA);
    b.forward(block, theta, wb, outB);
    assertArrayEquals(outA, outB);
    double[] g1 = new double[a.parameterCount()];
    double[] g2 = new double[a.parameterCount()];
    double[] g3 = new double[a.parameterCount()];
    a.backwardWeighted(block, theta, wa, coef, g1);
    a.backwardWeighted(block, theta, wa, coef, g2); // forward state untouched by backward
    b.backwardWeighted(block, theta, wb, coef, g3);
    assertArrayEquals(g1, g2);
    assertArrayEquals(g1, g3);
    assertTrue(Arrays.stream(g1).anyMatch(g -> g != 0.0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4})
  void noAllocationAfterWarmUp(int chunk) {
    // the Java BLAS implementations allocate inside dgemm (≈ 1.4 kB per step here); the claim is
    // about marginflow's own kernels, which the native BLAS leaves as the only allocators
    assumeTrue(BlasInfo.implementation().contains("JNI"), "native BLAS only");
    Network net = Network.of(NetworkSpec.parse(SPECS[0]), 0.0, chunk);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.5, 5);
    Workspace ws = net.newWorkspace();
    DenseBlock[] blocks = {
      NetTestData.gaussianBlock(9, net.inputSize(), 6), NetTestData.gaussianBlock(3, 196, 7)
    };
    double[] out = new double[9];
    double[] coef = new double[9];
    Arrays.fill(coef, 0.5);
    double[] grad = new double[net.parameterCount()];
    long allocated =
        NetTestData.allocatedAfterWarmUp(
            500,
            i -> {
              DenseBlock blk = blocks[i & 1];
              net.forward(blk, theta, ws, out);
              net.backwardWeighted(blk, theta, ws, coef, grad);
            });
    assumeTrue(allocated >= 0, "allocation counters unavailable on this JVM");
    assertTrue(allocated < 2000, "allocated " + allocated + " bytes in 500 steps");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.1, 2.0})
  void signClassTableIsTheDerivative(double a) {
    double e = 0.5;
    double[] table = PoolLayer.derivativeTable(a, e);
    double[] zs = {
      0.0,
      -0.0,
      Double.MIN_VALUE,
      -Double.MIN_VALUE,
      1e-310,
      -1e-310,
      1.0,
      -1.0,
      3e300,
      -3e300,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.NaN
    };
    SplittableRandom rnd = new SplittableRandom(9);
    for (int i = 0; i < 200; i++) {
      double z =
          i < zs.length ? zs[i] : (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-300, 300));
      assertEquals(
          Double.doubleToLongBits(ActivationKernels.derivative(z, a, e)),
          Double.doubleToLongBits(table[PoolLayer.signClass(z)]),
          "z = " + z);
    }
  }

  /** Values in {−2, …, 2}: many exact zeros and ties, and exact integer arithmetic. */
  private static double[] integerValues(int n, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(5) - 2;
    }
    return v;
  }

  private static DenseBlock integerBlock(int rows, int p, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[rows * p];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextInt(3); // pixels 0, 1, 2
    }
    return new DenseBlock(rows, p, x, NetTestData.labels(rows), NetTestData.indices(rows));
  }
}

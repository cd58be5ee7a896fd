package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marginflow.common.data.DenseBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Network#forwardValues} (the values-only forward of evaluations, session 8 second round)
 * gives the raw bits of {@link Network#forward}: CNNs whose 2×2 ReLU pools run the vector pool or
 * the scalar loop, stride-1 and average pools, leaky ReLU, an MLP; Gaussian inputs, inputs with
 * NaNs of both signs, and θ with NaNs; several image chunks. A backward after it is refused, and it
 * allocates nothing after warm-up.
 */
class ForwardValuesTest {

  private static final String[] SPECS = {
    "cnn:1x28x28-conv3k5-maxpool2-conv4k3-maxpool2-dense8-dense1",
    "cnn:2x20x20-conv3k3-maxpool2-dense5-dense1",
    "cnn:1x12x12-conv2k3-maxpool2s1-dense4-dense1",
    "cnn:1x8x8-conv3k3-maxpool2-conv4k2p1-avgpool2-dense5-dense1",
    "cnn:1x14x14-conv2k3-maxpool2-dense4-dense1/act=leaky:0.1",
    "mlp:12-6-1"
  };

  private static final double NEGATIVE_NAN = Double.longBitsToDouble(0xFFF8_0000_0000_0001L);

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void forwardValuesGivesTheBitsOfForward(int mode) {
    DoubleMaxPool2 vector = VectorDoubleMaxPool2.createIfUseful();
    assertNotNull(vector, "the preferred shape holds at least four doubles on test machines");
    for (String text : SPECS) {
      for (int chunk : new int[] {1, 3}) {
        Network net = Network.of(NetworkSpec.parse(text), 0.5, chunk);
        double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.5, 11);
        if (mode == 2) {
          theta[1] = Double.NaN; // in the first layer's weights
        }
        DenseBlock block = block(7, net.inputSize(), mode, new SplittableRandom(5 + mode));
        double[] expected = new double[7];
        net.forward(block, theta, net.newWorkspace(), expected);
        for (DoubleMaxPool2 pool : new DoubleMaxPool2[] {vector, new ScalarDoubleMaxPool2()}) {
          Workspace ws = new Workspace(net, pool, Long.MAX_VALUE, 0);
          double[] got = new double[7];
          net.forwardValues(block, theta, ws, got);
          String what = text + " chunk " + chunk + " mode " + mode + " pool " + pool.name();
          assertArrayEquals(bits(expected), bits(got), what);
        }
      }
    }
  }

  @Test
  void backwardAfterForwardValuesIsRefusedAndAfterForwardAllowed() {
    Network net = Network.parse(SPECS[0]);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.5, 3);
    DenseBlock block = NetTestData.gaussianBlock(4, net.inputSize(), 4);
    Workspace ws = net.newWorkspace();
    double[] out = new double[4];
    double[] coef = {1, -1, 0.5, 2};
    double[] grad = new double[net.parameterCount()];
    net.forward(block, theta, ws, out);
    net.forwardValues(block, theta, ws, out);
    assertThrows(
        IllegalStateException.class, () -> net.backwardWeighted(block, theta, ws, coef, grad));
    net.forward(block, theta, ws, out);
    net.backwardWeighted(block, theta, ws, coef, grad);
    assertTrue(Arrays.stream(grad).anyMatch(g -> g != 0.0), "a gradient after forward");
  }

  @Test
  void noAllocationAfterWarmUp() {
    assumeTrue(BlasInfo.implementation().contains("JNI"), "native BLAS only");
    Network net = Network.parse("cnn:1x28x28-conv4k5-maxpool2-conv4k3-maxpool2-dense8-dense1");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.5, 5);
    Workspace ws = net.newWorkspace();
    DenseBlock[] blocks = {
      NetTestData.gaussianBlock(9, net.inputSize(), 6), NetTestData.gaussianBlock(3, 784, 7)
    };
    double[] out = new double[9];
    long allocated =
        NetTestData.allocatedAfterWarmUp(
            500, i -> net.forwardValues(blocks[i & 1], theta, ws, out));
    assumeTrue(allocated >= 0, "allocation counters unavailable on this JVM");
    assertTrue(allocated < 2000, "allocated " + allocated + " bytes in 500 forwards");
  }

  /** 0: Gaussian; 1: Gaussian with NaNs of both signs (one in 20); 2: Gaussian. */
  private static DenseBlock block(int rows, int p, int mode, SplittableRandom rnd) {
    double[] v = new double[rows * p];
    for (int i = 0; i < v.length; i++) {
      int k = rnd.nextInt(40);
      v[i] =
          mode == 1 && k == 0
              ? Double.NaN
              : mode == 1 && k == 1 ? NEGATIVE_NAN : rnd.nextGaussian();
    }
    double[] labels = new double[rows];
    long[] index = new long[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = r % 2 == 0 ? 1 : -1;
      index[r] = r;
    }
    return new DenseBlock(rows, p, v, labels, index);
  }

  private static long[] bits(double[] v) {
    long[] b = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Double.doubleToRawLongBits(v[i]);
    }
    return b;
  }
}

package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.testing.SharedDatasets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The single-precision step kernel against the double one: outputs and weighted subgradients agree
 * to float rounding (the README's stated tolerance) on dense, sparse (transposed and gather paths)
 * and real MNIST blocks, for every MLP option; σ'(0) = e at an exact kink; Euler's identity holds;
 * its subgradient scales exactly with θ and nothing overflows at ‖θ‖ far beyond float range; the
 * rows near the smallest margin get double outputs; it is deterministic and leaves conv networks to
 * {@link SingleCnnKernel}.
 */
class SingleStepKernelTest {

  private static final double TOLERANCE = SingleVsDouble.TOLERANCE;

  /**
   * Exact scaling of the float path by a power of two changes only the double products Π c_l: a few
   * ulps (the subgradient, which is float throughout).
   */
  private static final double SCALING_TOLERANCE = 1e-14;

  static List<String> mlps() {
    return NetSpecs.mlps().toList();
  }

  @ParameterizedTest
  @MethodSource("mlps")
  void matchesDoubleOnDenseAndSparseBlocks(String spec) {
    for (double e : new double[] {0.0, 0.5}) {
      Network net = Network.of(NetworkSpec.parse(spec), e);
      double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.7, 3);
      SingleVsDouble.compare(
          net, NetTestData.gaussianBlock(70, 12, 1), theta, spec + " dense e=" + e);
      CsrBlock wide = NetTestData.sparseBlock(70, 12, 0.5, 2);
      assertTrue(SparseKernels.useTransposed(wide));
      SingleVsDouble.compare(net, wide, theta, spec + " sparse e=" + e);
      CsrBlock few = NetTestData.sparseBlock(3, 12, 0.2, 4);
      assertTrue(!SparseKernels.useTransposed(few));
      SingleVsDouble.compare(net, few, theta, spec + " sparse gather e=" + e);
    }
  }

  @Test
  void matchesDoubleOnRealMnist() throws Exception {
    Dataset mnist =
        LibsvmReader.read(
            SharedDatasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz"), 784, true, 1024);
    Network net = Network.parse("mlp:784-256-256-1");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.05, 9);
    SingleVsDouble.compare(net, mnist.blocks().get(0), theta, "MNIST 0-vs-1");
  }

  /** As NetworkIdentitiesTest's kink test: z₁ = (0, 2) exactly, so unit 1 takes σ'(0) = e. */
  @Test
  void derivativeAtZeroIsTheConfiguredE() {
    DenseBlock dense = new DenseBlock(1, 2, new double[] {1, 1}, new double[] {1}, new long[] {0});
    CsrBlock sparse =
        new CsrBlock(
            1,
            2,
            new int[] {0, 2},
            new int[] {0, 1},
            new double[] {1, 1},
            new double[] {1},
            new long[] {0});
    double[] theta = {1, -1, 1, 1, 3, 5};
    for (RowBlock x : new RowBlock[] {dense, sparse}) {
      for (String act : new String[] {"relu", "leaky:0.1"}) {
        for (double e : new double[] {0.0, 1.0, 0.25}) {
          Network net = Network.of(NetworkSpec.parse("mlp:2-2-1/act=" + act), e);
          StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
          double[] out = new double[1];
          single.forward(x, theta, out);
          double[] grad = new double[6];
          single.backwardWeighted(x, theta, new double[] {1}, grad);
          String what = x.getClass().getSimpleName() + " " + act + " e=" + e;
          assertClose(10.0, out[0], 1e-7, 0, what + " Φ");
          double[] expected = {3 * e, 3 * e, 5, 5, 0, 2};
          for (int j = 0; j < 6; j++) {
            assertClose(expected[j], grad[j], 1e-7, 0, what + " ∇Φ[" + j + "]");
          }
        }
      }
    }
  }

  @Test
  void eulerIdentityHoldsInSinglePrecision() {
    Network net = Network.parse("mlp:12-7-5-1/act=leaky:0.1");
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    RowBlock block = NetTestData.gaussianBlock(40, 12, 7);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.8, 8);
    double[] out = new double[40];
    double[] coef = SingleVsDouble.coefficients(40, 9);
    double[] grad = new double[net.parameterCount()];
    single.forward(block, theta, out);
    single.backwardWeighted(block, theta, coef, grad);
    double lhs = 0;
    for (int i = 0; i < theta.length; i++) {
      lhs += theta[i] * grad[i];
    }
    double rhs = 0;
    double scale = 0;
    for (int r = 0; r < 40; r++) {
      rhs += 3 * coef[r] * out[r];
      scale += 3 * Math.abs(coef[r] * out[r]);
    }
    assertClose(rhs, lhs, 0, TOLERANCE * scale, "⟨θ, Σ c_r ∇Φ⟩ = L·Σ c_r Φ");
  }

  @Test
  void scalesExactlyWithThetaFarBeyondFloatRange() {
    Network net = Network.parse("mlp:12-7-5-1/bias=first");
    RowBlock block = NetTestData.gaussianBlock(30, 12, 11);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 12);
    double c = 0x1p100; // layer entries ≈ 1e30, outputs ≈ 1e90: float would overflow
    double[] big = Arrays.stream(theta).map(t -> t * c).toArray();
    double[] coef = SingleVsDouble.coefficients(30, 13);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    double[] out = new double[30];
    double[] outBig = new double[30];
    double[] grad = new double[theta.length];
    double[] gradBig = new double[theta.length];
    single.forward(block, theta, out);
    single.backwardWeighted(block, theta, coef, grad);
    single.forward(block, big, outBig);
    single.backwardWeighted(block, big, coef, gradBig);
    for (int r = 0; r < 30; r++) {
      assertTrue(Double.isFinite(outBig[r]), "finite output at ‖θ‖ ≈ 1e31");
      // rows near the smallest margin are evaluated again in double at the large scale only
      assertClose(out[r] * c * c * c, outBig[r], TOLERANCE, 0, "Φ(cθ) = c³Φ(θ), row " + r);
    }
    double[] scaledGrad = Arrays.stream(grad).map(g -> g * c * c).toArray();
    assertVectorClose(scaledGrad, gradBig, SCALING_TOLERANCE, 0, "∇Φ(cθ) = c²∇Φ(θ)");
    SingleVsDouble.compare(net, block, big, "θ·2¹⁰⁰ against double");
  }

  @Test
  void rowsNearTheSmallestMarginGetDoubleOutputs() {
    Network net = Network.parse("mlp:12-7-5-1");
    RowBlock block = NetTestData.sparseBlock(200, 12, 0.6, 22);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 4.0, 23);
    SingleVsDouble.assertNearSupportRowsAreDouble(net, block, theta);
  }

  @Test
  void aZeroLayerStillGetsItsGradient() {
    Network net = Network.parse("mlp:12-7-5-1");
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 14);
    ParameterBlock second = net.weightLayers().get(1);
    Arrays.fill(theta, second.offset(), second.offset() + second.length(), 0.0);
    SingleVsDouble.compare(net, NetTestData.gaussianBlock(20, 12, 15), theta, "W2 = 0");
  }

  @Test
  void isDeterministicAcrossInstances() {
    Network net = Network.parse("mlp:12-7-5-1/bias=first");
    RowBlock block = NetTestData.sparseBlock(50, 12, 0.6, 16);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.9, 17);
    double[] coef = SingleVsDouble.coefficients(50, 18);
    double[][] runs = new double[2][];
    for (int k = 0; k < 2; k++) {
      StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
      double[] grad = new double[theta.length];
      single.forward(block, theta, new double[50]);
      single.backwardWeighted(block, theta, coef, grad);
      runs[k] = grad;
    }
    assertArrayEquals(runs[0], runs[1]);
  }

  @Test
  void refusesStaleBackwardAndLeavesConvNetworksToTheCnnKernel() {
    Network cnn = Network.parse("cnn:1x6x6-conv2k3-dense1");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new SingleStepKernel(cnn.newWorkspace()));
    assertTrue(e.getMessage().contains("dense layers only"), e.getMessage());
    assertTrue(StepKernel.of(cnn.newWorkspace(), Precision.SINGLE) instanceof SingleCnnKernel);
    Network net = Network.parse("mlp:12-3-1");
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    RowBlock block = NetTestData.gaussianBlock(4, 12, 19);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 20);
    assertThrows(
        IllegalStateException.class,
        () ->
            single.backwardWeighted(block, theta, new double[4], new double[net.parameterCount()]));
  }
}

package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.DigitLabels;
import io.marginflow.common.io.IdxReader;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.ParameterUpdate;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The single-precision kernel of conv/pool networks ({@link SingleCnnKernel}) against the double
 * one: Lyu–Li's CNN on real MNIST 0-vs-1 rows (dense IDX and CSR libsvm blocks, with and without
 * the first-layer bias) within the README's stated tolerance; every conv/pool option (chunks of 1,
 * 2 and 5 images, overlapping and average pools, leaky ReLU, no dense layer); exact agreement with
 * the per-row reference on ±1 weights whose layer norms are powers of two (float arithmetic is then
 * exact, so ties, zeros and σ'(0) = e are tested bit for bit); Euler's identity; exact scaling far
 * beyond float range (θ·2¹⁰⁰); double outputs for the rows near the smallest margin; determinism
 * and no allocation per step.
 */
class SingleCnnKernelTest {

  private static final double TOLERANCE = SingleVsDouble.TOLERANCE;

  /** Scaling θ by a power of two changes only the double products Π c_l: a few ulps. */
  private static final double SCALING_TOLERANCE = 1e-14;

  /** Exact float arithmetic on small integers: kernel and reference may differ only in order. */
  private static final double EXACT = 1e-12;

  private static final String LYU_LI =
      "cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1";

  private static final String[] SPECS = {
    "cnn:1x14x14-conv3k3-maxpool2-conv4k3-maxpool2-dense5-dense1",
    "cnn:2x13x13-conv3k2-maxpool2-conv2k3p1-maxpool2s1-dense1/act=leaky:0.25/bias=first",
    "cnn:1x12x12-conv2k3-maxpool3-conv3k2-avgpool2-dense1/act=leaky:2",
    "cnn:1x10x10-conv2k3-maxpool2-conv2k2-conv1k3/bias=first",
    "cnn:1x9x9-conv3k3s2p1-dense4-dense1",
    "cnn:1x8x8-maxpool2-dense3-dense1"
  };

  private static DenseBlock mnistDense;
  private static RowBlock mnistCsr;

  @BeforeAll
  static void readMnist() throws Exception {
    Dataset idx =
        IdxReader.read(
            SharedDatasets.resolve("mnist-t10k/t10k-images-idx3-ubyte.gz"),
            SharedDatasets.resolve("mnist-t10k/t10k-labels-idx1-ubyte.gz"),
            DigitLabels.parse("0vs1"),
            true,
            100);
    mnistDense = (DenseBlock) idx.blocks().get(0);
    Dataset svm =
        LibsvmReader.read(
            SharedDatasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz"), 784, true, 60);
    mnistCsr = svm.blocks().get(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "/bias=first"})
  void lyuLiCnnMatchesDoubleOnRealMnist(String options) {
    Network net = Network.of(NetworkSpec.parse(LYU_LI + options), 0.0);
    assertInstanceOf(
        SingleCnnKernel.class, StepKernel.of(net.newWorkspace(), Precision.SINGLE), "kernel");
    double[] theta = heTheta(net, 41);
    SingleVsDouble.compare(net, mnistDense, theta, "MNIST IDX dense" + options);
    SingleVsDouble.compare(net, mnistCsr, theta, "MNIST libsvm CSR" + options);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void everyConvAndPoolOptionMatchesDouble(int which) {
    NetworkSpec spec = NetworkSpec.parse(SPECS[which]);
    for (int chunk : new int[] {1, 2, 5}) {
      for (double e : new double[] {0.0, 0.5}) {
        Network net = Network.of(spec, e, chunk);
        double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.6, 3 + which);
        String what = SPECS[which] + " chunk=" + chunk + " e=" + e;
        SingleVsDouble.compare(net, NetTestData.gaussianBlock(11, net.inputSize(), 5), theta, what);
        SingleVsDouble.compare(
            net, NetTestData.sparseBlock(7, net.inputSize(), 0.4, 6), theta, what + " CSR");
      }
    }
  }

  /**
   * ±1 and 0 weights with 4^j non-zeros per layer (norm 2^j) and pixels in {0, 1, 2}: Ŵ = W/2^j and
   * every float sum are exact, so the float path must reproduce the reference's kinks (many exact
   * zero pre-activations, σ'(0) = e) and pool ties (first maximum) exactly.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void exactOnPowerOfTwoNormsWithTiesAndZeros(int which) {
    NetworkSpec spec = NetworkSpec.parse(SPECS[which]);
    double e = 0.5;
    ReferenceNetwork ref = new ReferenceNetwork(spec, e);
    for (int chunk : new int[] {1, 3}) {
      Network net = Network.of(spec, e, chunk);
      double[] theta = powerOfTwoNormTheta(net, 17 + which);
      int rows = 6;
      DenseBlock block = integerBlock(rows, net.inputSize(), 23 + which);
      StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
      double[] out = new double[rows];
      single.forward(block, theta, out);
      double[] coef = new double[rows];
      double[] expected = new double[theta.length];
      for (int r = 0; r < rows; r++) {
        double[] x = NetTestData.row(block, r);
        assertClose(ref.forward(x, theta), out[r], EXACT, EXACT, SPECS[which] + " row " + r);
        coef[r] = r % 3 - 1.0;
        double[] gr = ref.gradient(x, theta);
        for (int j = 0; j < gr.length; j++) {
          expected[j] += coef[r] * gr[j];
        }
      }
      double[] grad = new double[theta.length];
      single.backwardWeighted(block, theta, coef, grad);
      assertArrayClose(expected, grad, EXACT, EXACT, SPECS[which] + " chunk=" + chunk);
    }
  }

  @Test
  void eulerIdentityHolds() {
    Network net = Network.parse(SPECS[1]);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    RowBlock block = NetTestData.gaussianBlock(30, net.inputSize(), 7);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.8, 8);
    double[] out = new double[30];
    double[] coef = SingleVsDouble.coefficients(30, 9);
    double[] grad = new double[theta.length];
    single.forward(block, theta, out);
    single.backwardWeighted(block, theta, coef, grad);
    double lhs = 0;
    for (int i = 0; i < theta.length; i++) {
      lhs += theta[i] * grad[i];
    }
    int degree = net.degree();
    double rhs = 0;
    double scale = 0;
    for (int r = 0; r < 30; r++) {
      rhs += degree * coef[r] * out[r];
      scale += degree * Math.abs(coef[r] * out[r]);
    }
    assertClose(rhs, lhs, 0, TOLERANCE * scale, "⟨θ, Σ c_r ∇Φ⟩ = L·Σ c_r Φ");
  }

  @Test
  void scalesExactlyWithThetaFarBeyondFloatRangeOnMnist() {
    Network net = Network.parse(LYU_LI + "/bias=first");
    int rows = 20;
    RowBlock block = mnistDense.select(range(rows), rows);
    double[] theta = heTheta(net, 12);
    double c = 0x1p100; // layer entries ≈ 1e28, outputs ≈ 1e120: float would overflow
    double[] big = Arrays.stream(theta).map(t -> t * c).toArray();
    double[] coef = SingleVsDouble.coefficients(rows, 13);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    double[] out = new double[rows];
    double[] outBig = new double[rows];
    double[] grad = new double[theta.length];
    double[] gradBig = new double[theta.length];
    single.forward(block, theta, out);
    single.backwardWeighted(block, theta, coef, grad);
    single.forward(block, big, outBig);
    single.backwardWeighted(block, big, coef, gradBig);
    double c4 = c * c * c * c;
    for (int r = 0; r < rows; r++) {
      assertTrue(Double.isFinite(outBig[r]), "finite output at ‖θ‖ ≈ 1e30");
      assertClose(out[r] * c4, outBig[r], TOLERANCE, 0, "Φ(cθ) = c⁴Φ(θ), row " + r);
    }
    double[] scaled = Arrays.stream(grad).map(x -> x * c * c * c).toArray();
    assertVectorClose(scaled, gradBig, SCALING_TOLERANCE, 0, "∇Φ(cθ) = c³∇Φ(θ)");
    SingleVsDouble.compare(net, block, big, "θ·2¹⁰⁰ against double");
  }

  @Test
  void rowsNearTheSmallestMarginGetDoubleOutputs() {
    Network net = Network.parse(SPECS[0]);
    RowBlock block = NetTestData.gaussianBlock(200, net.inputSize(), 22);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 3.0, 23);
    SingleVsDouble.assertNearSupportRowsAreDouble(net, block, theta);
  }

  @Test
  void deterministicAcrossInstancesAndRepeatedBackward() {
    Network net = Network.of(NetworkSpec.parse(SPECS[0] + "/bias=first"), 0.0, 3);
    RowBlock block = NetTestData.gaussianBlock(40, net.inputSize(), 16);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.9, 17);
    double[] coef = SingleVsDouble.coefficients(40, 18);
    double[][] runs = new double[3][];
    double[][] outs = new double[2][40];
    StepKernel first = null;
    for (int k = 0; k < 2; k++) {
      StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
      double[] grad = new double[theta.length];
      single.forward(block, theta, outs[k]);
      single.backwardWeighted(block, theta, coef, grad);
      runs[k] = grad;
      first = k == 0 ? single : first;
    }
    runs[2] = new double[theta.length];
    first.forward(block, theta, new double[40]);
    first.backwardWeighted(block, theta, coef, runs[2]);
    assertArrayEquals(outs[0], outs[1]);
    assertArrayEquals(runs[0], runs[1]);
    assertArrayEquals(runs[0], runs[2]);
    assertTrue(Arrays.stream(runs[0]).anyMatch(v -> v != 0.0));
  }

  /**
   * The rows path's form of a step: a second kernel computes with the float weights a first one
   * prepared, and writes its gradient into a buffer full of garbage. Outputs and gradient have the
   * bits of a kernel on its own summing onto zeros (Lyu–Li's CNN on real MNIST rows, and a small
   * CNN whose first layer has a bias); an empty block writes zeros; weights prepared for another
   * network are refused.
   */
  @Test
  void sharedPreparedWeightsAndOverwrittenGradientGiveTheBitsOfAKernelOnItsOwn() {
    for (String spec : new String[] {LYU_LI, SPECS[1]}) {
      Network net = Network.parse(spec);
      boolean mnist = spec.equals(LYU_LI);
      RowBlock block =
          mnist
              ? mnistDense.select(range(20), 20)
              : NetTestData.gaussianBlock(20, net.inputSize(), 41);
      double[] theta =
          mnist ? heTheta(net, 9) : NetTestData.gaussianTheta(net.parameterCount(), 0.8, 42);
      double[] coef = SingleVsDouble.coefficients(20, 43);
      StepKernel alone = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
      double[] outAlone = new double[20];
      double[] gradAlone = new double[theta.length];
      alone.forward(block, theta, outAlone);
      alone.backwardWeighted(block, theta, coef, gradAlone);

      StepKernel preparer = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
      StepKernel user = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
      // the user kernel first computes at another θ, so stale weights of its own would show
      user.forward(block, NetTestData.gaussianTheta(theta.length, 2.0, 44), new double[20]);
      PreparedTheta prepared = preparer.prepare(theta);
      user.share(prepared);
      double[] out = new double[20];
      double[] grad = new double[theta.length];
      Arrays.fill(grad, Double.NaN);
      user.forward(block, theta, out);
      user.backwardWeightedInto(block, theta, coef, grad);
      assertArrayEquals(outAlone, out, spec);
      assertArrayEquals(gradAlone, grad, spec);
      preparer.share(prepared);
      Arrays.fill(grad, 3.0);
      preparer.forward(block, theta, out);
      preparer.backwardWeightedInto(block, theta, coef, grad);
      assertArrayEquals(outAlone, out, spec + ": the preparing kernel itself");
      assertArrayEquals(gradAlone, grad, spec + ": the preparing kernel itself");
      user.share(null);
      RowBlock empty = block.select(new int[0], 0);
      user.forward(empty, theta, out);
      Arrays.fill(grad, Double.NaN);
      user.backwardWeightedInto(empty, theta, coef, grad);
      assertTrue(Arrays.stream(grad).allMatch(v -> Double.doubleToRawLongBits(v) == 0L), spec);
    }
    StepKernel small = StepKernel.of(Network.parse(SPECS[0]).newWorkspace(), Precision.SINGLE);
    PreparedTheta other =
        StepKernel.of(Network.parse(SPECS[2]).newWorkspace(), Precision.SINGLE)
            .prepare(new double[Network.parse(SPECS[2]).parameterCount()]);
    assertThrows(IllegalArgumentException.class, () -> small.share(other));
  }

  /**
   * θ prepared in parts (1–3, as many threads would) with the layer norms handed by the update that
   * wrote θ gives the bits of a kernel on its own; norms published for another array, or already
   * taken, are not used (they would normalize with another θ's norms).
   */
  @Test
  void weightsPreparedInPartsFromHandedNormsGiveTheBitsOfAKernelOnItsOwn() {
    for (String spec : new String[] {LYU_LI, SPECS[1], SPECS[3]}) {
      Network net = Network.parse(spec);
      boolean mnist = spec.equals(LYU_LI);
      RowBlock block =
          mnist
              ? mnistDense.select(range(12), 12)
              : NetTestData.gaussianBlock(12, net.inputSize(), 51);
      double[] before =
          mnist ? heTheta(net, 7) : NetTestData.gaussianTheta(net.parameterCount(), 0.8, 52);
      double[] g = NetTestData.gaussianTheta(net.parameterCount(), 1.0, 53);
      LayerNormsHandoff handoff = new LayerNormsHandoff(net.weightLayers());
      double[] theta = before.clone();
      double[] plain = before.clone();
      int d = theta.length;
      double logGamma = Math.log(0.01);
      ParameterUpdate.Result withNorms =
          ParameterUpdate.apply(
              theta,
              BatchGradient.restore(d, 10, 0.5, 0.5, 1.0, 0.25, false, g.clone()),
              logGamma,
              net.degree(),
              handoff);
      ParameterUpdate.Result without =
          ParameterUpdate.apply(
              plain,
              BatchGradient.restore(d, 10, 0.5, 0.5, 1.0, 0.25, false, g.clone()),
              logGamma,
              net.degree());
      assertArrayEquals(plain, theta, spec + ": the handoff leaves θ's update alone");
      assertEquals(without, withNorms, spec + ": and its measurements");
      double[] handed = handoff.take(theta).clone();
      for (int l = 0; l < handoff.layers(); l++) {
        assertEquals(
            Double.doubleToRawLongBits(
                LayerNormsHandoff.frobenius(theta, handoff.offset(l), handoff.length(l))),
            Double.doubleToRawLongBits(handed[l]),
            spec + ": layer " + l);
      }
      StepKernel alone = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
      double[] outAlone = new double[12];
      alone.forward(block, theta, outAlone);
      for (int parts = 1; parts <= 3; parts++) {
        StepKernel preparer = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
        StepKernel user = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
        handoff.publish(theta);
        PreparedTheta prepared = preparer.prepareInParts(theta, handoff);
        for (int part = parts - 1; part >= 0; part--) {
          prepared.fillPart(theta, part, parts);
        }
        assertEquals(null, handoff.take(theta), "taken once");
        user.share(prepared);
        double[] out = new double[12];
        user.forward(block, theta, out);
        assertArrayEquals(outAlone, out, spec + ", " + parts + " parts");
      }
      // norms published for a copy of θ (or for θ before a change) must not be used for θ
      double[] other = theta.clone();
      handoff.publish(other);
      assertEquals(null, handoff.take(theta), spec + ": another array's norms");
      StepKernel preparer = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
      PreparedTheta prepared = preparer.prepareInParts(theta, handoff);
      prepared.fillPart(theta, 0, 1);
      StepKernel user = StepKernel.of(Network.parse(spec).newWorkspace(), Precision.SINGLE);
      user.share(prepared);
      double[] out = new double[12];
      user.forward(block, theta, out);
      assertArrayEquals(outAlone, out, spec + ": computed norms");
    }
  }

  @Test
  void noAllocationPerStepAfterWarmUpAndStaleBackwardIsRefused() {
    Network net = Network.parse(LYU_LI);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    double[] theta = heTheta(net, 5);
    RowBlock block = mnistDense.select(range(8), 8);
    assertThrows(
        IllegalStateException.class,
        () -> single.backwardWeighted(block, theta, new double[8], new double[theta.length]));
    assumeTrue(BlasInfo.implementation().contains("JNI"), "native BLAS only");
    // tiny θ: every margin is below EXACT_ABOVE, so no row is re-evaluated (that path allocates)
    double[] small = Arrays.stream(theta).map(t -> t * 1e-3).toArray();
    double[] out = new double[8];
    double[] coef = new double[8];
    Arrays.fill(coef, 0.5);
    double[] grad = new double[theta.length];
    long allocated =
        NetTestData.allocatedAfterWarmUp(
            20,
            i -> {
              single.forward(block, small, out);
              single.backwardWeighted(block, small, coef, grad);
            });
    assumeTrue(allocated >= 0, "allocation counters unavailable on this JVM");
    assertTrue(allocated < 2000, "allocated " + allocated + " bytes in 20 steps");
    StepKernel user = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    long shared =
        NetTestData.allocatedAfterWarmUp(
            20,
            i -> {
              user.share(single.prepare(small));
              user.forward(block, small, out);
              user.backwardWeightedInto(block, small, coef, grad);
              user.share(null);
            });
    assertTrue(shared < 2000, "allocated " + shared + " bytes in 20 shared steps");
  }

  /**
   * Loss coefficients from 1 down to e^{−700} (late-training loss weights): those that would be
   * float subnormals are scaled or dropped ({@link FloatCoefficients}), the sum stays within the
   * tolerance, and a coefficient vector scaled by 2^{−900} gives the same bits scaled.
   */
  @Test
  void coefficientsSpanningTheDoubleRangeKeepTheTolerance() {
    Network net = Network.parse(SPECS[1]);
    int rows = 100;
    RowBlock block = NetTestData.gaussianBlock(rows, net.inputSize(), 31);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.7, 32);
    double[] coef = new double[rows];
    for (int r = 0; r < rows; r++) {
      coef[r] = (r % 2 == 0 ? 1 : -1) * Math.exp(-7.0 * r);
    }
    double[] tiny = Arrays.stream(coef).map(c -> Math.scalb(c, -900)).toArray();
    StepKernel dbl = StepKernel.of(net.newWorkspace(), Precision.DOUBLE);
    StepKernel single = StepKernel.of(net.newWorkspace(), Precision.SINGLE);
    double[] gradD = new double[theta.length];
    double[] gradS = new double[theta.length];
    double[] gradTiny = new double[theta.length];
    dbl.forward(block, theta, new double[rows]);
    dbl.backwardWeighted(block, theta, coef, gradD);
    single.forward(block, theta, new double[rows]);
    single.backwardWeighted(block, theta, coef, gradS);
    single.backwardWeighted(block, theta, tiny, gradTiny);
    assertVectorClose(gradD, gradS, TOLERANCE, 0, "Σ c_r ∇Φ with c_r from 1 to e^-700");
    for (int j = 0; j < theta.length; j++) {
      assertEquals(Math.scalb(gradS[j], -900), gradTiny[j], "scaled coefficients, entry " + j);
    }
    float[] out = new float[3];
    double m = FloatCoefficients.toFloat(new double[] {0x1p-66, -3.0, 0x1p-62}, 3, out);
    assertEquals(2.0, m);
    assertArrayEquals(new float[] {0f, -1.5f, 0x1p-63f}, out);
  }

  private static final Pattern WIDTH = Pattern.compile("(?:conv|dense)(\\d+)");

  /** He-like scale per weight layer: N(0, 2 / fan-in), the bias too. */
  private static double[] heTheta(Network net, long seed) {
    double[] theta = new double[net.parameterCount()];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (ParameterBlock b : net.weightLayers()) {
      Matcher m = WIDTH.matcher(b.name());
      assertTrue(m.find(), b.name());
      double sd = Math.sqrt(2.0 * Integer.parseInt(m.group(1)) / b.length());
      for (int i = b.offset(); i < b.offset() + b.length(); i++) {
        theta[i] = rnd.nextGaussian() * sd;
      }
    }
    return theta;
  }

  /** Per weight layer: 4^j entries ±1 (the largest power of 4 it holds), the rest 0. */
  private static double[] powerOfTwoNormTheta(Network net, long seed) {
    double[] theta = new double[net.parameterCount()];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (ParameterBlock b : net.weightLayers()) {
      int m = 1;
      while (m * 4 <= b.length()) {
        m *= 4;
      }
      int[] order = range(b.length());
      for (int i = order.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      for (int k = 0; k < m; k++) {
        theta[b.offset() + order[k]] = rnd.nextBoolean() ? 1 : -1;
      }
    }
    return theta;
  }

  private static DenseBlock integerBlock(int rows, int p, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[rows * p];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextInt(3);
    }
    return new DenseBlock(rows, p, x, NetTestData.labels(rows), NetTestData.indices(rows));
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }
}

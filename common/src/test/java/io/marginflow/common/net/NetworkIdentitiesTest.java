package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The algebra of homogeneous networks: Φ(cθ) = c^L Φ(θ), Euler's identity, finite differences,
 * σ'(0), ties.
 */
class NetworkIdentitiesTest {

  /** Φ(cθ) and c^L Φ(θ) differ only by rounding of the rescaled sums (exact for powers of two). */
  private static final double HOMOGENEITY_REL_TOL = 1e-12;

  /** ⟨∇Φ, θ⟩ and LΦ sum the same products in different orders: rounding relative to Σ|g_j θ_j|. */
  private static final double EULER_REL_TOL = 1e-12;

  /**
   * Central-difference step; Φ is linear in each single weight between kinks, so only rounding
   * (~ε|F|/h) remains.
   */
  private static final double FD_STEP = 1e-6;

  private static final double FD_REL_TOL = 1e-6;
  private static final double FD_ABS_TOL = 1e-7;

  /** Points whose pre-activations or max-pool gaps come closer than this to a kink are redrawn. */
  private static final double KINK_MARGIN = 1e-3;

  private static final double[] SCALES = {0.5, 2.0, 10.0};

  static Stream<String> specs() {
    return NetSpecs.all();
  }

  @ParameterizedTest
  @MethodSource("specs")
  void homogeneityOnDenseAndCsr(String text) {
    Network net = Network.of(NetworkSpec.parse(text), 0.0);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.4, 21);
    RowBlock[] blocks = {
      NetTestData.gaussianBlock(9, net.inputSize(), 22),
      NetTestData.sparseBlock(9, net.inputSize(), 0.3, 23)
    };
    for (RowBlock block : blocks) {
      double[] base = NetTestData.forward(net, block, theta);
      for (double c : SCALES) {
        double[] scaled = theta.clone();
        for (int i = 0; i < scaled.length; i++) {
          scaled[i] *= c;
        }
        double[] expected = base.clone();
        double factor = Math.pow(c, net.degree());
        for (int r = 0; r < expected.length; r++) {
          expected[r] *= factor;
        }
        assertArrayClose(
            expected,
            NetTestData.forward(net, block, scaled),
            HOMOGENEITY_REL_TOL,
            0.0,
            text + " " + block.getClass().getSimpleName() + " c=" + c);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("specs")
  void eulerIdentityPerSample(String text) {
    Network net = Network.of(NetworkSpec.parse(text), 0.5);
    double[] theta = NetTestData.gaussianTheta(net.parameterCount(), 0.4, 31);
    DenseBlock block = NetTestData.gaussianBlock(6, net.inputSize(), 32);
    Workspace ws = net.newWorkspace();
    double[] out = new double[block.rows()];
    net.forward(block, theta, ws, out);
    for (int r = 0; r < block.rows(); r++) {
      double[] coef = new double[block.rows()];
      coef[r] = 1.0;
      double[] grad = new double[net.parameterCount()];
      net.backwardWeighted(block, theta, ws, coef, grad);
      double dot = 0;
      double scale = 0;
      for (int j = 0; j < grad.length; j++) {
        dot += grad[j] * theta[j];
        scale += Math.abs(grad[j] * theta[j]);
      }
      assertClose(
          net.degree() * out[r], dot, 0.0, EULER_REL_TOL * scale + 1e-300, text + " row " + r);
    }
  }

  @ParameterizedTest
  @MethodSource("specs")
  void finiteDifferencesAwayFromKinks(String text) {
    Network net = Network.of(NetworkSpec.parse(text), 0.0);
    ReferenceNetwork ref = new ReferenceNetwork(net.spec(), 0.0);
    DenseBlock block = NetTestData.gaussianBlock(3, net.inputSize(), 41);
    double[] coef = {0.7, -1.3, 0.4};
    double[] theta = null;
    for (long seed = 0; seed < 200 && theta == null; seed++) {
      double[] candidate = NetTestData.gaussianTheta(net.parameterCount(), 0.5, 1000 + seed);
      boolean safe = true;
      for (int r = 0; r < block.rows() && safe; r++) {
        safe = ref.kinkDistance(NetTestData.row(block, r), candidate) > KINK_MARGIN;
      }
      theta = safe ? candidate : null;
    }
    if (theta == null) {
      fail(text + ": no θ away from kinks in 200 draws");
    }
    Workspace ws = net.newWorkspace();
    double[] out = new double[block.rows()];
    net.forward(block, theta, ws, out);
    double[] grad = new double[net.parameterCount()];
    net.backwardWeighted(block, theta, ws, coef, grad);
    for (int j = 0; j < theta.length; j++) {
      double[] plus = theta.clone();
      double[] minus = theta.clone();
      plus[j] += FD_STEP;
      minus[j] -= FD_STEP;
      double fd =
          (weighted(net, block, plus, coef) - weighted(net, block, minus, coef)) / (2 * FD_STEP);
      assertClose(fd, grad[j], FD_REL_TOL, FD_ABS_TOL, text + " ∂/∂θ[" + j + "]");
    }
  }

  private static double weighted(Network net, RowBlock block, double[] theta, double[] coef) {
    double[] out = NetTestData.forward(net, block, theta);
    double s = 0;
    for (int r = 0; r < out.length; r++) {
      s += coef[r] * out[r];
    }
    return s;
  }

  /**
   * x = (1, 1), W₁ = [[1, −1], [1, 1]], W₂ = (3, 5): hidden pre-activations (0, 2), Φ = 10. The
   * first unit sits exactly at the kink, so ∂Φ/∂W₁[0, :] = W₂[0]·σ'(0)·x = (3e, 3e).
   */
  @Test
  void derivativeAtZeroIsTheConfiguredE() {
    DenseBlock x = new DenseBlock(1, 2, new double[] {1, 1}, new double[] {1}, new long[] {0});
    double[] theta = {1, -1, 1, 1, 3, 5};
    for (String act : new String[] {"relu", "leaky:0.1"}) {
      for (double e : new double[] {0.0, 1.0, 0.25}) {
        Network net = Network.of(NetworkSpec.parse("mlp:2-2-1/act=" + act), e);
        Workspace ws = net.newWorkspace();
        double[] out = new double[1];
        net.forward(x, theta, ws, out);
        double[] grad = new double[6];
        net.backwardWeighted(x, theta, ws, new double[] {1}, grad);
        String what = act + " e=" + e;
        assertClose(10.0, out[0], 0, 0, what + " Φ");
        assertArrayClose(new double[] {3 * e, 3 * e, 5, 5, 0, 2}, grad, 0, 1e-15, what + " ∇Φ");
        double dot = 0;
        for (int j = 0; j < 6; j++) {
          dot += grad[j] * theta[j];
        }
        assertClose(2 * out[0], dot, 0, 1e-12, what + " Euler at the kink");
      }
    }
  }

  /**
   * A 1×1 conv mixes two channels into z; ties in the max-pool window must route the gradient to
   * the first maximum in row-major scan order. Φ = v·max(z), so ∂Φ/∂w_c = v·x_c[argmax].
   */
  @Test
  void maxPoolTieGoesToFirstMaximum() {
    Network net = Network.parse("cnn:2x2x2-conv1k1-maxpool2-dense1");
    double v = 1.5;
    double[] theta = {1, 1, v};
    // channel 0 then channel 1, each 2x2 row-major: z = x0 + x1
    double[][] inputs = {
      {1, 2, 0, 0, /* x1 */ 1, 0, 0, 0}, // z = (2, 2, 0, 0): tie at (0,0) and (0,1) -> (0,0)
      {0, 1, 2, 0, /* x1 */ 0, 2, 1, 1}, // z = (0, 3, 3, 1): tie at (0,1) and (1,0) -> (0,1)
    };
    int[] expectedArgmax = {0, 1};
    for (int t = 0; t < inputs.length; t++) {
      DenseBlock x = new DenseBlock(1, 8, inputs[t], new double[] {1}, new long[] {0});
      Workspace ws = net.newWorkspace();
      net.forward(x, theta, ws, new double[1]);
      double[] grad = new double[3];
      net.backwardWeighted(x, theta, ws, new double[] {1}, grad);
      int a = expectedArgmax[t];
      assertArrayClose(
          new double[] {v * inputs[t][a], v * inputs[t][4 + a], grad[2]},
          grad,
          0,
          0,
          "tie case " + t);
      assertTrue(
          grad[0] != v * inputs[t][a + 1] || grad[1] != v * inputs[t][4 + a + 1],
          "the later tied maximum must not win, case " + t);
    }
  }
}

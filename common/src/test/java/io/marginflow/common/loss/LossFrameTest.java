package io.marginflow.common.loss;

import static io.marginflow.common.testing.NumericAssert.assertArrayClose;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LossFrameTest {

  /** Sums of ~100 terms in a different order and frame: rounding grows like n·ulp. */
  private static final double REL_TOL = 1e-13;

  /** Weights may exceed 1 by rounding of exp(x − F) with x ≈ F. */
  private static final double WEIGHT_SLACK = 1e-15;

  /**
   * Log-space values are exact only up to an absolute error ~|q|·2^{−52}: at q = 1e4 a weight
   * e^{log|ℓ'| − F} carries a relative error of about 1e4·2.2e−16 ≈ 2e−12.
   */
  private static final double HUGE_MARGIN_REL_TOL = 1e-11;

  private static final int N = 97;

  private static Loss loss(String name) {
    return Loss.parse(name);
  }

  private static double[] margins(long seed, double lo, double hi) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[] m = new double[N];
    for (int i = 0; i < N; i++) {
      m[i] = lo + (hi - lo) * rng.nextDouble();
    }
    return m;
  }

  @ParameterizedTest
  @ValueSource(strings = {"exp", "logistic"})
  void frameReproducesTheNaiveUpdateWhereThatIsComputable(String name) {
    Loss loss = loss(name);
    double[] p = margins(1, -3, 5);
    double[] c = margins(2, -1, 1); // stands for one coordinate of y_i ∇Φ(x_i)
    double gamma = 0.7;
    double naive = 0;
    double naiveLoss = 0;
    for (int i = 0; i < N; i++) {
      double negDeriv = name.equals("exp") ? Math.exp(-p[i]) : 1 / (1 + Math.exp(p[i]));
      naive += (gamma / N) * negDeriv * c[i]; // −(γ/n_b) Σ ℓ'(p_i) a_i
      naiveLoss += name.equals("exp") ? Math.exp(-p[i]) : Math.log1p(Math.exp(-p[i]));
    }
    double[] w = new double[N];
    double frame = LossFrame.weights(loss, p, N, w);
    double framed = 0;
    for (int i = 0; i < N; i++) {
      assertTrue(w[i] > 0 && w[i] <= 1 + WEIGHT_SLACK, "weight " + i + " = " + w[i]);
      framed += w[i] * c[i];
    }
    double update = Math.exp(LossFrame.logScale(Math.log(gamma), frame, N)) * framed;
    assertClose(naive, update, REL_TOL, 0, "update");
    assertClose(Math.log(naiveLoss / N), LossFrame.batchLogLoss(frame, N), REL_TOL, 0, "log 𝓛");
  }

  @ParameterizedTest
  @ValueSource(strings = {"exp", "logistic"})
  void logLossIsRightWhenEveryLossUnderflows(String name) {
    Loss loss = loss(name);
    double[] delta = margins(3, 0, 5);
    double[] p = new double[N];
    double sumExp = 0;
    for (int i = 0; i < N; i++) {
      p[i] = 1000 + delta[i];
      sumExp += Math.exp(-delta[i]);
    }
    // the naive sum reads 0, and its log −∞: the reason for the log-space contract
    double naive = 0;
    for (double q : p) {
      naive += Math.exp(-q);
    }
    assertEquals(Double.NEGATIVE_INFINITY, Math.log(naive));
    // analytic: 𝓛 = (1/n) Σ e^{−1000−δ_i} (for logistic up to a factor 1 − O(e^{−1000}))
    double expectedLogLoss = -1000 + Math.log(sumExp / N);
    double[] w = new double[N];
    double frame = LossFrame.weights(loss, p, N, w);
    assertClose(expectedLogLoss, LossFrame.batchLogLoss(frame, N), REL_TOL, 0, "log 𝓛");
    // the weights are the softmax of −δ: w_i = e^{−δ_i}/Σ_j e^{−δ_j}
    double[] expectedW = new double[N];
    for (int i = 0; i < N; i++) {
      expectedW[i] = Math.exp(-delta[i]) / sumExp;
    }
    assertArrayClose(expectedW, w, REL_TOL, 0, "weights");
    assertClose(
        Math.log(0.1) + expectedLogLoss,
        LossFrame.logScale(Math.log(0.1), frame, N),
        REL_TOL,
        0,
        "logScale");
  }

  @Test
  void identicalHugeMarginsGiveExactlyMinusQ() {
    double[] p = new double[N];
    Arrays.fill(p, 1e4);
    double[] w = new double[N];
    double frame = LossFrame.weights(ExponentialLoss.INSTANCE, p, N, w);
    assertClose(-1e4, LossFrame.batchLogLoss(frame, N), 1e-15, 0, "log 𝓛 = −q");
    for (double wi : w) {
      assertClose(1.0 / N, wi, HUGE_MARGIN_REL_TOL, 0, "equal weights");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"exp", "logistic"})
  void partitionsMergeToTheSameFrameAndWeights(String name) {
    Loss loss = loss(name);
    double[] p = margins(4, 500, 900);
    double[] w = new double[N];
    double frame = LossFrame.weights(loss, p, N, w);
    int[] cuts = {0, 10, 10, 50, N}; // includes an empty part
    double merged = Double.NEGATIVE_INFINITY;
    for (int k = 0; k + 1 < cuts.length; k++) {
      double[] part = Arrays.copyOfRange(p, cuts[k], cuts[k + 1]);
      merged = LogSpace.logAddExp(merged, LossFrame.logLossSum(loss, part, part.length));
    }
    assertClose(frame, merged, REL_TOL, 0, "merged frame");
    for (int k = 0; k + 1 < cuts.length; k++) {
      double[] part = Arrays.copyOfRange(p, cuts[k], cuts[k + 1]);
      double[] wPart = new double[part.length];
      LossFrame.weightsInFrame(loss, part, part.length, merged, wPart);
      assertArrayClose(
          Arrays.copyOfRange(w, cuts[k], cuts[k + 1]), wPart, REL_TOL, 0, "weights of part " + k);
    }
  }

  @Test
  void edgeCasesAndRefusals() {
    double[] w = new double[3];
    assertEquals(
        Double.NEGATIVE_INFINITY, LossFrame.weights(LogisticLoss.INSTANCE, new double[0], 0, w));
    assertEquals(
        Double.NEGATIVE_INFINITY, LossFrame.logLossSum(LogisticLoss.INSTANCE, new double[0], 0));
    double[] p = {1, Double.NaN, 2};
    assertTrue(Double.isNaN(LossFrame.weights(LogisticLoss.INSTANCE, p, 3, w)), "NaN policy");
    assertTrue(Double.isNaN(LossFrame.logLossSum(LogisticLoss.INSTANCE, p, 3)), "NaN policy");
    assertThrows(
        IllegalArgumentException.class,
        () -> LossFrame.weights(ExponentialLoss.INSTANCE, new double[2], 3, w));
    assertThrows(
        IllegalArgumentException.class,
        () -> LossFrame.weights(ExponentialLoss.INSTANCE, new double[4], 4, w));
    assertThrows(
        IllegalArgumentException.class,
        () -> LossFrame.weights(ExponentialLoss.INSTANCE, w, 3, w),
        "aliasing");
    assertThrows(IllegalArgumentException.class, () -> LossFrame.logScale(0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> LossFrame.batchLogLoss(0, -1));
  }

  /** The generic two-pass frame: log ℓ and log|ℓ'| from the loss's own methods, then LSE. */
  private static double referenceWeights(Loss loss, double[] p, double[] out) {
    double[] logLoss = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      logLoss[i] = loss.logLoss(p[i]);
    }
    double frame = LogSpace.logSumExp(logLoss, p.length);
    for (int i = 0; i < p.length; i++) {
      out[i] = Math.exp(loss.logNegDerivative(p[i]) - frame);
    }
    return frame;
  }

  @Test
  void fusedLogisticFrameMatchesTheLossMethods() {
    SplittableRandom rng = new SplittableRandom(20261127);
    double[][] cases = {
      margins(11, -40, 40), // both branches of softplus and the series form above q = 30
      margins(12, 29, 31), // around the series threshold
      margins(13, 500, 900), // every loss underflows in linear space
      margins(14, -900, -500), // huge losses
      {0.0, -0.0, 30.0, Math.nextUp(30.0), 1e-300, -1e-300},
      {Double.POSITIVE_INFINITY, 1.0, 2.0}, // a zero loss (log ℓ = −∞) is skipped by the LSE
      {Double.NEGATIVE_INFINITY, 1.0}, // an infinite loss: F = +∞ as in the generic path
      {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY}
    };
    for (double[] base : cases) {
      double[] p = base.clone();
      // Shuffle so that the running maximum grows several times.
      for (int i = p.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        double t = p[i];
        p[i] = p[j];
        p[j] = t;
      }
      double[] fused = new double[p.length];
      double[] ref = new double[p.length];
      double f = LossFrame.weights(LogisticLoss.INSTANCE, p, p.length, fused);
      double r = referenceWeights(LogisticLoss.INSTANCE, p, ref);
      String what =
          Arrays.toString(base).substring(0, Math.min(60, Arrays.toString(base).length()));
      if (Double.isInfinite(r)) {
        assertEquals(r, f, what);
      } else {
        assertClose(r, f, REL_TOL, REL_TOL, "frame " + what);
      }
      for (int i = 0; i < p.length; i++) {
        if (Double.isNaN(ref[i])) {
          assertTrue(Double.isNaN(fused[i]), what + " weight " + i);
        } else {
          assertClose(ref[i], fused[i], HUGE_MARGIN_REL_TOL, 1e-300, what + " weight " + i);
          assertTrue(fused[i] <= 1 + WEIGHT_SLACK, what + ": weight > 1");
        }
      }
    }
  }
}

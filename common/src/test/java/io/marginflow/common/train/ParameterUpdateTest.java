package io.marginflow.common.train;

import static io.marginflow.common.testing.NumericAssert.assertClose;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Initializer;
import io.marginflow.common.net.Network;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.sample.SamplerConfig;
import org.junit.jupiter.api.Test;

class ParameterUpdateTest {

  /** Rounding of sums over ~10^4 parameters and rows in double precision. */
  private static final double SUM_ROUNDING = 1e-10;

  @Test
  void radialIdentityOfTheUpdateHoldsExactly() {
    // Paper eq. 30: ‖w_{k+1}‖² = ‖w_k‖² + radial_loss_term + radial_step_term, which rests on
    // Euler's
    // identity ⟨a_i(w), w⟩ = L p_i(w) for the subgradient the kernels return.
    Dataset data = TrainFixtures.teacher(7, 300, 10, 64);
    for (String spec : new String[] {"mlp:10-16-1", "mlp:10-8-8-1/act=leaky:0.2", "mlp:10-1"}) {
      Network net = Network.parse(spec);
      for (Loss loss : new Loss[] {Loss.parse("exp"), Loss.parse("logistic")}) {
        MinibatchSampler sampler =
            MinibatchSampler.create(SamplerConfig.parse("iid", 50), data.rows(), 3);
        PartitionContext ctx = new PartitionContext(net, loss, sampler);
        double[] theta = Initializer.initialize(net, "he", 11);
        for (int k = 0; k < 5; k++) {
          double before = sq(theta);
          BatchGradient sum = ctx.batchSum(data.blocks(), k, theta);
          ParameterUpdate.Result r =
              ParameterUpdate.apply(theta, sum, Math.log(0.05), net.degree());
          double after = sq(theta);
          org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(after), "finite update");
          assertClose(
              after,
              before + r.radialLossTerm() + r.radialStepTerm(),
              SUM_ROUNDING,
              0,
              spec + " " + loss + " step " + k + ": eq. 30");
          assertClose(Math.sqrt(before), r.normBefore(), 1e-15, 0, "norm before");
        }
      }
    }
  }

  @Test
  void scaledSumEqualsTheDirectSubgradientSum() {
    // e^{log γ + F − log n_b}·G must equal (γ/n_b) Σ |ℓ'(p_i)| a_i computed without the loss frame.
    Dataset data = TrainFixtures.teacher(5, 40, 6, 40);
    Network net = Network.parse("mlp:6-5-1");
    Loss loss = Loss.parse("logistic");
    MinibatchSampler full = MinibatchSampler.create(SamplerConfig.parse("full", 40), 40, 1);
    double[] theta = Initializer.initialize(net, "he", 2);
    BatchGradient sum = new PartitionContext(net, loss, full).batchSum(data.blocks(), 0, theta);
    double[] direct = new double[theta.length];
    double[] out = new double[40];
    var ws = net.newWorkspace();
    var block = data.blocks().get(0);
    net.forward(block, theta, ws, out);
    double[] coef = new double[40];
    for (int i = 0; i < 40; i++) {
      double p = block.labels()[i] * out[i];
      coef[i] = block.labels()[i] * Math.exp(loss.logNegDerivative(p));
    }
    net.backwardWeighted(block, theta, ws, coef, direct);
    double scale = Math.exp(sum.logFrame());
    for (int j = 0; j < theta.length; j++) {
      assertClose(direct[j], scale * sum.gradient()[j], 1e-12, 1e-15, "Σ|ℓ'|a_i [" + j + "]");
    }
  }

  @Test
  void fusedPassesGiveTheBitsOfTheOneSumForms() {
    // apply() sums ‖θ‖², ‖G‖², ⟨G,θ⟩ and ‖G − cθ‖² in two fused passes; each sum must keep the
    // order of its one-sum form (Norms.perpendicularNorm), so θ and every measurement are the
    // same bits as the unfused update — the metrics of earlier runs stay reproducible.
    Dataset data = TrainFixtures.teacher(13, 400, 12, 64);
    for (String spec : new String[] {"mlp:12-32-1", "mlp:12-8-8-1/act=leaky:0.1"}) {
      Network net = Network.parse(spec);
      for (Loss loss : new Loss[] {Loss.parse("exp"), Loss.parse("logistic")}) {
        MinibatchSampler sampler =
            MinibatchSampler.create(SamplerConfig.parse("iid", 60), data.rows(), 5);
        PartitionContext ctx = new PartitionContext(net, loss, sampler);
        double[] theta = Initializer.initialize(net, "he", 17);
        for (int k = 0; k < 6; k++) {
          BatchGradient sum = ctx.batchSum(data.blocks(), k, theta);
          double logGamma = Math.log(0.3 + k);
          double[] expected = theta.clone();
          double[] want = unfused(expected, sum, logGamma, net.degree());
          ParameterUpdate.Result r = ParameterUpdate.apply(theta, sum, logGamma, net.degree());
          double[] got = {r.normBefore(), r.radialStepTerm(), r.stepNorm(), r.tangentialStep()};
          String where = spec + " " + loss + " step " + k;
          for (int i = 0; i < want.length; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(
                Double.doubleToLongBits(want[i]),
                Double.doubleToLongBits(got[i]),
                where + " #" + i);
          }
          org.junit.jupiter.api.Assertions.assertArrayEquals(expected, theta, where + ": θ");
          org.junit.jupiter.api.Assertions.assertEquals(
              java.util.Arrays.stream(expected).allMatch(Double::isFinite),
              r.thetaFinite(),
              where + ": θ finite");
        }
      }
    }
    double[] zero = new double[Network.parse("mlp:12-32-1").parameterCount()];
    BatchGradient sum =
        new PartitionContext(
                Network.parse("mlp:12-32-1"),
                Loss.parse("exp"),
                MinibatchSampler.create(SamplerConfig.parse("iid", 60), data.rows(), 5))
            .batchSum(data.blocks(), 0, zero);
    ParameterUpdate.Result r = ParameterUpdate.apply(zero, sum, 0.0, 2);
    org.junit.jupiter.api.Assertions.assertTrue(
        Double.isNaN(r.tangentialStep()), "θ = 0: no direction, tangential step NaN");
  }

  @Test
  void thetaFiniteReportsExactlyAnUpdateThatLeftNaNOrInfinity() {
    Dataset data = TrainFixtures.teacher(3, 200, 6, 64);
    Network net = Network.parse("mlp:6-7-1");
    PartitionContext ctx =
        new PartitionContext(
            net,
            Loss.parse("logistic"),
            MinibatchSampler.create(SamplerConfig.parse("iid", 50), data.rows(), 2));
    double[] theta = Initializer.initialize(net, "he", 4);
    BatchGradient sum = ctx.batchSum(data.blocks(), 0, theta);
    // log γ = 800: γ·G overflows to ±∞ in some entries (and only there, not in the sums' order)
    double[] overflow = theta.clone();
    org.junit.jupiter.api.Assertions.assertFalse(
        ParameterUpdate.apply(overflow, sum, 800.0, net.degree()).thetaFinite(), "γ = e^800");
    org.junit.jupiter.api.Assertions.assertTrue(
        java.util.Arrays.stream(overflow).anyMatch(v -> !Double.isFinite(v)), "θ did overflow");
    for (int j : new int[] {0, theta.length / 2, theta.length - 1}) {
      for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -Double.MAX_VALUE}) {
        double[] t = theta.clone();
        t[j] = bad;
        boolean finite = ParameterUpdate.apply(t, sum, Math.log(0.1), net.degree()).thetaFinite();
        boolean expected = java.util.Arrays.stream(t).allMatch(Double::isFinite);
        org.junit.jupiter.api.Assertions.assertEquals(expected, finite, "θ[" + j + "] = " + bad);
      }
    }
  }

  @Test
  void anUpdateOfADeferredMergeHasTheBitsOfTheUpdateOfTheMergedSum() {
    // The rows path leaves its last merge's combine to apply()'s first pass: θ, every
    // measurement and the merged G must be the bits of merging first and updating after.
    Dataset data = TrainFixtures.teacher(21, 600, 12, 50);
    int half = data.blocks().size() / 2;
    for (String spec : new String[] {"mlp:12-32-1", "mlp:12-8-8-1/act=leaky:0.1"}) {
      Network net = Network.parse(spec);
      for (Loss loss : new Loss[] {Loss.parse("exp"), Loss.parse("logistic")}) {
        MinibatchSampler sampler =
            MinibatchSampler.create(SamplerConfig.parse("iid", 80), data.rows(), 9);
        PartitionContext ctx = new PartitionContext(net, loss, sampler);
        double[] theta = Initializer.initialize(net, "he", 23);
        for (int k = 0; k < 4; k++) {
          double logGamma = Math.log(0.02 + 0.01 * k);
          double[] merged = theta.clone();
          BatchGradient a = ctx.batchSum(data.blocks().subList(0, half), k, theta);
          BatchGradient b =
              ctx.batchSum(data.blocks().subList(half, data.blocks().size()), k, theta);
          BatchGradient m = a.mergeTaking(b);
          ParameterUpdate.Result want = ParameterUpdate.apply(merged, m, logGamma, net.degree());
          BatchGradient a2 = ctx.batchSum(data.blocks().subList(0, half), k, theta);
          BatchGradient b2 =
              ctx.batchSum(data.blocks().subList(half, data.blocks().size()), k, theta);
          BatchGradient d = a2.mergeDeferred(b2);
          org.junit.jupiter.api.Assertions.assertNotNull(d.pending(), "both halves had rows");
          ParameterUpdate.Result got = ParameterUpdate.apply(theta, d, logGamma, net.degree());
          String where = spec + " " + loss + " step " + k;
          org.junit.jupiter.api.Assertions.assertEquals(want, got, where);
          org.junit.jupiter.api.Assertions.assertArrayEquals(merged, theta, where + ": θ");
          org.junit.jupiter.api.Assertions.assertArrayEquals(
              m.gradient(), d.gradient(), where + ": G");
          org.junit.jupiter.api.Assertions.assertNull(d.pending(), where + ": settled");
          org.junit.jupiter.api.Assertions.assertTrue(got.gradientFinite(), where);
        }
      }
    }
  }

  @Test
  void aNonFiniteGradientIsReportedWhetherMergedOrDeferred() {
    int d = 9;
    for (boolean deferred : new boolean[] {false, true}) {
      for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
        for (int pos : new int[] {0, 4, d - 1}) {
          double[] g = new double[d];
          double[] o = new double[d];
          java.util.Arrays.fill(g, 0.25);
          java.util.Arrays.fill(o, -0.5);
          o[pos] = bad;
          BatchGradient first = BatchGradient.restore(d, 2, 0.0, 0.0, 1.0, 0.1, false, g);
          BatchGradient second = BatchGradient.restore(d, 2, -1.0, -1.0, 1.0, 0.1, false, o);
          BatchGradient sum = deferred ? first.mergeDeferred(second) : first.mergeTaking(second);
          double[] theta = new double[d];
          java.util.Arrays.fill(theta, 1.0);
          ParameterUpdate.Result r = ParameterUpdate.apply(theta, sum, 0.0, 2);
          String where = (deferred ? "deferred" : "merged") + ", " + bad + " at " + pos;
          org.junit.jupiter.api.Assertions.assertFalse(r.gradientFinite(), where);
          org.junit.jupiter.api.Assertions.assertTrue(sum.knownNonFinite(), where);
          double[] fine = new double[d];
          java.util.Arrays.fill(fine, 1.0);
          BatchGradient ok =
              BatchGradient.restore(d, 2, 0.0, 0.0, 1.0, 0.1, false, fine.clone())
                  .mergeDeferred(
                      BatchGradient.restore(d, 2, -1.0, -1.0, 1.0, 0.1, false, fine.clone()));
          org.junit.jupiter.api.Assertions.assertTrue(
              ParameterUpdate.apply(fine, ok, 0.0, 2).gradientFinite(), where + " mended");
        }
      }
    }
  }

  /** ‖θ‖, ‖Δ‖², ‖Δ‖ and ‖Δ_⊥‖/‖θ‖ by the one-sum forms, updating θ (the pre-fusion code). */
  private static double[] unfused(double[] theta, BatchGradient sum, double logGamma, int l) {
    double scale = Math.exp(logGamma + sum.logFrame() - Math.log(sum.count()));
    double[] g = sum.gradient();
    double norm = Norms.l2(theta);
    double gSq = 0;
    for (double x : g) {
      gSq += x * x;
    }
    double stepSq = scale * scale * gSq;
    double tangential = norm > 0 ? scale * Norms.perpendicularNorm(g, theta) : Double.NaN;
    for (int j = 0; j < theta.length; j++) {
      theta[j] += scale * g[j];
    }
    return new double[] {norm, stepSq, Math.sqrt(stepSq), tangential / norm};
  }

  private static double sq(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return s;
  }
}

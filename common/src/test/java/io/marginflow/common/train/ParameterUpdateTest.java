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

  private static double sq(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x * x;
    }
    return s;
  }
}

package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MarginAccumulator;
import io.marginflow.common.stats.MarginSummary;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The tangential residual ‖ḡ − ⟨ḡ,u⟩u‖ and the tangential step ‖Δ − ⟨Δ,u⟩u‖ near alignment (β → 1,
 * the late stage): computed from the orthogonal vector itself they keep a relative accuracy the
 * Pythagorean form √(‖ḡ‖² − ⟨ḡ,u⟩²) cannot reach (science.md §5 item 7, issue 13 A1).
 */
class PerpendicularNormTest {

  /** Relative error allowed on a residual of known size (a few hundred ulps of the inputs). */
  private static final double RESIDUAL_TOLERANCE = 1e-9;

  /** A unit vector u, a unit vector v ⟂ u, in R^d, seeded. */
  private static double[][] orthonormalPair(int d, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] u = new double[d];
    double[] v = new double[d];
    for (int i = 0; i < d; i++) {
      u[i] = r.nextGaussian();
      v[i] = r.nextGaussian();
    }
    scale(u, 1 / Norms.l2(u));
    double c = Norms.dot(u, v);
    for (int i = 0; i < d; i++) {
      v[i] -= c * u[i];
    }
    c = Norms.dot(u, v); // a second Gram–Schmidt pass
    for (int i = 0; i < d; i++) {
      v[i] -= c * u[i];
    }
    scale(v, 1 / Norms.l2(v));
    return new double[][] {u, v};
  }

  private static void scale(double[] a, double s) {
    for (int i = 0; i < a.length; i++) {
      a[i] *= s;
    }
  }

  /** g = ‖g‖(cos φ u + sin φ v): alignment β = cos φ, residual ‖g‖ sin φ exactly. */
  private static double[] atAngle(double[] u, double[] v, double phi, double norm) {
    double[] g = new double[u.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = norm * (Math.cos(phi) * u[i] + Math.sin(phi) * v[i]);
    }
    return g;
  }

  @Test
  void residualAtAlignmentOneMinus1eMinus12IsResolved() {
    double[][] uv = orthonormalPair(5000, 11);
    double phi = Math.acos(1 - 1e-12); // β = 1 − 1e−12: residual ≈ 1.414e−6·‖g‖
    for (double norm : new double[] {1e-3, 1.0, 7.5e4}) {
      double[] g = atAngle(uv[0], uv[1], phi, norm);
      double[] w = uv[0].clone();
      scale(w, 123.0); // θ = 123·u
      double expected = norm * Math.sin(phi);
      double got = Norms.perpendicularNorm(g, w);
      assertEquals(expected, got, RESIDUAL_TOLERANCE * expected, "‖g‖ = " + norm);
      double pythagoras =
          Math.sqrt(Math.max(0, Math.pow(Norms.l2(g), 2) - Math.pow(Norms.dot(g, w) / 123.0, 2)));
      assertTrue(
          Math.abs(pythagoras - expected) > RESIDUAL_TOLERANCE * expected,
          "the old formula cannot resolve it (else this test proves nothing): " + pythagoras);
    }
  }

  @Test
  void residualsFarBelowTheOldFloorAreStillResolved() {
    double[][] uv = orthonormalPair(2000, 12);
    for (double phi : new double[] {1e-8, 1e-11, 1e-14}) {
      double[] g = atAngle(uv[0], uv[1], phi, 3.0);
      double got = Norms.perpendicularNorm(g, uv[0]);
      // Rounding of g itself (≈ 1e−16·‖g‖ per component) bounds what any method can see.
      assertEquals(3.0 * phi, got, 3.0 * phi * 1e-3 + 3.0 * 1e-15, "φ = " + phi);
    }
  }

  @Test
  void perpendicularPartOfAnOrthogonalVectorIsItsNormAndOfAParallelOneZero() {
    double[][] uv = orthonormalPair(300, 13);
    assertEquals(1.0, Norms.perpendicularNorm(uv[1], uv[0]), 1e-15);
    double[] parallel = uv[0].clone();
    scale(parallel, -4.0);
    assertEquals(0.0, Norms.perpendicularNorm(parallel, uv[0]), 1e-14);
    assertTrue(Double.isNaN(Norms.perpendicularNorm(uv[1], new double[300])), "w = 0");
  }

  @Test
  void tangentialStepOfANearlyRadialUpdateIsResolved() {
    double[][] uv = orthonormalPair(4000, 14);
    double phi = 1e-9;
    double[] theta = uv[0].clone();
    scale(theta, 50.0);
    double[] g = atAngle(uv[0], uv[1], phi, 2.0);
    BatchGradient sum = BatchGradient.restore(4000, 10, 0.0, 0.0, 1.0, 1.0, false, g);
    double logGamma = Math.log(0.1);
    ParameterUpdate.Result r = ParameterUpdate.apply(theta, sum, logGamma, 2);
    double scale = 0.1 / 10; // γ e^F / n_b with F = 0
    double expected = scale * 2.0 * Math.sin(phi) / 50.0;
    assertEquals(expected, r.tangentialStep(), expected * 1e-6);
  }

  @Test
  void evalRowCarriesTheRelativeResidual() {
    // A one-layer linear model: ḡ(u) is the λ-weighted sum of y_i x_i, β computed directly.
    Network net = Network.of(NetworkSpec.parse("mlp:3-1"), 0.0);
    double[] theta = {1.0, 2.0, -0.5};
    MarginAccumulator acc =
        new MarginAccumulator(io.marginflow.common.loss.Loss.parse("exp"), theta.length);
    double[] margins = {0.5, 0.7, 2.0};
    acc.add(margins, 3);
    double[] gw = {0.3, 0.9, -0.1};
    acc.addWeightedGradient(0.0, gw);
    MarginSummary s = acc.summarize(Norms.l2(theta));
    EvalRow row =
        MetricRows.evalRow(5, "train", net, theta, s, 0.0, null, 0.0, 3, 0.0, List.<String>of());
    double gNorm = Norms.l2(s.lambdaGradient());
    assertEquals(
        Norms.perpendicularNorm(s.lambdaGradient(), theta), row.tangentialResidual(), 1e-15);
    assertEquals(row.tangentialResidual() / gNorm, row.tangentialResidualRel(), 1e-15);
    double beta = row.alignment();
    assertEquals(1.0, beta * beta + Math.pow(row.tangentialResidualRel(), 2), 1e-12);
  }
}

package io.marginflow.common.train;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.stats.EvalRow;
import org.junit.jupiter.api.Test;

class EffectiveStepTest {

  /** Rounding of a handful of logs and one exp. */
  private static final double TOL = 1e-13;

  @Test
  void matchesTheFormulaAwayFromTheOrigin() {
    // γ = 0.5, n = 4, L = 3, ‖w‖ = 2, Σ|ℓ'| = 6: γ̄ = 0.5/4 · 2 · 6 = 1.5.
    double log = EffectiveStep.log(Math.log(0.5), 4, 3, 2.0, Math.log(6));
    assertClose(Math.log(1.5), log, TOL, TOL, "log effective step");
    assertClose(1.5, EffectiveStep.clockIncrement(log), TOL, TOL, "clock increment");
  }

  @Test
  void isUndefinedAtTheOriginForEveryDegree() {
    for (int degree = 1; degree <= 4; degree++) {
      double log = EffectiveStep.log(0.0, 10, degree, 0.0, Math.log(3));
      assertTrue(Double.isNaN(log), "L = " + degree + ": " + log);
      assertEquals(0.0, EffectiveStep.clockIncrement(log));
    }
    assertTrue(Double.isNaN(EffectiveStep.log(Double.NaN, 10, 2, 1.0, 0.0)), "NaN log γ");
  }

  @Test
  void linearModelFromZeroInitKeepsAFiniteOdeClock() {
    // Issue-6 configuration (mlp:F-1, --init zeros): ‖w₀‖ = 0 gave γ̄₀ = +∞, an infinite ODE clock
    // for the rest of the run, and a final checkpoint refused by CheckpointMeta.
    Dataset data = TrainFixtures.teacher(3, 200, 5, 40);
    TrainConfig cfg =
        TrainFixtures.config(
            "--model",
            "mlp:5-1",
            "--init",
            "zeros",
            "--sampler",
            "full",
            "--steps",
            "20",
            "--schedule",
            "vanishing:0.5",
            "--eval-every",
            "10");
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState end = new LocalTrainer(cfg, 5).run(data, null, rec, null);
    assertEquals(0.0, rec.steps().get(0).norm(), "step 0 starts at the origin");
    assertTrue(Double.isFinite(end.odeTime()) && end.odeTime() > 0, "τ = " + end.odeTime());
    EvalRow mid = rec.evals().stream().filter(r -> r.step() == 10).findFirst().orElseThrow();
    EvalRow last = rec.evals().get(rec.evals().size() - 1);
    assertEquals(20, last.step());
    assertEquals(end.odeTime(), last.odeTime(), "the eval row carries the state's clock");
    assertTrue(mid.odeTime() > 0 && mid.odeTime() < last.odeTime(), "τ grows after the origin");
    assertTrue(Double.isNaN(rec.evals().get(0).logEffectiveStep()), "eval at θ = 0");
  }
}

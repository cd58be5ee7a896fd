package io.marginflow.common.loss;

import static io.marginflow.common.loss.BigMath.big;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogisticLossTest {

  /** log ∘ softplus ∘ exp composes three correctly rounded-ish libm calls: a few ulps. */
  private static final double REL_TOL = 1e-14;

  /** Absolute floor for values that pass near 0 (log ℓ near q = log(e − 1)). */
  private static final double ABS_TOL = 1e-15;

  /** Two neighbouring evaluations may differ by rounding (a few ulps of values up to |q|). */
  private static final double ULP_SLACK = 8;

  private final Loss loss = LogisticLoss.INSTANCE;

  @ParameterizedTest
  @ValueSource(doubles = {-50, -1, 0, 1, 29.9, 30.1, 50, 700, 800, 1e5})
  void logLossMatchesHighPrecisionReference(double q) {
    double expected = BigMath.ln(BigMath.softplus(big(-q))).doubleValue();
    assertClose(expected, loss.logLoss(q), REL_TOL, ABS_TOL, "log ℓ(" + q + ")");
  }

  @ParameterizedTest
  @ValueSource(doubles = {-50, -1, 0, 1, 29.9, 30.1, 50, 700, 800, 1e5})
  void logNegDerivativeMatchesHighPrecisionReference(double q) {
    // |ℓ'(q)| = e^{−q}/(1 + e^{−q}) = 1/(1 + e^q), so log|ℓ'(q)| = −softplus(q)
    double expected = BigMath.softplus(big(q)).negate().doubleValue();
    assertClose(expected, loss.logNegDerivative(q), REL_TOL, ABS_TOL, "log|ℓ'(" + q + ")|");
  }

  @Test
  void knownValues() {
    assertClose(Math.log(Math.log(2)), loss.logLoss(0), REL_TOL, 0, "log ℓ(0) = log log 2");
    assertClose(-Math.log(2), loss.logNegDerivative(0), REL_TOL, 0, "log|ℓ'(0)| = −log 2");
    // beyond the double range of e^{−q} the loss is e^{−q}(1 − e^{−q}/2 + …): log ℓ = −q exactly
    assertEquals(-800.0, loss.logLoss(800));
    assertEquals(-1e5, loss.logLoss(1e5));
    assertEquals(-1e5, loss.logNegDerivative(1e5));
  }

  @Test
  void finiteAndMonotoneFromMinus50To1e5() {
    double prevLoss = Double.POSITIVE_INFINITY;
    double prevDeriv = Double.POSITIVE_INFINITY;
    int points = 0;
    for (double q = -50; q <= 1e5; q = q < 1000 ? q + 0.01 : q * 1.001) {
      double l = loss.logLoss(q);
      double d = loss.logNegDerivative(q);
      assertTrue(Double.isFinite(l) && Double.isFinite(d), "finite at q = " + q);
      assertTrue(l <= prevLoss + ULP_SLACK * Math.ulp(l), "log ℓ non-increasing at q = " + q);
      assertTrue(d <= prevDeriv + ULP_SLACK * Math.ulp(d), "log|ℓ'| non-increasing at q = " + q);
      // |ℓ'| ≤ ℓ, which makes the loss-frame weights ≤ 1
      assertTrue(d <= l + ULP_SLACK * Math.ulp(l), "log|ℓ'| ≤ log ℓ at q = " + q);
      prevLoss = l;
      prevDeriv = d;
      points++;
    }
    assertTrue(points > 100_000, "swept " + points + " points");
  }

  @Test
  void continuousAcrossTheSeriesThreshold() {
    double t = LogisticLoss.SERIES_THRESHOLD;
    double below = loss.logLoss(t);
    double above = loss.logLoss(Math.nextUp(t));
    double expected = BigMath.ln(BigMath.softplus(big(-t))).doubleValue();
    assertClose(expected, below, REL_TOL, 0, "log ℓ at the threshold (exact form)");
    assertClose(expected, above, REL_TOL, 0, "log ℓ just above the threshold (series form)");
    assertTrue(above <= below, "no upward jump across the threshold");
    for (double q = t - 1; q <= t + 1; q += 1.0 / 16) {
      double ref = BigMath.ln(BigMath.softplus(big(-q))).doubleValue();
      assertClose(ref, loss.logLoss(q), REL_TOL, 0, "log ℓ near the threshold, q = " + q);
    }
  }

  @Test
  void agreesWithNaiveFormulaWhereThatIsAccurate() {
    // log(log1p(exp(−q))) is accurate while exp(−q) is a normal double, i.e. q < 708
    for (double q = -50; q < 700; q += 0.37) {
      double naive = Math.log(Math.log1p(Math.exp(-q)));
      assertClose(naive, loss.logLoss(q), REL_TOL, ABS_TOL, "log ℓ vs naive at q = " + q);
    }
  }

  @Test
  void nanInNanOut() {
    assertTrue(Double.isNaN(loss.logLoss(Double.NaN)));
    assertTrue(Double.isNaN(loss.logNegDerivative(Double.NaN)));
  }

  @Test
  void parseNamesAndRefusals() {
    assertSame(LogisticLoss.INSTANCE, Loss.parse(" Logistic "));
    assertSame(ExponentialLoss.INSTANCE, Loss.parse("exp"));
    assertSame(ExponentialLoss.INSTANCE, Loss.parse("exponential"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Loss.parse("hinge"));
    assertTrue(e.getMessage().contains("loss") && e.getMessage().contains("hinge"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Loss.parse(null));
  }

  @Test
  void smoothedMarginNumeratorIsMinusLogExpm1() {
    for (double logS : new double[] {-1000, -50, -1, 0, 2, 10}) {
      assertEquals(
          -LogSpace.logExpm1FromLog(logS), loss.smoothedMarginNumerator(logS), "logS " + logS);
    }
  }
}

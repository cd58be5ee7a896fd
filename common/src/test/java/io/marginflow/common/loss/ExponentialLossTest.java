package io.marginflow.common.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExponentialLossTest {

  private final Loss loss = ExponentialLoss.INSTANCE;

  @ParameterizedTest
  @ValueSource(doubles = {-50, -1, 0, 1, 29.9, 30.1, 50, 700, 800, 1e5})
  void logLossAndDerivativeAreExactlyMinusQ(double q) {
    // ℓ(q) = e^{−q} = |ℓ'(q)|: both logs are −q with no rounding at all
    assertEquals(-q, loss.logLoss(q));
    assertEquals(-q, loss.logNegDerivative(q));
  }

  @Test
  void finiteFromMinus50To1e5() {
    for (double q = -50; q <= 1e5; q = q < 1000 ? q + 0.01 : q * 1.001) {
      assertTrue(Double.isFinite(loss.logLoss(q)), "finite at q = " + q);
    }
  }

  @Test
  void smoothedMarginNumeratorIsMinusLogS() {
    assertEquals(1842.0, loss.smoothedMarginNumerator(-1842.0));
    assertEquals("exp", loss.toString());
  }
}

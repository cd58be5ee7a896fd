package io.marginflow.common.loss;

import static io.marginflow.common.loss.BigMath.big;
import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogSpaceTest {

  /** A few ulps: each helper composes two or three libm calls. */
  private static final double REL_TOL = 1e-14;

  private static final double NEG_INF = Double.NEGATIVE_INFINITY;
  private static final double POS_INF = Double.POSITIVE_INFINITY;

  @Test
  void logSumExpOfOrdinaryAndHugeValues() {
    assertClose(
        Math.log(6),
        LogSpace.logSumExp(new double[] {0, Math.log(2), Math.log(3)}, 3),
        REL_TOL,
        0,
        "log(1 + 2 + 3)");
    // far outside the double range of e^x: LSE(1000, 1000) = 1000 + log 2, LSE(−1000, −1000) alike
    assertClose(
        1000 + Math.log(2),
        LogSpace.logSumExp(new double[] {1000, 1000}, 2),
        REL_TOL,
        0,
        "LSE(1000, 1000)");
    assertClose(
        -1000 + Math.log(2),
        LogSpace.logSumExp(new double[] {-1000, -1000}, 2),
        REL_TOL,
        0,
        "LSE(−1000, −1000)");
    // only the first count entries count
    assertEquals(5.0, LogSpace.logSumExp(new double[] {5, 1e300}, 1));
  }

  @Test
  void logSumExpSpecialValues() {
    assertEquals(NEG_INF, LogSpace.logSumExp(new double[0], 0), "empty sum");
    assertEquals(NEG_INF, LogSpace.logSumExp(new double[] {NEG_INF, NEG_INF}, 2), "all −∞");
    assertEquals(2.0, LogSpace.logSumExp(new double[] {NEG_INF, 2, NEG_INF}, 3), "−∞ ignored");
    assertEquals(POS_INF, LogSpace.logSumExp(new double[] {1, POS_INF, NEG_INF}, 3), "+∞ wins");
    assertTrue(Double.isNaN(LogSpace.logSumExp(new double[] {1, Double.NaN}, 2)), "NaN");
    assertTrue(Double.isNaN(LogSpace.logSumExp(new double[] {POS_INF, Double.NaN}, 2)), "NaN+∞");
    assertThrows(IllegalArgumentException.class, () -> LogSpace.logSumExp(new double[1], 2));
    assertThrows(IllegalArgumentException.class, () -> LogSpace.logSumExp(new double[1], -1));
  }

  @Test
  void logAddExp() {
    assertClose(Math.log(5), LogSpace.logAddExp(Math.log(2), Math.log(3)), REL_TOL, 0, "2 + 3");
    assertClose(-800 + Math.log(2), LogSpace.logAddExp(-800, -800), REL_TOL, 0, "tiny + tiny");
    assertEquals(LogSpace.logAddExp(3, -7), LogSpace.logAddExp(-7, 3), "symmetric");
    assertEquals(3.0, LogSpace.logAddExp(3, NEG_INF));
    assertEquals(3.0, LogSpace.logAddExp(NEG_INF, 3));
    assertEquals(NEG_INF, LogSpace.logAddExp(NEG_INF, NEG_INF));
    assertEquals(POS_INF, LogSpace.logAddExp(POS_INF, POS_INF), "∞ − ∞ must not leak a NaN");
    assertEquals(POS_INF, LogSpace.logAddExp(POS_INF, 1));
    assertEquals(POS_INF, LogSpace.logAddExp(NEG_INF, POS_INF));
    assertTrue(Double.isNaN(LogSpace.logAddExp(Double.NaN, 1)));
    assertTrue(Double.isNaN(LogSpace.logAddExp(POS_INF, Double.NaN)));
    assertTrue(Double.isNaN(LogSpace.logAddExp(NEG_INF, Double.NaN)));
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        -745,
        -700,
        -50,
        -20.000001,
        -20,
        -19.999999,
        -5,
        -1e-9,
        0,
        1,
        3.68,
        3.69,
        5,
        10,
        50
      })
  void logExpm1FromLogMatchesReference(double logS) {
    BigDecimal s = BigMath.exp(big(logS));
    // for S > 1000, log expm1(S) = S + log(1 − e^{−S}) = S to far below double precision
    double expected =
        s.compareTo(BigDecimal.valueOf(1000)) > 0
            ? s.doubleValue()
            : BigMath.ln(BigMath.expm1(s)).doubleValue();
    assertClose(expected, LogSpace.logExpm1FromLog(logS), REL_TOL, 0, "log expm1(e^" + logS + ")");
  }

  @Test
  void logExpm1FromLogLimits() {
    // tiny S: log expm1(S) ≈ log S + S/2, so at log S = −1000 the answer is −1000 exactly
    assertEquals(-1000.0, LogSpace.logExpm1FromLog(-1000));
    // large S: log expm1(S) ≈ S; e^710 overflows, and so does the true answer
    assertClose(Math.exp(700), LogSpace.logExpm1FromLog(700), REL_TOL, 0, "S = e^700");
    assertEquals(POS_INF, LogSpace.logExpm1FromLog(710));
    assertEquals(NEG_INF, LogSpace.logExpm1FromLog(NEG_INF));
    assertEquals(POS_INF, LogSpace.logExpm1FromLog(POS_INF));
    assertTrue(Double.isNaN(LogSpace.logExpm1FromLog(Double.NaN)));
  }

  @ParameterizedTest
  @ValueSource(doubles = {-800, -700, -50, -1, -1e-20, 0, 1e-20, 1, 50, 700, 800})
  void softplusMatchesReference(double z) {
    double expected = BigMath.softplus(big(z)).doubleValue();
    assertClose(expected, LogSpace.softplus(z), REL_TOL, 0, "softplus(" + z + ")");
  }

  @Test
  void softplusLimits() {
    assertEquals(0.0, LogSpace.softplus(-800), "e^{−800} underflows, as it should");
    assertEquals(POS_INF, LogSpace.softplus(POS_INF));
    assertEquals(0.0, LogSpace.softplus(NEG_INF));
    assertEquals(1e5, LogSpace.softplus(1e5));
  }
}

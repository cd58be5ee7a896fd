package io.marginflow.common.loss;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Slow, obviously correct references for the log-space losses: exp, log and log1p in BigDecimal
 * with 100 significant digits, good far outside the double range (e^{−100000} is fine here).
 */
final class BigMath {

  static final MathContext MC = new MathContext(100, RoundingMode.HALF_EVEN);

  private static final BigDecimal LN10 = lnNewton(BigDecimal.TEN);

  private BigMath() {}

  /** e^x by halving x until |x| &lt; 1/2, a Taylor series, then squaring back. */
  static BigDecimal exp(BigDecimal x) {
    int halvings = 0;
    BigDecimal r = x;
    while (r.abs().compareTo(new BigDecimal("0.5")) > 0) {
      r = r.divide(BigDecimal.valueOf(2), MC);
      halvings++;
    }
    BigDecimal sum = BigDecimal.ONE;
    BigDecimal term = BigDecimal.ONE;
    BigDecimal eps = BigDecimal.ONE.movePointLeft(MC.getPrecision() + 5);
    for (int k = 1; term.abs().compareTo(eps) > 0; k++) {
      term = term.multiply(r, MC).divide(BigDecimal.valueOf(k), MC);
      sum = sum.add(term, MC);
    }
    for (int i = 0; i < halvings; i++) {
      sum = sum.multiply(sum, MC);
    }
    return sum;
  }

  /** ln y for y &gt; 0 of any magnitude: y = m·10^e with m ∈ [1, 10), ln y = ln m + e·ln 10. */
  static BigDecimal ln(BigDecimal y) {
    if (y.signum() <= 0) {
      throw new IllegalArgumentException("ln of " + y);
    }
    int e = y.precision() - y.scale() - 1;
    BigDecimal m = y.movePointLeft(e);
    return lnNewton(m).add(LN10.multiply(BigDecimal.valueOf(e), MC), MC);
  }

  /** ln(1 + x), by its series when |x| &lt; 1/10 (so tiny x keep their digits), else ln. */
  static BigDecimal log1p(BigDecimal x) {
    if (x.abs().compareTo(new BigDecimal("0.1")) >= 0) {
      return ln(BigDecimal.ONE.add(x, MC));
    }
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal power = x;
    BigDecimal eps = x.abs().movePointLeft(MC.getPrecision() + 5);
    for (int k = 1; power.abs().compareTo(eps) > 0; k++) {
      BigDecimal term = power.divide(BigDecimal.valueOf(k), MC);
      sum = (k % 2 == 1) ? sum.add(term, MC) : sum.subtract(term, MC);
      power = power.multiply(x, MC);
    }
    return sum;
  }

  /** e^x − 1, by its series when |x| &lt; 1/10 (so tiny x keep their digits), else exp. */
  static BigDecimal expm1(BigDecimal x) {
    if (x.abs().compareTo(new BigDecimal("0.1")) >= 0) {
      return exp(x).subtract(BigDecimal.ONE, MC);
    }
    BigDecimal sum = BigDecimal.ZERO;
    BigDecimal term = BigDecimal.ONE;
    BigDecimal eps = x.abs().movePointLeft(MC.getPrecision() + 5);
    for (int k = 1; term.abs().compareTo(eps) > 0 || k == 1; k++) {
      term = term.multiply(x, MC).divide(BigDecimal.valueOf(k), MC);
      sum = sum.add(term, MC);
    }
    return sum;
  }

  /** softplus(z) = ln(1 + e^z) = z + ln(1 + e^{−z}). */
  static BigDecimal softplus(BigDecimal z) {
    if (z.signum() > 0) {
      return z.add(log1p(exp(z.negate())), MC);
    }
    return log1p(exp(z));
  }

  /** Halley's iteration z ← z + 2(y − e^z)/(y + e^z) from the double estimate, for moderate y. */
  private static BigDecimal lnNewton(BigDecimal y) {
    BigDecimal z = new BigDecimal(Math.log(y.doubleValue()));
    for (int i = 0; i < 4; i++) {
      BigDecimal ez = exp(z);
      z =
          z.add(
              BigDecimal.valueOf(2).multiply(y.subtract(ez, MC), MC).divide(y.add(ez, MC), MC), MC);
    }
    return z;
  }

  static BigDecimal big(double v) {
    return new BigDecimal(v);
  }
}

package io.marginflow.common.stats;

import java.util.Arrays;
import java.util.Objects;

/**
 * The full-data margin statistics read out of a {@link MarginAccumulator} (science.md §5 items
 * 2–7), for weights w with ‖w‖^L = normPowL. Compares by value (arrays by content); the arrays are
 * copied in and out.
 *
 * @param n number of samples (including non-finite margins)
 * @param logLoss log 𝓛 = LSE_i log ℓ(p_i) − log n
 * @param logSumLoss log S, S = n𝓛
 * @param errorRate #{i : ¬(p_i &gt; 0)} / n
 * @param minMargin m(w) = min_i p_i(w), raw
 * @param maxMargin max_i p_i(w), raw
 * @param normalizedMargin m(u) = m(w)/‖w‖^L
 * @param smoothedMargin loss.smoothedMarginNumerator(log S)/‖w‖^L
 * @param quantiles quantiles of p_i(u) = p_i(w)/‖w‖^L
 * @param nearSupport #{i : p_i &lt; m + j·ln 10}, j = 1..7
 * @param effectiveSupport 1/Σλ_i², λ = softmax(log|ℓ'(p)|)
 * @param logSumNegDerivative log Σ_i |ℓ'(p_i)|
 * @param lambdaMargin Σ λ_i p_i(w)
 * @param lambdaGradient ḡ(w) = Σ λ_i a_i(w)
 * @param nonFinite whether any margin (or gradient contribution) was NaN or ±∞
 */
public record MarginSummary(
    long n,
    double logLoss,
    double logSumLoss,
    double errorRate,
    double minMargin,
    double maxMargin,
    double normalizedMargin,
    double smoothedMargin,
    MarginQuantiles quantiles,
    long[] nearSupport,
    double effectiveSupport,
    double logSumNegDerivative,
    double lambdaMargin,
    double[] lambdaGradient,
    boolean nonFinite) {

  /** Validates and copies the arrays. */
  public MarginSummary {
    if (n < 0) {
      throw new IllegalArgumentException("n: expected ≥ 0, got " + n);
    }
    Objects.requireNonNull(quantiles, "quantiles");
    Objects.requireNonNull(nearSupport, "nearSupport");
    Objects.requireNonNull(lambdaGradient, "lambdaGradient");
    if (nearSupport.length != NearSupportWindow.LEVELS) {
      throw new IllegalArgumentException(
          "nearSupport: expected "
              + NearSupportWindow.LEVELS
              + " counts, got "
              + nearSupport.length);
    }
    nearSupport = nearSupport.clone();
    lambdaGradient = lambdaGradient.clone();
  }

  /** A copy of the 7 near-support counts. */
  @Override
  public long[] nearSupport() {
    return nearSupport.clone();
  }

  /** A copy of the λ-weighted gradient. */
  @Override
  public double[] lambdaGradient() {
    return lambdaGradient.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MarginSummary s
        && n == s.n
        && Double.compare(logLoss, s.logLoss) == 0
        && Double.compare(logSumLoss, s.logSumLoss) == 0
        && Double.compare(errorRate, s.errorRate) == 0
        && Double.compare(minMargin, s.minMargin) == 0
        && Double.compare(maxMargin, s.maxMargin) == 0
        && Double.compare(normalizedMargin, s.normalizedMargin) == 0
        && Double.compare(smoothedMargin, s.smoothedMargin) == 0
        && quantiles.equals(s.quantiles)
        && Arrays.equals(nearSupport, s.nearSupport)
        && Double.compare(effectiveSupport, s.effectiveSupport) == 0
        && Double.compare(logSumNegDerivative, s.logSumNegDerivative) == 0
        && Double.compare(lambdaMargin, s.lambdaMargin) == 0
        && Arrays.equals(lambdaGradient, s.lambdaGradient)
        && nonFinite == s.nonFinite;
  }

  @Override
  public int hashCode() {
    int h =
        Objects.hash(
            n,
            logLoss,
            logSumLoss,
            errorRate,
            minMargin,
            maxMargin,
            normalizedMargin,
            smoothedMargin,
            quantiles,
            effectiveSupport,
            logSumNegDerivative,
            lambdaMargin,
            nonFinite);
    h = 31 * h + Arrays.hashCode(nearSupport);
    return 31 * h + Arrays.hashCode(lambdaGradient);
  }

  @Override
  public String toString() {
    return "MarginSummary[n="
        + n
        + ", logLoss="
        + logLoss
        + ", logSumLoss="
        + logSumLoss
        + ", errorRate="
        + errorRate
        + ", minMargin="
        + minMargin
        + ", maxMargin="
        + maxMargin
        + ", normalizedMargin="
        + normalizedMargin
        + ", smoothedMargin="
        + smoothedMargin
        + ", quantiles="
        + quantiles
        + ", nearSupport="
        + Arrays.toString(nearSupport)
        + ", effectiveSupport="
        + effectiveSupport
        + ", logSumNegDerivative="
        + logSumNegDerivative
        + ", lambdaMargin="
        + lambdaMargin
        + ", lambdaGradient=<"
        + lambdaGradient.length
        + " values>, nonFinite="
        + nonFinite
        + "]";
  }
}

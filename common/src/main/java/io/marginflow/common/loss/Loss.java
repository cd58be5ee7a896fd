package io.marginflow.common.loss;

/**
 * A margin loss ℓ(q) on the margin q = y·Φ(x; w), evaluated in log space (science.md §2) so that
 * values far below the double range (e.g. ℓ = 1e−800) stay exact. ℓ is positive and decreasing, so
 * ℓ'(q) < 0 and only log|ℓ'(q)| is needed.
 *
 * <p>NaN policy: NaN in, NaN out; callers check margins for NaN before evaluating.
 */
public sealed interface Loss permits ExponentialLoss, LogisticLoss {

  /** The name used in configs and outputs: {@code exp} or {@code logistic}. */
  String name();

  /** log ℓ(q). */
  double logLoss(double q);

  /** log |ℓ'(q)|. */
  double logNegDerivative(double q);

  /**
   * The smoothed margin of science.md §5 item 4 before division by ‖w‖^L, from log S where S = n·𝓛
   * is the sum loss: exp: −log S; logistic: −log(expm1(S)).
   */
  double smoothedMarginNumerator(double logSumLoss);

  /** Parses {@code exp} (alias {@code exponential}) or {@code logistic}. */
  static Loss parse(String name) {
    return switch (name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "exp", "exponential" -> ExponentialLoss.INSTANCE;
      case "logistic" -> LogisticLoss.INSTANCE;
      default ->
          throw new IllegalArgumentException(
              "loss: expected one of exp|logistic, got '" + name + "'");
    };
  }
}

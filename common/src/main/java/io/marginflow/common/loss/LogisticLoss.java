package io.marginflow.common.loss;

/**
 * ℓ(q) = log(1 + e^{−q}), in log space per science.md §2: log ℓ(q) = log(softplus(−q)), switching
 * to −q + log1p(−e^{−q}/2) for q > 30 where softplus(−q) = e^{−q} − e^{−2q}/2 + … would lose
 * digits; log|ℓ'(q)| = −softplus(q).
 */
public final class LogisticLoss implements Loss {

  /** The single instance. */
  public static final LogisticLoss INSTANCE = new LogisticLoss();

  /** Above this margin the series form of log ℓ is used (science.md §2). */
  static final double SERIES_THRESHOLD = 30.0;

  private LogisticLoss() {}

  @Override
  public String name() {
    return "logistic";
  }

  @Override
  public double logLoss(double q) {
    double e = Math.exp(q > 0 ? -q : q);
    return logLoss(q, e, q > SERIES_THRESHOLD ? Double.NaN : Math.log1p(e));
  }

  @Override
  public double logNegDerivative(double q) {
    return logNegDerivative(q, Math.log1p(Math.exp(q > 0 ? -q : q)));
  }

  /**
   * log ℓ(q) from e = e^{−|q|} and t = log1p(e) (t is not read above the series threshold):
   * log(softplus(−q)) with softplus(−q) = max(−q, 0) + t, the same operations as {@link
   * LogSpace#softplus}. Shared with the one-pass loss frame, which computes e and t once per row
   * for both log ℓ and log|ℓ'|.
   */
  static double logLoss(double q, double e, double t) {
    return q > SERIES_THRESHOLD ? -q + Math.log1p(-0.5 * e) : Math.log(q < 0 ? -q + t : t);
  }

  /** log|ℓ'(q)| = −softplus(q) = −(max(q, 0) + t) from t = log1p(e^{−|q|}). */
  static double logNegDerivative(double q, double t) {
    return -(q > 0 ? q + t : t);
  }

  @Override
  public double smoothedMarginNumerator(double logSumLoss) {
    return -LogSpace.logExpm1FromLog(logSumLoss);
  }

  @Override
  public String toString() {
    return name();
  }
}

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
    if (q > SERIES_THRESHOLD) {
      return -q + Math.log1p(-0.5 * Math.exp(-q));
    }
    return Math.log(LogSpace.softplus(-q));
  }

  @Override
  public double logNegDerivative(double q) {
    return -LogSpace.softplus(q);
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

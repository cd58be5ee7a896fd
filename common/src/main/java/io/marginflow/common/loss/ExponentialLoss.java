package io.marginflow.common.loss;

/** ℓ(q) = e^{−q}: log ℓ = −q and log|ℓ'| = −q exactly, for every finite q. */
public final class ExponentialLoss implements Loss {

  /** The single instance. */
  public static final ExponentialLoss INSTANCE = new ExponentialLoss();

  private ExponentialLoss() {}

  @Override
  public String name() {
    return "exp";
  }

  @Override
  public double logLoss(double q) {
    return -q;
  }

  @Override
  public double logNegDerivative(double q) {
    return -q;
  }

  @Override
  public double smoothedMarginNumerator(double logSumLoss) {
    return -logSumLoss;
  }

  @Override
  public String toString() {
    return name();
  }
}

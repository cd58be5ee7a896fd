package io.marginflow.common.net;

/**
 * The positively 1-homogeneous activation applied after every weight layer except the last: ReLU
 * max(0, z), leaky ReLU (z for z &gt; 0, a·z for z &lt; 0, which is max(az, z) when a ≤ 1), or the
 * identity. At z = 0 every kind has value 0; the derivative used there by backprop is the fixed
 * σ'(0) = e of {@link Network#reluDerivativeAtZero()} for ReLU and leaky ReLU (science.md §1); the
 * identity is differentiable and always uses 1.
 *
 * @param kind which activation
 * @param slope the negative-side slope a (0 for ReLU, 1 for the identity, given for leaky)
 */
public record Activation(Kind kind, double slope) {

  /** The supported activations. */
  public enum Kind {
    /** max(0, z). */
    RELU,
    /** z for z &gt; 0, a·z for z &lt; 0, with a ≥ 0. */
    LEAKY,
    /** z. */
    IDENTITY
  }

  /** Checks that the slope matches the kind (ReLU: 0, identity: 1, leaky: finite a ≥ 0). */
  public Activation {
    if (kind == null) {
      throw new IllegalArgumentException(
          "activation: kind must be RELU, LEAKY or IDENTITY, got null");
    }
    switch (kind) {
      case RELU -> {
        if (slope != 0.0) {
          throw new IllegalArgumentException("activation: relu has slope 0, got " + slope);
        }
      }
      case IDENTITY -> {
        if (slope != 1.0) {
          throw new IllegalArgumentException("activation: identity has slope 1, got " + slope);
        }
      }
      case LEAKY -> {
        if (!(slope >= 0.0) || Double.isInfinite(slope)) {
          throw new IllegalArgumentException(
              "activation: leaky slope a must be finite and >= 0, got " + slope);
        }
      }
    }
  }

  /** max(0, z). */
  public static Activation relu() {
    return new Activation(Kind.RELU, 0.0);
  }

  /** Leaky ReLU with negative-side slope a ≥ 0. */
  public static Activation leaky(double slope) {
    return new Activation(Kind.LEAKY, slope);
  }

  /** The identity (a deep linear network). */
  public static Activation identity() {
    return new Activation(Kind.IDENTITY, 1.0);
  }

  /** σ(z). */
  public double apply(double z) {
    return z > 0 ? z : (z < 0 ? slope * z : 0.0 * z);
  }

  /** σ'(z), using {@code derivativeAtZero} at z = 0 (except for the identity, which uses 1). */
  public double derivative(double z, double derivativeAtZero) {
    if (kind == Kind.IDENTITY) {
      return 1.0;
    }
    return z > 0 ? 1.0 : (z < 0 ? slope : derivativeAtZero);
  }

  /** The option value: {@code relu}, {@code leaky:<a>} or {@code identity}. */
  @Override
  public String toString() {
    return switch (kind) {
      case RELU -> "relu";
      case IDENTITY -> "identity";
      case LEAKY -> "leaky:" + Double.toString(slope).toLowerCase(java.util.Locale.ROOT);
    };
  }
}

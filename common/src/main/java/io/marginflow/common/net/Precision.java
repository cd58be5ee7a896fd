package io.marginflow.common.net;

import java.util.Locale;

/**
 * The arithmetic of the training step's subgradient ({@code --precision}). {@link #DOUBLE} (the
 * default) runs every kernel in double. {@link #SINGLE} runs the step's forward and backward passes
 * of an MLP in float (SGEMM, float sparse kernels) on layer-normalized weights and adds the result
 * to the double gradient: about twice the arithmetic rate, results within the tolerance stated in
 * the README, not bit-equal to double. Evaluations, margins, norms, losses and the parameter update
 * stay double either way.
 */
public enum Precision {
  DOUBLE,
  SINGLE;

  /** Parses {@code double} or {@code single} (case-insensitive). */
  public static Precision parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "double" -> DOUBLE;
      case "single" -> SINGLE;
      default ->
          throw new IllegalArgumentException("precision: double | single, got '" + text + "'");
    };
  }

  /** The flag value: {@code double} or {@code single}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}

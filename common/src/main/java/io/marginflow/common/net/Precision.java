package io.marginflow.common.net;

import java.util.Locale;

/**
 * The arithmetic of the training step's subgradient ({@code --precision}). Evaluations, norms,
 * losses and the parameter update are double either way.
 */
public enum Precision {
  /** Every kernel in double (the default; bit-reproducible across runs and resumes). */
  DOUBLE,
  /**
   * The step's forward and backward passes in float (SGEMM, float sparse kernels for a CSR first
   * layer of an MLP, im2col + SGEMM and float pools for a CNN) on layer-normalized weights, with
   * double outputs for the rows that carry the loss weight: within 1e-5 of double per step
   * (README), not bit-equal to double.
   */
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

package io.marginflow.common.train;

/** NaN or Inf appeared in margins, subgradients or parameters; the run must stop. */
public class NonFiniteException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** An error whose message says at which step and what was not finite. */
  public NonFiniteException(String message) {
    super(message);
  }
}

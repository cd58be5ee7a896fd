package io.marginflow.service;

/**
 * A request the service refuses, answered as {@code status} with {@code {"key": …, "message": …}}:
 * {@code key} names the config key, parameter or header at fault.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String key;

  /** A refusal with an HTTP status, the key at fault and a message naming what was expected. */
  public ApiException(int status, String key, String message) {
    super(message);
    this.status = status;
    this.key = key;
  }

  /** A 400 for a bad value of {@code key}. */
  public static ApiException badRequest(String key, String message) {
    return new ApiException(400, key, message);
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The config key, parameter or header at fault. */
  public String key() {
    return key;
  }
}

package io.marginflow.common.config;

/**
 * A bad configuration value or key; the message names the key, what is allowed and what was given.
 */
public class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** An error with a complete message. */
  public ConfigException(String message) {
    super(message);
  }
}

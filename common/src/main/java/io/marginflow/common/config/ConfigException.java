package io.marginflow.common.config;

import java.util.Optional;

/**
 * A bad configuration value or key; the message names the key, what is allowed and what was given.
 * {@link #key()} names the setting when the problem belongs to one (validators use it to report
 * every bad value, not only the first).
 */
public class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient ConfigKey key;

  /** An error with a complete message. */
  public ConfigException(String message) {
    this(null, message);
  }

  /** An error about one key (may be null) with a complete message. */
  public ConfigException(ConfigKey key, String message) {
    super(message);
    this.key = key;
  }

  /** The key at fault, if the problem belongs to one. */
  public Optional<ConfigKey> key() {
    return Optional.ofNullable(key);
  }
}

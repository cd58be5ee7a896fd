package io.marginflow.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The raw text value of every {@link ConfigKey} after defaults, config file and flags were layered,
 * with typed getters whose errors name the key, what is allowed and the value received.
 */
public final class Settings {

  private final EnumMap<ConfigKey, String> values;

  private Settings(EnumMap<ConfigKey, String> values) {
    this.values = values;
  }

  /** All keys at their defaults. */
  public static Settings defaults() {
    EnumMap<ConfigKey, String> m = new EnumMap<>(ConfigKey.class);
    for (ConfigKey k : ConfigKey.values()) {
      m.put(k, k.defaultValue());
    }
    return new Settings(m);
  }

  /** A copy with one value replaced. */
  public Settings with(ConfigKey key, String value) {
    EnumMap<ConfigKey, String> m = new EnumMap<>(values);
    m.put(key, value == null ? "" : value.trim());
    return new Settings(m);
  }

  /** The text value (never null; empty when unset). */
  public String text(ConfigKey key) {
    return values.get(key);
  }

  /** Key → text for every key, in declaration order (for manifests and round trips). */
  public Map<String, String> asMap() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    values.forEach((k, v) -> m.put(k.key(), v));
    return Collections.unmodifiableMap(m);
  }

  int integer(ConfigKey key, int min) {
    long v = longValue(key, min);
    if (v > Integer.MAX_VALUE) {
      throw bad(key, "an integer ≤ " + Integer.MAX_VALUE);
    }
    return (int) v;
  }

  long longValue(ConfigKey key, long min) {
    long v;
    try {
      v = Long.parseLong(text(key));
    } catch (NumberFormatException e) {
      throw bad(key, "an integer ≥ " + min);
    }
    if (v < min) {
      throw bad(key, "an integer ≥ " + min);
    }
    return v;
  }

  double real(ConfigKey key) {
    try {
      double v = Double.parseDouble(text(key));
      if (Double.isNaN(v)) {
        throw bad(key, "a number");
      }
      return v;
    } catch (NumberFormatException e) {
      throw bad(key, "a number");
    }
  }

  boolean bool(ConfigKey key) {
    String t = text(key).toLowerCase(Locale.ROOT);
    return switch (t) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw bad(key, "true or false");
    };
  }

  List<String> list(ConfigKey key) {
    List<String> out = new ArrayList<>();
    for (String part : text(key).split(",")) {
      String p = part.trim();
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return List.copyOf(out);
  }

  List<Long> longList(ConfigKey key) {
    List<Long> out = new ArrayList<>();
    for (String p : list(key)) {
      try {
        long v = Long.parseLong(p);
        if (v < 0) {
          throw bad(key, "a comma list of step numbers ≥ 0");
        }
        out.add(v);
      } catch (NumberFormatException e) {
        throw bad(key, "a comma list of step numbers ≥ 0");
      }
    }
    Collections.sort(out);
    return List.copyOf(out);
  }

  /** An error naming the key, what is allowed, and the value received. */
  public ConfigException bad(ConfigKey key, String expected) {
    return new ConfigException(
        key, key.key() + ": expected " + expected + ", got '" + text(key) + "'");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Settings s && s.values.equals(values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }
}

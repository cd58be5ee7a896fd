package io.marginflow.common.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every bad value of a set of {@link Settings}, not only the first: {@link TrainConfig#from} is
 * tried, and each key it rejects is recorded and set back to its default before trying again, so
 * one pass reports every value problem. The config built from the repaired settings lets later
 * checks go on; callers must not run it (the problems say what was wrong).
 */
public final class ConfigCheck {

  private ConfigCheck() {}

  /**
   * The outcome of a check.
   *
   * @param config the config of the settings with the faulty keys at their defaults (null when a
   *     problem could not be tied to a key)
   * @param problems every problem, in the order found
   * @param faulty the keys that were set back to their defaults
   */
  public record Result(TrainConfig config, List<ConfigException> problems, Set<ConfigKey> faulty) {

    /** Copies the collections. */
    public Result {
      problems = List.copyOf(problems);
      faulty = Collections.unmodifiableSet(EnumSet.copyOf(faulty));
    }

    /** True when the settings are valid as given. */
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Checks {@code settings}. */
  public static Result of(Settings settings) {
    List<ConfigException> problems = new ArrayList<>();
    Set<ConfigKey> faulty = EnumSet.noneOf(ConfigKey.class);
    Settings s = settings;
    for (int attempt = 0; attempt <= ConfigKey.values().length; attempt++) {
      try {
        return new Result(TrainConfig.from(s), problems, faulty);
      } catch (ConfigException e) {
        problems.add(e);
        Optional<ConfigKey> key = e.key().or(() -> keyNamedBy(e.getMessage()));
        if (key.isEmpty() || faulty.contains(key.get())) {
          break;
        }
        faulty.add(key.get());
        s = s.with(key.get(), key.get().defaultValue());
        if (key.get() == ConfigKey.SAMPLER) {
          faulty.add(ConfigKey.BATCH); // "sampler/batch: …" concerns both
          s = s.with(ConfigKey.BATCH, ConfigKey.BATCH.defaultValue());
        }
      }
    }
    return new Result(null, problems, faulty);
  }

  private static Optional<ConfigKey> keyNamedBy(String message) {
    int colon = message == null ? -1 : message.indexOf(':');
    if (colon <= 0) {
      return Optional.empty();
    }
    String head = message.substring(0, colon);
    int slash = head.indexOf('/');
    return ConfigKey.byName(slash > 0 ? head.substring(0, slash) : head);
  }
}

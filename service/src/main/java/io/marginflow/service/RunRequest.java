package io.marginflow.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.NetworkSpec;
import java.net.URI;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated run submission: the body of {@code POST /runs} (a JSON or YAML mapping of the {@code
 * train} keys) checked key by key, then as a whole ({@link TrainConfig#from}), then against the
 * {@link PathPolicy}. Everything is checked before anything launches; a failure is a 400 naming the
 * key. The service sets {@code out} (the run directory under the root) and {@code master}.
 *
 * @param id the run id (the run directory's name)
 * @param runDir the run directory
 * @param given the keys given, with their text values, plus {@code out} and {@code master}
 */
public record RunRequest(String id, URI runDir, Map<ConfigKey, String> given) {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern QUOTED_KEY = Pattern.compile("key '([^']+)'");

  /** Copies the map. */
  public RunRequest {
    given = Map.copyOf(given);
  }

  /**
   * Parses and validates a submission.
   *
   * @param newId the id to use when the body gives no {@code out}
   * @param master the service's Spark master
   */
  public static RunRequest parse(String body, PathPolicy policy, String newId, String master) {
    Settings parsed = parseBody(body);
    Map<ConfigKey, String> given = new EnumMap<>(ConfigKey.class);
    Settings defaults = Settings.defaults();
    for (ConfigKey k : ConfigKey.values()) {
      if (!parsed.text(k).equals(defaults.text(k))) {
        given.put(k, parsed.text(k));
      }
    }
    if (given.containsKey(ConfigKey.RESUME)) {
      throw ApiException.badRequest(
          "resume", "resume a run with POST /api/v1/runs/{id}/resume, not in a new config");
    }
    String m = given.get(ConfigKey.MASTER);
    if (m != null && !m.isEmpty() && !m.equals(master)) {
      throw ApiException.badRequest(
          "master", "the service runs on '" + master + "' (--master); got '" + m + "'");
    }
    given.put(ConfigKey.MASTER, master);
    String id = newId;
    URI runDir;
    String out = given.get(ConfigKey.OUT);
    if (out != null && !out.isEmpty()) {
      runDir = policy.requireRunDir("out", out);
      String path = runDir.getPath().replaceAll("/+$", "");
      id = RunIds.requireValid("out", path.substring(path.lastIndexOf('/') + 1));
      if (!runDir.equals(policy.runDir(id))) {
        throw ApiException.badRequest(
            "out", "expected a directory directly under the service root " + policy.root());
      }
    } else {
      runDir = policy.runDir(id);
    }
    given.put(ConfigKey.OUT, runDir.toString());

    Settings s = Settings.defaults();
    for (Map.Entry<ConfigKey, String> e : given.entrySet()) {
      s = s.with(e.getKey(), e.getValue());
    }
    TrainConfig config;
    try {
      config = TrainConfig.from(s);
    } catch (ConfigException e) {
      throw ApiException.badRequest(keyOf(e.getMessage()), e.getMessage());
    }
    String model = s.text(ConfigKey.MODEL);
    if (!model.isEmpty()) {
      try {
        NetworkSpec.parse(model);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("model", e.getMessage());
      }
    }
    checkPaths(config, s, policy);
    return new RunRequest(id, runDir, given);
  }

  /** The config as a YAML mapping (the file given to {@code marginflow train --config}). */
  public String yaml() {
    var node = YAML.createObjectNode();
    given.forEach((k, v) -> node.put(k.key(), v));
    try {
      return YAML.writeValueAsString(node);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot write a run config as YAML", e);
    }
  }

  /** Refuses (400) data, test data, label and init files outside the data prefixes. */
  static void checkPaths(TrainConfig config, Settings s, PathPolicy policy) {
    for (String u : config.data().trainUris()) {
      policy.requireData("data", u);
    }
    for (String u : config.data().testUris()) {
      policy.requireData("test-data", u);
    }
    for (String u : config.data().idxLabelUris()) {
      policy.requireData("idx-labels", u);
    }
    String init = s.text(ConfigKey.INIT);
    if (!init.equals("he") && !init.equals("zeros")) {
      policy.requireData("init", init);
    }
  }

  /**
   * The body read by {@link ConfigLoader#applyFile} (the same rules as {@code train --config}),
   * through a temporary file; its errors name the key ({@code key 'k'}) or the body.
   */
  private static Settings parseBody(String body) {
    try (StagedFile f = StagedFile.of(body, "marginflow-submit-")) {
      try {
        return ConfigLoader.applyFile(Settings.defaults(), f.path());
      } catch (ConfigException e) {
        String msg = f.asBody(e.getMessage());
        Matcher m = QUOTED_KEY.matcher(msg);
        throw ApiException.badRequest(m.find() ? m.group(1) : "body", msg);
      }
    }
  }

  /** The config key a validation message starts with ({@code "key: expected …"}), or "config". */
  static String keyOf(String message) {
    String best = "config";
    for (ConfigKey k : ConfigKey.values()) {
      if (message.startsWith(k.key() + ":")
          || message.startsWith(k.key() + " ")
          || message.startsWith("--" + k.key())) {
        if (best.equals("config") || k.key().length() > best.length()) {
          best = k.key();
        }
      }
    }
    return best;
  }
}

package io.marginflow.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.net.NetworkSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
    JsonNode root;
    try {
      root = YAML.readTree(body);
    } catch (JacksonException e) {
      throw ApiException.badRequest(
          "body", "expected a JSON or YAML mapping of train keys: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw ApiException.badRequest("body", "expected a JSON or YAML mapping of train keys");
    }
    Map<ConfigKey, String> given = new EnumMap<>(ConfigKey.class);
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigKey key =
          ConfigKey.byName(e.getKey())
              .orElseThrow(
                  () ->
                      ApiException.badRequest(
                          e.getKey(),
                          "unknown key '"
                              + e.getKey()
                              + "' (known: "
                              + ConfigKey.allNames()
                              + ")"));
      given.put(key, text(key, e.getValue()));
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

  private static void checkPaths(TrainConfig config, Settings s, PathPolicy policy) {
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

  private static String text(ConfigKey key, JsonNode v) {
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode item : v) {
        if (!item.isValueNode()) {
          throw ApiException.badRequest(key.key(), "nested values are not allowed");
        }
        parts.add(item.asText());
      }
      return String.join(",", parts);
    }
    if (v.isNull()) {
      return "";
    }
    if (!v.isValueNode()) {
      throw ApiException.badRequest(key.key(), "expected a scalar or a list");
    }
    return v.asText();
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

package io.marginflow.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.sweep.SweepSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated sweep submission: the body of {@code POST /sweeps}, a JSON or YAML mapping with the
 * keys of {@code marginflow sweep --config} (run keys plus {@code grid:}, {@code seeds:}, {@code
 * parallel:}, {@code name:}). The service sets {@code out} (its root), {@code name} (the sweep id)
 * and {@code master}, then parses the result exactly as the launched {@code marginflow sweep} will
 * ({@link SweepSpec}), expands the grid and checks every run's config and data paths. Everything is
 * checked before anything launches; a failure is a 400 naming the key ({@code grid.KEY} for a bad
 * grid key).
 *
 * @param id the sweep id (the sweep directory's name under the root)
 * @param sweepDir the sweep directory
 * @param yaml the file given to {@code marginflow sweep --config}
 * @param runs the number of runs planned
 */
public record SweepRequest(String id, URI sweepDir, String yaml, int runs) {

  /** The most runs one submitted sweep may plan. */
  static final int MAX_RUNS = 1000;

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern GRID_KEY = Pattern.compile("grid key '([^']+)'");
  private static final Pattern QUOTED_KEY = Pattern.compile("key '([^']+)'");

  /** Validates. */
  public SweepRequest {
    RunIds.requireValid("name", id);
  }

  /**
   * Parses and validates a sweep submission.
   *
   * @param newId the id used when the body gives no {@code name}
   * @param master the service's Spark master
   */
  public static SweepRequest parse(String body, PathPolicy policy, String newId, String master) {
    ObjectNode tree = tree(body);
    String id = newId;
    JsonNode name = tree.get("name");
    if (name != null && !name.isNull() && !name.asText().isEmpty()) {
      id = RunIds.requireValid("name", name.asText());
    }
    JsonNode out = tree.get("out");
    if (out != null && !out.isNull() && !out.asText().isEmpty()) {
      URI given = PathPolicy.canonical("out", out.asText());
      if (!given.equals(policy.root())) {
        throw ApiException.badRequest(
            "out",
            "a sweep's out is the service root " + policy.root() + " (got '" + out.asText() + "')");
      }
    }
    JsonNode m = tree.get("master");
    if (m != null && !m.isNull() && !m.asText().isEmpty() && !m.asText().equals(master)) {
      throw ApiException.badRequest(
          "master", "the service runs on '" + master + "' (--master); got '" + m.asText() + "'");
    }
    if (tree.has("resume")) {
      throw ApiException.badRequest(
          "resume", "resume a sweep with POST /api/v1/sweeps/{id}/resume, not in a new config");
    }
    tree.put("name", id);
    tree.put("out", policy.root().toString().replaceAll("/+$", ""));
    tree.put("master", master);
    String yaml;
    try {
      yaml = YAML.writeValueAsString(tree);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot write a sweep config as YAML", e);
    }
    SweepSpec spec = spec(yaml);
    SweepManifest plan;
    try {
      plan = spec.plan(spec.sweepId(Instant.now()), Instant.now());
    } catch (ConfigException e) {
      throw ApiException.badRequest("name", e.getMessage());
    }
    if (plan.runs().size() > MAX_RUNS) {
      throw ApiException.badRequest(
          "grid",
          "the grid and seeds make "
              + plan.runs().size()
              + " runs; a submitted sweep may have at most "
              + MAX_RUNS);
    }
    for (SweepManifest.Run r : plan.runs()) {
      if (r.status().equals(SweepManifest.FAILED)) {
        String msg = r.reason().replaceFirst("^bad grid value: ", "");
        throw ApiException.badRequest(
            RunRequest.keyOf(msg), "run " + r.id() + " (" + r.point() + "): " + msg);
      }
      Settings s = r.settings();
      RunRequest.checkPaths(TrainConfig.from(s), s, policy);
    }
    return new SweepRequest(id, policy.runDir(id), yaml, plan.runs().size());
  }

  /** The body as a mapping (JSON is YAML); a parse error is a 400 on the body. */
  private static ObjectNode tree(String body) {
    JsonNode n;
    try {
      n = YAML.readTree(body);
    } catch (JacksonException e) {
      throw ApiException.badRequest("body", "not JSON or YAML: " + e.getOriginalMessage());
    }
    if (n == null || !n.isObject()) {
      throw ApiException.badRequest("body", "expected a mapping of sweep keys");
    }
    return (ObjectNode) n;
  }

  /** {@link SweepSpec#parse} of the config, through a temporary file; errors name the key. */
  private static SweepSpec spec(String yaml) {
    try (StagedFile f = StagedFile.of(yaml, "marginflow-sweep-submit-")) {
      try {
        return SweepSpec.parse(new String[] {"--config", f.path().toString()});
      } catch (ConfigException e) {
        throw refusal(f.asBody(e.getMessage()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read a staged sweep", e);
      }
    }
  }

  /** The 400 of a sweep parse error: the grid key, seeds, parallel, or the key it names. */
  private static ApiException refusal(String msg) {
    Matcher g = GRID_KEY.matcher(msg);
    if (g.find()) {
      return ApiException.badRequest("grid." + g.group(1), msg);
    }
    if (msg.contains("seeds:")) {
      return ApiException.badRequest("seeds", msg);
    }
    if (msg.contains("parallel:")) {
      return ApiException.badRequest("parallel", msg);
    }
    Matcher k = QUOTED_KEY.matcher(msg);
    return ApiException.badRequest(k.find() ? k.group(1) : RunRequest.keyOf(msg), msg);
  }
}

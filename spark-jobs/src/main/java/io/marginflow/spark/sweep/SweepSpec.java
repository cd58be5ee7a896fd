package io.marginflow.spark.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a sweep runs: the base run settings, the grid (run key → values) and the seeds, parsed from
 * {@code marginflow sweep} flags and/or a YAML file whose {@code grid:} and {@code seeds:} sit next
 * to the run keys. Every grid key is checked before anything starts; a bad key fails naming it.
 * {@link #plan} expands the grid into one run per (grid point, seed).
 *
 * @param base the settings every run starts from (defaults ← file ← flags)
 * @param grid run key → its values, in the order given
 * @param seeds the seeds, in order
 * @param parallel runs at once
 * @param root the directory that receives {@code <sweep-id>/}
 * @param name the sweep id (empty: {@code sweep-<UTC time>})
 */
public record SweepSpec(
    Settings base,
    Map<ConfigKey, List<String>> grid,
    List<Long> seeds,
    int parallel,
    String root,
    String name) {

  /** Keys that name the sweep's own places and cannot vary across its runs. */
  static final Set<ConfigKey> NOT_IN_GRID =
      Set.of(ConfigKey.SEED, ConfigKey.OUT, ConfigKey.RESUME, ConfigKey.MASTER);

  /** The sweep's own flags (not run keys). */
  static final Set<String> SWEEP_FLAGS = Set.of("grid", "seeds", "parallel", "name", "out");

  /** Validates the grid and the seeds. */
  public SweepSpec {
    grid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(grid));
    for (Map.Entry<ConfigKey, List<String>> e : grid.entrySet()) {
      if (NOT_IN_GRID.contains(e.getKey())) {
        throw new ConfigException(
            "sweep: grid key '"
                + e.getKey().key()
                + "' cannot vary in a sweep"
                + (e.getKey() == ConfigKey.SEED ? " (use seeds: / --seeds)" : ""));
      }
      if (e.getValue().isEmpty()) {
        throw new ConfigException("sweep: grid key '" + e.getKey().key() + "' has no values");
      }
    }
    seeds = List.copyOf(seeds);
    if (seeds.isEmpty()) {
      throw new ConfigException("sweep: seeds: expected at least one seed");
    }
    if (new java.util.HashSet<>(seeds).size() != seeds.size()) {
      throw new ConfigException("sweep: seeds: repeated seed in " + seeds);
    }
    if (parallel < 1) {
      throw new ConfigException("sweep: --parallel: expected an integer ≥ 1, got " + parallel);
    }
  }

  /**
   * True if {@code args} describe a sweep rather than one run: a {@code --grid}, {@code --seeds} or
   * {@code --parallel} flag, or a {@code --config} file with a {@code grid:}, {@code seeds:} or
   * {@code parallel:} key ({@code marginflow check} then checks the sweep).
   */
  public static boolean isSweep(String[] args) throws IOException {
    Set<String> marks = Set.of("grid", "seeds", "parallel");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        continue;
      }
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(2, eq) : a.substring(2);
      if (marks.contains(name)) {
        return true;
      }
      if (name.equals("config")) {
        String file = eq > 0 ? a.substring(eq + 1) : i + 1 < args.length ? args[i + 1] : null;
        if (file != null && Files.isRegularFile(Path.of(file))) {
          ObjectNode tree = ConfigLoader.readYaml(Path.of(file));
          if (marks.stream().anyMatch(tree::has)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Parses {@code marginflow sweep} arguments (without {@code --resume}). */
  public static SweepSpec parse(String[] args) throws IOException {
    List<String> runArgs = new ArrayList<>();
    Map<String, String> sweepFlags = new LinkedHashMap<>();
    List<String> gridFlags = new ArrayList<>();
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new ConfigException("sweep: unexpected argument '" + a + "'");
      }
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(2, eq) : a.substring(2);
      if (!SWEEP_FLAGS.contains(name) && !name.equals("config")) {
        runArgs.add(a);
        if (eq < 0 && i + 1 < args.length) {
          runArgs.add(args[++i]);
        }
        continue;
      }
      String value;
      if (eq > 0) {
        value = a.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new ConfigException("sweep: --" + name + " needs a value");
      }
      if (name.equals("config")) {
        file = Path.of(value);
      } else if (name.equals("grid")) {
        gridFlags.add(value);
      } else {
        sweepFlags.put(name, value);
      }
    }
    Map<ConfigKey, List<String>> grid = new LinkedHashMap<>();
    List<Long> seeds = null;
    Integer parallel = null;
    String root = null;
    String name = null;
    if (file != null) {
      ObjectNode tree = ConfigLoader.readYaml(file);
      JsonNode g = tree.remove("grid");
      if (g != null) {
        grid.putAll(yamlGrid(g, file));
      }
      JsonNode s = tree.remove("seeds");
      if (s != null) {
        seeds = seeds(ConfigLoader.text(s, file, "seeds"), file + ": seeds");
      }
      JsonNode p = tree.remove("parallel");
      if (p != null) {
        parallel = integer(p.asText(), file + ": parallel");
      }
      JsonNode o = tree.remove("out");
      root = o == null ? null : o.asText();
      JsonNode n = tree.remove("name");
      name = n == null ? null : n.asText();
      Iterator<String> keys = tree.fieldNames();
      while (keys.hasNext()) {
        String k = keys.next();
        if (ConfigKey.byName(k).isEmpty()) {
          throw new ConfigException(
              "config file "
                  + file
                  + ": unknown key '"
                  + k
                  + "' (known: grid, seeds, parallel, name, out, "
                  + ConfigKey.allNames()
                  + ")");
        }
      }
      Path base = Files.createTempFile("marginflow-sweep-base-", ".yaml");
      try {
        new ObjectMapper(new YAMLFactory()).writeValue(base.toFile(), tree);
        runArgs.add(0, "--config");
        runArgs.add(1, base.toString());
        return finish(runArgs, grid, gridFlags, sweepFlags, seeds, parallel, root, name);
      } finally {
        Files.deleteIfExists(base);
      }
    }
    return finish(runArgs, grid, gridFlags, sweepFlags, seeds, parallel, root, name);
  }

  private static SweepSpec finish(
      List<String> runArgs,
      Map<ConfigKey, List<String>> grid,
      List<String> gridFlags,
      Map<String, String> sweepFlags,
      List<Long> seeds,
      Integer parallel,
      String root,
      String name) {
    for (String g : gridFlags) {
      int eq = g.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("sweep: --grid: expected KEY=V1,V2,…, got '" + g + "'");
      }
      List<String> values = new ArrayList<>();
      for (String v : g.substring(eq + 1).split(",")) {
        if (!v.isBlank()) {
          values.add(v.trim());
        }
      }
      grid.put(gridKey(g.substring(0, eq), "--grid"), values);
    }
    ConfigLoader.Parsed parsed = ConfigLoader.parse(runArgs.toArray(String[]::new));
    if (!parsed.positional().isEmpty()) {
      throw new ConfigException("sweep: unexpected argument(s) " + parsed.positional());
    }
    Settings base = parsed.settings();
    if (sweepFlags.containsKey("seeds")) {
      seeds = seeds(sweepFlags.get("seeds"), "--seeds");
    }
    if (seeds == null) {
      seeds = List.of(parseLong(base.text(ConfigKey.SEED), "seed"));
    }
    if (sweepFlags.containsKey("parallel")) {
      parallel = integer(sweepFlags.get("parallel"), "--parallel");
    }
    root = sweepFlags.getOrDefault("out", root == null ? "sweeps" : root);
    name = sweepFlags.getOrDefault("name", name == null ? "" : name);
    return new SweepSpec(base, grid, seeds, parallel == null ? 2 : parallel, root, name);
  }

  /** The sweep id: the given name or {@code sweep-yyyyMMdd-HHmmss} (UTC). */
  public String sweepId(Instant now) {
    if (!name.isEmpty()) {
      if (!name.matches("[A-Za-z0-9._=-]+")) {
        throw new ConfigException("sweep: --name: expected letters, digits, . _ = -, got " + name);
      }
      return name;
    }
    return "sweep-"
        + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(now);
  }

  /**
   * One run per (grid point, seed): grid points in row-major order of the keys as given, seeds
   * innermost. A run whose settings do not make a valid config (a bad grid value) is planned as
   * failed, with the error as its reason; the others are pending.
   */
  public SweepManifest plan(String sweepId, Instant now) {
    List<SweepManifest.Run> runs = new ArrayList<>();
    List<Map<ConfigKey, String>> points = points();
    int width = Integer.toString(points.size() * seeds.size() - 1).length();
    for (Map<ConfigKey, String> point : points) {
      for (long seed : seeds) {
        Settings s = base.with(ConfigKey.SEED, Long.toString(seed));
        Map<String, String> pointText = new LinkedHashMap<>();
        StringBuilder id = new StringBuilder(pad(runs.size(), width));
        for (Map.Entry<ConfigKey, String> e : point.entrySet()) {
          s = s.with(e.getKey(), e.getValue());
          pointText.put(e.getKey().key(), e.getValue());
          String v = e.getValue();
          id.append('-')
              .append(e.getKey().key())
              .append('=')
              .append(v.substring(v.lastIndexOf('/') + 1));
        }
        id.append("-s").append(seed);
        String runId = sanitize(id.toString());
        s = s.with(ConfigKey.OUT, "").with(ConfigKey.RESUME, "");
        String status = SweepManifest.PENDING;
        String reason = "";
        try {
          TrainConfig.from(s);
        } catch (ConfigException e) {
          status = SweepManifest.FAILED;
          reason = "bad grid value: " + e.getMessage();
        }
        runs.add(
            new SweepManifest.Run(runId, pointText, seed, s.asMap(), status, reason, -1, -1.0));
      }
    }
    Map<String, List<String>> gridText = new LinkedHashMap<>();
    grid.forEach((k, v) -> gridText.put(k.key(), v));
    return new SweepManifest(sweepId, now, gridText, seeds, parallel, runs);
  }

  private List<Map<ConfigKey, String>> points() {
    List<Map<ConfigKey, String>> out = new ArrayList<>();
    out.add(new LinkedHashMap<>());
    for (Map.Entry<ConfigKey, List<String>> e : grid.entrySet()) {
      List<Map<ConfigKey, String>> next = new ArrayList<>();
      for (Map<ConfigKey, String> p : out) {
        for (String v : e.getValue()) {
          Map<ConfigKey, String> q = new LinkedHashMap<>(p);
          q.put(e.getKey(), v);
          next.add(q);
        }
      }
      out = next;
    }
    return out;
  }

  /** The grid key {@code name}, or a {@link ConfigException} naming it and the known keys. */
  static ConfigKey gridKey(String name, String where) {
    return ConfigKey.byName(name)
        .orElseThrow(
            () ->
                new ConfigException(
                    "sweep: "
                        + where
                        + ": unknown grid key '"
                        + name.trim()
                        + "' (known run keys: "
                        + ConfigKey.allNames()
                        + ")"));
  }

  /** Seeds as {@code 1-5}, {@code 1,2,7} or a mix ({@code 1-3,10}). */
  static List<Long> seeds(String text, String where) {
    List<Long> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int dash = p.indexOf('-', 1);
      if (dash > 0) {
        long lo = parseLong(p.substring(0, dash), where);
        long hi = parseLong(p.substring(dash + 1), where);
        if (hi < lo || hi - lo > 10_000) {
          throw new ConfigException(where + ": bad seed range '" + p + "'");
        }
        for (long s = lo; s <= hi; s++) {
          out.add(s);
        }
      } else {
        out.add(parseLong(p, where));
      }
    }
    return out;
  }

  private static Map<ConfigKey, List<String>> yamlGrid(JsonNode g, Path file) {
    if (!g.isObject()) {
      throw new ConfigException("config file " + file + ": grid: expected a mapping key: [values]");
    }
    Map<ConfigKey, List<String>> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = g.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigKey key = gridKey(e.getKey(), "config file " + file + ": grid");
      List<String> values = new ArrayList<>();
      if (e.getValue().isArray()) {
        for (JsonNode v : e.getValue()) {
          values.add(ConfigLoader.text(v, file, "grid: " + e.getKey()));
        }
      } else {
        values.add(e.getValue().asText());
      }
      out.put(key, values);
    }
    return out;
  }

  private static long parseLong(String s, String where) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(where + ": expected an integer, got '" + s + "'");
    }
  }

  private static int integer(String s, String where) {
    long v = parseLong(s, where);
    if (v < 1 || v > 1024) {
      throw new ConfigException(where + ": expected 1..1024, got " + v);
    }
    return (int) v;
  }

  private static String pad(int i, int width) {
    String s = Integer.toString(i);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  private static String sanitize(String id) {
    return id.replaceAll("[^A-Za-z0-9._=+-]", "_");
  }
}

package io.marginflow.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Layers defaults ← a YAML config file ← command-line flags into {@link Settings}. Config-file keys
 * are the flag names without {@code --}; a value may be a scalar or a list. An unknown key or flag
 * fails, naming it and listing the known ones.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /**
   * Result of parsing a command line: the settings, any arguments that were not flags, the keys
   * given, where each given key came from ({@code --steps} or {@code run.yaml:7}), and the problems
   * found (empty from {@link #parse}, which throws the first instead).
   */
  public record Parsed(
      Settings settings,
      List<String> positional,
      boolean helpRequested,
      Set<ConfigKey> given,
      Map<ConfigKey, String> origins,
      List<ConfigException> problems) {

    /** Copies the collections. */
    public Parsed {
      given = Set.copyOf(given);
      origins = Map.copyOf(origins);
      problems = List.copyOf(problems);
    }

    /** The settings, the positional arguments, the help flag and the keys given. */
    public Parsed(
        Settings settings, List<String> positional, boolean helpRequested, Set<ConfigKey> given) {
      this(settings, positional, helpRequested, given, Map.of(), List.of());
    }

    /** Where {@code key} was set ({@code --key}, {@code file:line}), or {@code --key}. */
    public String origin(ConfigKey key) {
      return origins.getOrDefault(key, "--" + key.key());
    }
  }

  /**
   * Parses {@code [--config FILE] [--key value | --key=value]...}. {@code --data} and {@code
   * --test-data} may repeat (values accumulate); other keys take the last value.
   *
   * @throws ConfigException the first problem (an unknown key names the nearest known one)
   */
  public static Parsed parse(String[] args) {
    Parsed p = inspect(args);
    if (!p.problems().isEmpty()) {
      throw p.problems().get(0);
    }
    return p;
  }

  /**
   * As {@link #parse}, but every problem (unknown keys and flags, unreadable config files, flags
   * without a value) is collected in {@link Parsed#problems()} and parsing goes on.
   */
  public static Parsed inspect(String[] args) {
    Settings s = Settings.defaults();
    List<String> positional = new ArrayList<>();
    Set<ConfigKey> given = EnumSet.noneOf(ConfigKey.class);
    Map<ConfigKey, String> origins = new EnumMap<>(ConfigKey.class);
    List<ConfigException> problems = new ArrayList<>();
    boolean help = false;
    // The config file goes first, whatever its position, so flags override it.
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") || args[i].startsWith("--config=")) {
        String file =
            args[i].contains("=") ? args[i].substring(9) : valueAfter(args, i++, problems);
        if (file != null) {
          s = applyFile(s, Path.of(file), given, origins, problems);
        }
      }
    }
    List<ConfigKey> seenRepeatable = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        help = true;
        continue;
      }
      if (a.equals("--config")) {
        i++;
        continue;
      }
      if (a.startsWith("--config=")) {
        continue;
      }
      if (!a.startsWith("--")) {
        positional.add(a);
        continue;
      }
      String name;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(2, eq);
        value = a.substring(eq + 1);
      } else {
        name = a.substring(2);
        value = valueAfter(args, i++, problems);
      }
      Optional<ConfigKey> found = ConfigKey.byName(name);
      if (found.isEmpty()) {
        problems.add(
            new ConfigException(
                "unknown flag --"
                    + name
                    + ConfigKey.suggestion(name, "--")
                    + " (known: "
                    + ConfigKey.allNames()
                    + ")"));
        continue;
      }
      if (value == null) {
        continue;
      }
      ConfigKey key = found.get();
      if ((key == ConfigKey.DATA || key == ConfigKey.TEST_DATA) && seenRepeatable.contains(key)) {
        s = s.with(key, s.text(key) + "," + value);
      } else {
        s = s.with(key, value);
        seenRepeatable.add(key);
      }
      given.add(key);
      origins.put(key, "--" + key.key());
    }
    return new Parsed(s, List.copyOf(positional), help, given, origins, problems);
  }

  /** Applies a YAML file's keys over the given settings. */
  public static Settings applyFile(Settings base, Path file) {
    List<ConfigException> problems = new ArrayList<>();
    Settings s =
        applyFile(
            base, file, EnumSet.noneOf(ConfigKey.class), new EnumMap<>(ConfigKey.class), problems);
    if (!problems.isEmpty()) {
      throw problems.get(0);
    }
    return s;
  }

  private static Settings applyFile(
      Settings base,
      Path file,
      Set<ConfigKey> given,
      Map<ConfigKey, String> origins,
      List<ConfigException> problems) {
    JsonNode root;
    List<String> lines;
    try (InputStream in = Files.newInputStream(file)) {
      root = new ObjectMapper(new YAMLFactory()).readTree(in);
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      problems.add(new ConfigException("config file " + file + ": cannot read: " + e.getMessage()));
      return base;
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return base;
    }
    if (!root.isObject()) {
      problems.add(
          new ConfigException("config file " + file + ": expected a mapping of key: value"));
      return base;
    }
    Settings s = base;
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String where = file + lineOf(lines, e.getKey());
      Optional<ConfigKey> key = ConfigKey.byName(e.getKey());
      if (key.isEmpty()) {
        problems.add(
            new ConfigException(
                "config file "
                    + where
                    + ": unknown key '"
                    + e.getKey()
                    + "'"
                    + ConfigKey.suggestion(e.getKey(), "")
                    + " (known: "
                    + ConfigKey.allNames()
                    + ")"));
        continue;
      }
      try {
        s = s.with(key.get(), text(e.getValue(), file, e.getKey()));
      } catch (ConfigException ex) {
        problems.add(new ConfigException(key.get(), ex.getMessage()));
        continue;
      }
      given.add(key.get());
      origins.put(key.get(), where);
    }
    return s;
  }

  /** ":N" for the 1-based line where {@code key} is set at the top level, or "" if not found. */
  private static String lineOf(List<String> lines, String key) {
    Pattern p = Pattern.compile("^['\"]?" + Pattern.quote(key) + "['\"]?\\s*:");
    for (int i = 0; i < lines.size(); i++) {
      if (p.matcher(lines.get(i)).find()) {
        return ":" + (i + 1);
      }
    }
    return "";
  }

  /**
   * The YAML file as a mapping (empty for an empty file); an unreadable file or one that is not a
   * mapping fails naming the file (for sweep files, whose grid and seeds sit beside run keys).
   */
  public static ObjectNode readYaml(Path file) {
    JsonNode root;
    try (InputStream in = Files.newInputStream(file)) {
      root = new ObjectMapper(new YAMLFactory()).readTree(in);
    } catch (IOException e) {
      throw new ConfigException("config file " + file + ": cannot read: " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new ObjectMapper().createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException("config file " + file + ": expected a mapping of key: value");
    }
    return (ObjectNode) root;
  }

  /** A config-file value as text: a scalar, or a list joined with commas (nested values fail). */
  public static String text(JsonNode v, Path file, String key) {
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode item : v) {
        if (!item.isValueNode()) {
          throw new ConfigException(
              "config file " + file + ": key '" + key + "': nested values are not allowed");
        }
        parts.add(item.asText());
      }
      return String.join(",", parts);
    }
    if (v.isNull()) {
      return "";
    }
    if (!v.isValueNode()) {
      throw new ConfigException(
          "config file " + file + ": key '" + key + "': expected a scalar or a list");
    }
    return v.asText();
  }

  private static String valueAfter(String[] args, int i, List<ConfigException> problems) {
    if (i + 1 >= args.length) {
      problems.add(
          new ConfigException(
              ConfigKey.byName(args[i].substring(2)).orElse(null),
              "flag " + args[i] + " needs a value"));
      return null;
    }
    return args[i + 1];
  }

  /** The help text listing every key with its default. */
  public static String helpText() {
    StringBuilder b = new StringBuilder();
    for (ConfigKey k : ConfigKey.values()) {
      b.append(String.format("  --%-26s %s", k.key() + " V", k.help()));
      if (!k.defaultValue().isEmpty()) {
        b.append(" [default: ").append(k.defaultValue()).append(']');
      }
      b.append('\n');
    }
    return b.toString();
  }
}

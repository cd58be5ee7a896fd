package io.marginflow.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Layers defaults ← a YAML config file ← command-line flags into {@link Settings}. Config-file keys
 * are the flag names without {@code --}; a value may be a scalar or a list. An unknown key or flag
 * fails, naming it and listing the known ones.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Result of parsing a command line: the settings and any arguments that were not flags. */
  public record Parsed(
      Settings settings, List<String> positional, boolean helpRequested, Set<ConfigKey> given) {

    /** Copies {@code given} (the keys set by the file or a flag, default or not). */
    public Parsed {
      given = Set.copyOf(given);
    }
  }

  /**
   * Parses {@code [--config FILE] [--key value | --key=value]...}. {@code --data} and {@code
   * --test-data} may repeat (values accumulate); other keys take the last value.
   */
  public static Parsed parse(String[] args) {
    Settings s = Settings.defaults();
    List<String> positional = new ArrayList<>();
    Set<ConfigKey> given = EnumSet.noneOf(ConfigKey.class);
    boolean help = false;
    // The config file goes first, whatever its position, so flags override it.
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") || args[i].startsWith("--config=")) {
        String file = args[i].contains("=") ? args[i].substring(9) : valueAfter(args, i++);
        s = applyFile(s, Path.of(file), given);
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
        value = valueAfter(args, i++);
      }
      ConfigKey key =
          ConfigKey.byName(name)
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "unknown flag --" + name + " (known: " + ConfigKey.allNames() + ")"));
      if ((key == ConfigKey.DATA || key == ConfigKey.TEST_DATA) && seenRepeatable.contains(key)) {
        s = s.with(key, s.text(key) + "," + value);
      } else {
        s = s.with(key, value);
        seenRepeatable.add(key);
      }
      given.add(key);
    }
    return new Parsed(s, List.copyOf(positional), help, given);
  }

  /** Applies a YAML file's keys over the given settings. */
  public static Settings applyFile(Settings base, Path file) {
    return applyFile(base, file, EnumSet.noneOf(ConfigKey.class));
  }

  /**
   * The YAML file as a mapping (empty for an empty file); an unreadable file or one that is not a
   * mapping fails naming the file.
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

  private static Settings applyFile(Settings base, Path file, Set<ConfigKey> given) {
    ObjectNode root = readYaml(file);
    Settings s = base;
    Iterator<Map.Entry<String, JsonNode>> it = root.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      ConfigKey key =
          ConfigKey.byName(e.getKey())
              .orElseThrow(
                  () ->
                      new ConfigException(
                          "config file "
                              + file
                              + ": unknown key '"
                              + e.getKey()
                              + "' (known: "
                              + ConfigKey.allNames()
                              + ")"));
      s = s.with(key, text(e.getValue(), file, e.getKey()));
      given.add(key);
    }
    return s;
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

  private static String valueAfter(String[] args, int i) {
    if (i + 1 >= args.length) {
      throw new ConfigException("flag " + args[i] + " needs a value");
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

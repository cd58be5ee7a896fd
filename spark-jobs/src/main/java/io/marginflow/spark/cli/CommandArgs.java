package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The arguments of a small subcommand: positional values, {@code --name value} options and boolean
 * {@code --flag}s. Unknown options and missing values fail with a {@link ConfigException} naming
 * the command and what it accepts.
 */
final class CommandArgs {

  private final String command;
  private final List<String> positional;
  private final Map<String, String> options;
  private final Set<String> flags;

  private CommandArgs(
      String command, List<String> positional, Map<String, String> options, Set<String> flags) {
    this.command = command;
    this.positional = positional;
    this.options = options;
    this.flags = flags;
  }

  /** Parses {@code args}; {@code valued} and {@code booleans} are option names without dashes. */
  static CommandArgs parse(
      String command, String[] args, Set<String> valued, Set<String> booleans) {
    List<String> pos = new ArrayList<>();
    Map<String, String> opts = new HashMap<>();
    Set<String> fl = new HashSet<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.equals("--")) {
        pos.add(a);
        continue;
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (booleans.contains(name) && value == null) {
        fl.add(name);
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new ConfigException(command + ": --" + name + " needs a value");
          }
          value = args[++i];
        }
        opts.put(name, value);
      } else {
        Set<String> allowed = new TreeSet<>(valued);
        allowed.addAll(booleans);
        throw new ConfigException(
            command
                + ": unknown option '"
                + a
                + "' (allowed: --"
                + String.join(", --", allowed)
                + ")");
      }
    }
    return new CommandArgs(command, pos, opts, fl);
  }

  List<String> positional() {
    return positional;
  }

  String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  String required(String name, String usage) {
    String v = options.get(name);
    if (v == null || v.isEmpty()) {
      throw new ConfigException(command + ": --" + name + " is required\n" + usage);
    }
    return v;
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  long longOption(String name, long fallback) {
    String v = options.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new ConfigException(command + ": --" + name + ": expected an integer, got '" + v + "'");
    }
  }
}

package io.marginflow.service;

import io.marginflow.common.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of the client commands ({@code submit}, {@code status}, {@code stop}, {@code
 * resume}): the server URL, the token (from {@code --token-file}, else {@code $MARGINFLOW_TOKEN},
 * else {@code ~/.marginflow/token}), and the command's own arguments.
 *
 * @param server the service's base URL
 * @param token the bearer token
 * @param config a run or sweep config file ({@code submit --config} or {@code --sweep})
 * @param sweep whether {@code config} is a sweep ({@code --sweep}; {@code submit} also detects a
 *     file with {@code grid:} or {@code seeds:})
 * @param json print raw JSON
 * @param positional the remaining arguments
 */
public record ClientOptions(
    URI server, String token, Path config, boolean sweep, boolean json, List<String> positional) {

  /** The default token file, {@code ~/.marginflow/token}. */
  public static Path defaultTokenFile() {
    return Path.of(System.getProperty("user.home"), ".marginflow", "token");
  }

  /** Parses the arguments after the command name. */
  public static ClientOptions parse(String command, String[] args) throws IOException {
    String server = System.getenv("MARGINFLOW_SERVER");
    Path tokenFile = null;
    Path config = null;
    boolean sweep = false;
    boolean json = false;
    List<String> pos = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--json" -> json = true;
        case "--server", "--token-file", "--config", "--sweep" -> {
          if (i + 1 >= args.length) {
            throw new ConfigException(command + ": " + a + " needs a value");
          }
          String v = args[++i];
          switch (a) {
            case "--server" -> server = v;
            case "--token-file" -> tokenFile = Path.of(v);
            case "--sweep" -> {
              config = Path.of(v);
              sweep = true;
            }
            default -> config = Path.of(v);
          }
        }
        default -> {
          if (a.startsWith("--")) {
            throw new ConfigException(command + ": unknown option " + a);
          }
          pos.add(a);
        }
      }
    }
    if (server == null || server.isBlank()) {
      throw new ConfigException(command + ": --server URL is required (or $MARGINFLOW_SERVER)");
    }
    String token = System.getenv("MARGINFLOW_TOKEN");
    if (tokenFile != null || token == null || token.isBlank()) {
      token = TokenFile.read(tokenFile == null ? defaultTokenFile() : tokenFile);
    }
    return new ClientOptions(
        URI.create(server.replaceAll("/+$", "")),
        token.strip(),
        config,
        sweep,
        json,
        List.copyOf(pos));
  }
}

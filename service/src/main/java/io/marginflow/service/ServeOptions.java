package io.marginflow.service;

import io.marginflow.common.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code marginflow serve}, validated: each bad value is refused naming the flag.
 *
 * @param root the run root (URI or absolute local path)
 * @param master the Spark master every run is launched on
 * @param bind the address to bind
 * @param port the port (0: any free one)
 * @param tokenFile the bearer token's file (owner-only)
 * @param maxConcurrent drivers active at once
 * @param allowData the prefixes submitted configs may read data from
 * @param stateDir the service's own folder (records, driver logs, audit log)
 * @param launcher the launcher script every run goes through
 * @param launcherArgs launcher options put before {@code train}
 * @param maxBodyBytes the largest request body
 * @param keystore TLS keystore, or null
 * @param keystorePasswordFile file holding its password, or null
 * @param maxStreams metric streams ({@code follow=true}) open at once
 * @param streamIdleSeconds a metric stream without new rows for this long ends
 */
public record ServeOptions(
    String root,
    String master,
    String bind,
    int port,
    Path tokenFile,
    int maxConcurrent,
    List<String> allowData,
    Path stateDir,
    Path launcher,
    List<String> launcherArgs,
    long maxBodyBytes,
    Path keystore,
    Path keystorePasswordFile,
    int maxStreams,
    int streamIdleSeconds) {

  /** The usage line. */
  public static final String USAGE =
      "usage: marginflow serve --root URI --master URL [--port 8998] [--bind 127.0.0.1]\n"
          + "         [--token-file F] [--max-concurrent N] [--allow-data PREFIX ...]\n"
          + "         [--state-dir DIR] [--launcher PATH] [--launcher-arg ARG ...]\n"
          + "         [--max-body BYTES] [--keystore FILE --keystore-password-file FILE]\n"
          + "         [--max-streams 32] [--stream-idle-seconds 300]";

  /** Validates. */
  public ServeOptions {
    if (root == null || root.isBlank()) {
      throw new ConfigException("serve: --root is required\n" + USAGE);
    }
    if (master == null || master.isBlank()) {
      throw new ConfigException("serve: --master is required\n" + USAGE);
    }
    if (port < 0 || port > 65535) {
      throw new ConfigException("serve: --port: expected 0..65535, got " + port);
    }
    if (maxConcurrent < 1) {
      throw new ConfigException("serve: --max-concurrent: expected ≥ 1, got " + maxConcurrent);
    }
    if (maxBodyBytes < 1024) {
      throw new ConfigException("serve: --max-body: expected ≥ 1024 bytes, got " + maxBodyBytes);
    }
    if (maxStreams < 1 || maxStreams > 10_000) {
      throw new ConfigException("serve: --max-streams: expected 1..10000, got " + maxStreams);
    }
    if (streamIdleSeconds < 1) {
      throw new ConfigException(
          "serve: --stream-idle-seconds: expected ≥ 1, got " + streamIdleSeconds);
    }
    if ((keystore == null) != (keystorePasswordFile == null)) {
      throw new ConfigException("serve: --keystore and --keystore-password-file go together");
    }
    if (launcher == null || !Files.isExecutable(launcher)) {
      throw new ConfigException(
          "serve: --launcher: expected the executable deploy/bin/marginflow, got " + launcher);
    }
    allowData = List.copyOf(allowData);
    launcherArgs = List.copyOf(launcherArgs);
  }

  /** Parses the arguments after {@code serve}. */
  public static ServeOptions parse(String[] args) {
    String root = null;
    String master = null;
    String bind = "127.0.0.1";
    int port = 8998;
    Path token = ClientOptions.defaultTokenFile();
    int max = 2;
    List<String> allow = new ArrayList<>();
    Path state = null;
    String home = System.getenv("MARGINFLOW_HOME");
    Path launcher = home == null ? null : Path.of(home, "deploy", "bin", "marginflow");
    List<String> largs = new ArrayList<>();
    long maxBody = 1 << 20;
    Path ks = null;
    Path ksPass = null;
    int maxStreams = 32;
    int idle = 300;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--help") || a.equals("-h")) {
        throw new ConfigException(USAGE);
      }
      if (!a.startsWith("--") || i + 1 >= args.length) {
        throw new ConfigException("serve: unexpected argument '" + a + "'\n" + USAGE);
      }
      String v = args[++i];
      switch (a) {
        case "--root" -> root = v;
        case "--master" -> master = v;
        case "--bind" -> bind = v;
        case "--port" -> port = number(a, v).intValue();
        case "--token-file" -> token = Path.of(v);
        case "--max-concurrent" -> max = number(a, v).intValue();
        case "--allow-data" -> allow.add(v);
        case "--state-dir" -> state = Path.of(v).toAbsolutePath();
        case "--launcher" -> launcher = Path.of(v).toAbsolutePath();
        case "--launcher-arg" -> largs.add(v);
        case "--max-body" -> maxBody = number(a, v);
        case "--keystore" -> ks = Path.of(v);
        case "--keystore-password-file" -> ksPass = Path.of(v);
        case "--max-streams" -> maxStreams = number(a, v).intValue();
        case "--stream-idle-seconds" -> idle = number(a, v).intValue();
        default -> throw new ConfigException("serve: unknown option " + a + "\n" + USAGE);
      }
    }
    if (root != null && !root.contains(":")) {
      root = Path.of(root).toAbsolutePath().normalize().toString();
    }
    if (state == null && root != null) {
      state =
          root.startsWith("/") || root.startsWith("file:")
              ? Path.of(root.replaceFirst("^file:(//)?", "")).resolve("_service")
              : Path.of(System.getProperty("user.home"), ".marginflow", "service");
    }
    return new ServeOptions(
        root,
        master,
        bind,
        port,
        token,
        max,
        allow,
        state,
        launcher,
        largs,
        maxBody,
        ks,
        ksPass,
        maxStreams,
        idle);
  }

  static Long number(String flag, String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ConfigException("serve: " + flag + ": expected an integer, got '" + v + "'");
    }
  }
}

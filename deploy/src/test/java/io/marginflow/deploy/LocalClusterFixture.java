package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cluster of {@code deploy/bin/local-cluster} (HDFS NameNode and DataNode, Spark Master and two
 * Workers), started once per test JVM with its state under {@code target/local-cluster} and stopped
 * by {@link #stop()} (a shutdown hook stops it too if a test JVM ends early). Exposes what {@code
 * local-cluster env} prints and the pids that {@code up} recorded.
 */
final class LocalClusterFixture {

  static final Path STATE = Path.of("target", "local-cluster").toAbsolutePath();
  static final List<String> SERVICES =
      List.of("namenode", "datanode", "master", "worker-1", "worker-2");
  // A ceiling only: up takes 20-60 s on an idle 2-core machine, minutes when it is shared.
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(8);

  private static LocalClusterFixture running;

  private final ClusterEnv env;
  private final Map<String, Long> pids;

  private LocalClusterFixture(ClusterEnv env, Map<String, Long> pids) {
    this.env = env;
    this.pids = pids;
  }

  /** Starts the cluster (once per JVM); a copy left by a crashed earlier JVM is stopped first. */
  static synchronized LocalClusterFixture start() {
    if (running != null) {
      return running;
    }
    running = new LocalClusterFixture(up("local-cluster", STATE), readPids());
    return running;
  }

  /**
   * {@code local-cluster down --purge}, then {@code local-cluster up upArgs...} (once more on fresh
   * ports if it failed), a shutdown hook that runs {@code down} if the JVM ends early, and what
   * {@code local-cluster env} then prints. Output files are named after {@code name}.
   */
  static ClusterEnv up(String name, Path state, String... upArgs) {
    Map<String, String> stateEnv = new ClusterEnv(state, Map.of()).stateEnv();
    Scripts.run(
        name + "-clean", stateEnv, Duration.ofMinutes(1), "local-cluster", "down", "--purge");
    String[] command = Scripts.args(List.of("up"), upArgs).toArray(String[]::new);
    Scripts.Result up = Scripts.run(name + "-up", stateEnv, UP_TIMEOUT, "local-cluster", command);
    if (up.exitCode() != 0) {
      // A free port picked by up can be taken by another program before its daemon binds it (up
      // then stops what it started): one more try, on fresh ports.
      up = Scripts.run(name + "-up-retry", stateEnv, UP_TIMEOUT, "local-cluster", command);
    }
    assertEquals(0, up.exitCode(), "local-cluster up:\n" + up.output());
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () ->
                    Scripts.run(
                        name + "-down-hook",
                        stateEnv,
                        Duration.ofMinutes(1),
                        "local-cluster",
                        "down"),
                name + "-down"));
    Scripts.Result printed =
        Scripts.run(name + "-env", stateEnv, Duration.ofSeconds(30), "local-cluster", "env");
    assertEquals(0, printed.exitCode(), printed.output());
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : printed.output().split("\n")) {
      if (line.startsWith("export ")) {
        int eq = line.indexOf('=');
        env.put(line.substring(7, eq), line.substring(eq + 1));
      }
    }
    return new ClusterEnv(state, env);
  }

  /** Runs {@code local-cluster down}; returns its result. */
  static synchronized Scripts.Result stop() {
    Scripts.Result r = new ClusterEnv(STATE, Map.of()).down("local-cluster-down");
    running = null;
    return r;
  }

  /** The environment every local-cluster command of a test gets: the state folder. */
  static Map<String, String> stateEnv() {
    return Map.of("MARGINFLOW_CLUSTER_DIR", STATE.toString());
  }

  /** What {@code eval "$(local-cluster env)"} exports, plus the state folder. */
  Map<String, String> submitEnv() {
    return env.submitEnv();
  }

  /** {@code hdfs://127.0.0.1:<port>}. */
  String hdfs() {
    return env.hdfs();
  }

  URI hdfs(String absolutePath) {
    return env.hdfs(absolutePath);
  }

  /** The SPARK_HOME the Workers use (with a bin/spark-submit). */
  String sparkHome() {
    return env.exports().get("MARGINFLOW_LOCAL_SPARK_HOME");
  }

  /** A port chosen by {@code up} (names as in STATE/ports, e.g. {@code master_ui}). */
  static int port(String name) {
    return port(STATE, name);
  }

  /** A port chosen by {@code up} in a state folder. */
  static int port(Path state, String name) {
    try {
      for (String line : Files.readAllLines(state.resolve("ports"))) {
        if (line.startsWith(name + "=")) {
          return Integer.parseInt(line.substring(name.length() + 1));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no port " + name + " in " + state.resolve("ports"));
  }

  /** The pids recorded by {@code up}, by service. */
  Map<String, Long> pids() {
    return pids;
  }

  static Map<String, Long> readPids() {
    return readPids(STATE, SERVICES);
  }

  /** The pids recorded by {@code up} in a state folder, for the given services. */
  static Map<String, Long> readPids(Path state, List<String> services) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String s : services) {
      Path f = state.resolve("pids").resolve(s + ".pid");
      try {
        if (Files.exists(f)) {
          out.put(s, Long.parseLong(Files.readString(f).trim()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /**
   * Live processes that belong to the given daemons: the daemons themselves and every process in
   * their process groups (executors and cluster-mode drivers are in their Worker's group).
   */
  static List<Long> processesOf(Set<Long> daemonPids) {
    List<Long> alive = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        String stat;
        try {
          stat = Files.readString(p.resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException gone) {
          continue;
        }
        // pid (comm) state ppid pgrp session ...
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long pid = Long.parseLong(p.getFileName().toString());
        if (daemonPids.contains(pid) || daemonPids.contains(Long.parseLong(f[2]))) {
          alive.add(pid);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return alive;
  }

  /** The command line of a process ("" if it is gone). */
  static String commandLine(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }
}

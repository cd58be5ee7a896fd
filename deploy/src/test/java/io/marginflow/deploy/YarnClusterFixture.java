package io.marginflow.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The YARN cluster of {@code deploy/bin/local-cluster up --yarn} (HDFS NameNode and DataNode, a
 * ResourceManager and one NodeManager of 4 GiB), started once per test JVM with its state under
 * {@code target/yarn-cluster} and stopped by {@link #stop()} (or a shutdown hook). Exposes the
 * cluster's {@link ClusterEnv}, the pids {@code up} recorded, the time {@code up} took and the
 * NodeManager's container processes and logs.
 */
final class YarnClusterFixture {

  static final Path STATE = Path.of("target", "yarn-cluster").toAbsolutePath();
  static final List<String> SERVICES =
      List.of("namenode", "datanode", "resourcemanager", "nodemanager-1");

  private static ClusterEnv running;
  private static Duration upTime;

  private YarnClusterFixture() {}

  /** Starts the cluster (once per JVM); a copy left by a crashed earlier JVM is stopped first. */
  static synchronized ClusterEnv start() {
    if (running == null) {
      long t0 = System.nanoTime();
      running = LocalClusterFixture.up("yarn-cluster", STATE, "--yarn");
      upTime = Duration.ofNanos(System.nanoTime() - t0);
    }
    return running;
  }

  /** Runs {@code local-cluster down}; returns its result. */
  static synchronized Scripts.Result stop() {
    Scripts.Result r = new ClusterEnv(STATE, Map.of()).down("yarn-cluster-down");
    running = null;
    return r;
  }

  /** How long {@code down --purge; up --yarn} took (including the Spark archive's upload). */
  static Duration upTime() {
    return upTime;
  }

  /** The ResourceManager's web proxy of an application's UI ({@code http://RM/proxy/APP}). */
  static String proxyOf(String applicationId) {
    return "http://127.0.0.1:"
        + LocalClusterFixture.port(STATE, "rm_ui")
        + "/proxy/"
        + applicationId;
  }

  static Map<String, Long> readPids() {
    return LocalClusterFixture.readPids(STATE, SERVICES);
  }

  /**
   * The container folders the NodeManager made for an application ({@code
   * yarn/nm-1/logs/APP/container_…}, each with the container's {@code stdout} and {@code stderr}).
   */
  static List<Path> containerLogs(String applicationId) {
    Path app = STATE.resolve("yarn/nm-1/logs").resolve(applicationId);
    if (!Files.isDirectory(app)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(app)) {
      return s.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Live processes of YARN containers of this cluster (launch scripts and JVMs). */
  static List<Long> containerProcesses() {
    // Their command lines name their working folder under the NodeManager's local folder.
    return processesNaming(STATE.resolve("yarn/nm-1/local") + "/");
  }

  /**
   * Live JVMs that {@code up} started for this cluster (daemons, a NameNode format), found by the
   * {@code -Djava.io.tmpdir} naming the state folder, whatever pid files say.
   */
  static List<Long> daemonProcesses() {
    return processesNaming("-Djava.io.tmpdir=" + STATE.resolve("tmp") + " ");
  }

  private static List<Long> processesNaming(String marker) {
    return ProcessHandle.allProcesses()
        .filter(p -> (LocalClusterFixture.commandLine(p.pid()) + " ").contains(marker))
        .map(ProcessHandle::pid)
        .toList();
  }
}

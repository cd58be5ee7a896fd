package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on a real Spark standalone cluster with HDFS ({@code deploy/bin/local-cluster}: one
 * NameNode, one DataNode, a Master and two Workers, each its own JVM), driven only through the
 * commands of deploy/README.md: {@code local-cluster up|status|env|fs|down}, {@code marginflow
 * --submit train} in client deploy mode (Spark's SparkSubmit from the Maven jars) and in cluster
 * deploy mode (through {@code $SPARK_HOME/bin/spark-submit}), {@code marginflow weights}. Every run
 * reads a9a from HDFS, writes its run directory to HDFS and must reproduce {@link ReferenceRun} bit
 * for bit, including the run that loses an executor in the middle. One cluster serves every test;
 * the last step stops it and checks that no process it started is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration SHORT = Duration.ofMinutes(1);
  private static final String DATA = "/data/a9a.gz";

  private static LocalClusterFixture cluster;
  private static Map<String, Long> daemons;

  @BeforeAll
  static void up() {
    ReferenceRun.startInBackground();
    cluster = LocalClusterFixture.start();
    daemons = LocalClusterFixture.readPids();
    assertEquals(
        LocalClusterFixture.SERVICES, List.copyOf(daemons.keySet()), "pids recorded by up");
    ClusterRuns.putA9a(cluster.submitEnv(), "standalone", DATA);
  }

  @AfterAll
  static void downLeavesNoProcess() {
    ClusterRuns.assertStoppedCleanly(
        LocalClusterFixture.stop(), LocalClusterFixture.stateEnv(), daemons.values(), "standalone");
  }

  @Test
  @Order(1)
  void upAgainStartsNoSecondCopyAndStatusListsEveryService() {
    Scripts.Result again =
        Scripts.run("up-again", LocalClusterFixture.stateEnv(), SHORT, "local-cluster", "up");
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("already running"), again.output());
    assertEquals(daemons, LocalClusterFixture.readPids(), "same pids after a second up");

    Scripts.Result status =
        Scripts.run("status", LocalClusterFixture.stateEnv(), SHORT, "local-cluster", "status");
    assertEquals(0, status.exitCode(), status.output());
    for (Map.Entry<String, Long> d : daemons.entrySet()) {
      assertTrue(
          status
              .output()
              .matches("(?s).*" + d.getKey() + " +running +pid " + d.getValue() + "\\b.*"),
          d.getKey() + " in:\n" + status.output());
      assertTrue(
          ProcessHandle.of(d.getValue()).map(ProcessHandle::isAlive).orElse(false), d.getKey());
    }
    assertTrue(status.output().contains(cluster.hdfs()), status.output());
    for (Map.Entry<String, Long> d : daemons.entrySet()) {
      // Loopback only: every listening socket of every daemon is bound to 127.0.0.1.
      assertFalse(
          listensBeyondLoopback(d.getValue()), d.getKey() + " listens on a non-loopback address");
    }
  }

  @Test
  @Order(2)
  void clientDeployModeSurvivesLosingAnExecutorMidRunBitForBit()
      throws IOException, InterruptedException {
    URI out = cluster.hdfs("/runs/client");
    int uiPort = ClusterRuns.freePort();
    Scripts.Running run =
        Scripts.start(
            "submit-client",
            cluster.submitEnv(),
            "marginflow",
            trainArgs(List.of("--submit", "--conf", "spark.ui.port=" + uiPort), out));
    // Right after the first checkpoint: all 60 steps are still to come (≈ 7 s on an idle machine),
    // so finding the executor below (the UI's REST API, the Workers' process trees) cannot outlast
    // the run even on a loaded machine (waiting for checkpoint 20 once left too little: the kill
    // came after the last step, and no cached block was needed again).
    ClusterRuns.awaitOutput(run, "checkpoint 0 written", RUN_TIMEOUT);

    // SIGKILL the executor that holds cached training blocks, on whichever Worker it runs.
    String executorId = executorWithCachedBlocks(uiPort);
    List<ProcessHandle> victims = new ArrayList<>();
    for (String worker : List.of("worker-1", "worker-2")) {
      ProcessHandle.of(daemons.get(worker))
          .orElseThrow()
          .descendants()
          .filter(
              p -> {
                String cmd = LocalClusterFixture.commandLine(p.pid());
                return cmd.contains("CoarseGrainedExecutorBackend")
                    && cmd.contains("--executor-id " + executorId + " ");
              })
          .forEach(victims::add);
    }
    assertEquals(1, victims.size(), "processes of executor " + executorId + ": " + victims);
    // The launcher's executor options (deploy/conf/executor-java-options: the serial collector)
    // reached the executor JVM through spark-submit and the Worker.
    String executorCommand = LocalClusterFixture.commandLine(victims.get(0).pid());
    List<String> options = executorOptions();
    assertTrue(options.contains("-XX:+UseSerialGC"), options.toString());
    for (String option : options) {
      assertTrue(executorCommand.contains(" " + option + " "), option + " in: " + executorCommand);
    }
    assertTrue(
        run.isAlive(), "the run ended before the executor could be killed:\n" + run.output());
    victims.get(0).destroyForcibly();

    Scripts.Result r = run.await(RUN_TIMEOUT);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(
        r.output().contains("run finished at step " + ReferenceRun.STEPS + "; outputs in " + out),
        r.output());
    assertTrue(
        r.output().contains("Lost executor " + executorId),
        "the driver saw the loss:\n" + r.output());
    assertTrue(
        r.output().matches("(?s).*No more replicas available for rdd_\\d+_\\d+.*"),
        "a cached block was lost with the executor (and recomputed from lineage):\n" + r.output());
    RunDir written = new RunDir(out);
    assertMatchesReference(written);

    // The README's ways of reading the outputs back: the HDFS shell and `marginflow weights`.
    Scripts.Result cat =
        Scripts.run(
            "fs-cat",
            cluster.submitEnv(),
            SHORT,
            "local-cluster",
            "fs",
            "-cat",
            "/runs/client/metrics/eval.jsonl");
    assertEquals(0, cat.exitCode(), cat.output());
    assertEquals(written.evalRows(), cat.output());
    Scripts.Result weights =
        Scripts.run("weights", cluster.submitEnv(), SHORT, "marginflow", "weights", out.toString());
    assertEquals(0, weights.exitCode(), weights.output());
    double[] printed =
        weights
            .output()
            .lines()
            .filter(l -> l.matches("-?\\d+(\\.\\d+)?([eE]-?\\d+)?"))
            .mapToDouble(Double::parseDouble)
            .toArray();
    assertArrayEquals(ReferenceRun.get().theta(), printed, "θ printed by marginflow weights");
  }

  @Test
  @Order(3)
  void clusterDeployModeThroughSparkHomeRunsTheDriverOnAWorker() throws IOException {
    URI out = cluster.hdfs("/runs/cluster");
    Map<String, String> env = new HashMap<>(cluster.submitEnv());
    env.put("SPARK_HOME", cluster.sparkHome());
    Scripts.Result r =
        Scripts.start(
                "submit-cluster",
                env,
                "marginflow",
                trainArgs(
                    List.of("--deploy-mode", "cluster", "--conf", "spark.ui.enabled=false"), out))
            .await(RUN_TIMEOUT);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().matches("(?s).*State of driver driver-\\S+ is FINISHED.*"), r.output());
    assertMatchesReference(new RunDir(out));
    // The driver ran inside a Worker: its folder holds the job's own report.
    Optional<Path> driverOut = find(LocalClusterFixture.STATE.resolve("work"), "stdout", "driver-");
    assertTrue(driverOut.isPresent(), "no driver-*/stdout under the Workers' work folders");
    assertTrue(
        Files.readString(driverOut.get())
            .contains("run finished at step " + ReferenceRun.STEPS + "; outputs in " + out));
  }

  /**
   * Fault B1 on the cluster: the driver of a client-mode run on the standalone cluster, writing its
   * run directory to the cluster's HDFS, is killed (SIGKILL) inside the write of checkpoint 40
   * ({@link io.marginflow.spark.store.PausePoint}, after its θ and before its meta and {@code
   * LATEST}); {@code --resume} on the cluster takes over the dead driver's lock and ends
   * bit-identical to {@link ReferenceRun}.
   */
  @Test
  @Order(4)
  void driverKilledInsideACheckpointOnHdfsResumesBitForBit() throws Exception {
    URI out = cluster.hdfs("/runs/driver-kill");
    String pause = "-D" + io.marginflow.spark.store.PausePoint.PROPERTY + "=checkpoint:40";
    Map<String, String> env = new HashMap<>(cluster.submitEnv());
    env.put("MARGINFLOW_JAVA_OPTS", "-Xmx1g " + pause); // the driver JVM without SPARK_HOME
    Scripts.Running run =
        Scripts.start(
            "driver-kill-1",
            env,
            "marginflow",
            trainArgs(
                List.of(
                    "--submit",
                    "--conf",
                    "spark.ui.enabled=false",
                    "--conf",
                    "spark.driver.extraJavaOptions=" + pause),
                out));
    ClusterRuns.awaitOutput(run, "paused at checkpoint:40", RUN_TIMEOUT);
    run.kill();
    Scripts.Result latest =
        Scripts.run(
            "driver-kill-latest",
            cluster.submitEnv(),
            SHORT,
            "local-cluster",
            "fs",
            "-cat",
            "/runs/driver-kill/checkpoints/LATEST");
    assertEquals(0, latest.exitCode(), latest.output());
    assertEquals("20", latest.output().strip(), "LATEST after the kill");

    Scripts.Result resumed =
        Scripts.start(
                "driver-kill-resume",
                cluster.submitEnv(),
                "marginflow",
                List.of(
                    "--submit",
                    "--conf",
                    "spark.ui.enabled=false",
                    "train",
                    "--resume",
                    out.toString()))
            .await(RUN_TIMEOUT);
    assertEquals(0, resumed.exitCode(), resumed.output());
    assertTrue(resumed.output().contains("taking over the stale lock"), resumed.output());
    assertTrue(resumed.output().contains("at step 20"), resumed.output());
    assertMatchesReference(new RunDir(out));
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The reference's flags on the per-step job path: one Spark job per step keeps the run going (and
   * reading its cached blocks) while an executor is killed; the rows path would fetch all 60 steps
   * in one window and never touch the lost block. Same bits either way.
   */
  private static List<String> trainArgs(List<String> launcherOptions, URI out) {
    return ClusterRuns.trainArgs(launcherOptions, cluster.hdfs() + DATA, out, "--step-path", "job");
  }

  /** The options of deploy/conf/executor-java-options, in file order. */
  private static List<String> executorOptions() throws IOException {
    return Files.readAllLines(Scripts.ROOT.resolve("deploy/conf/executor-java-options")).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  private static void assertMatchesReference(RunDir run) throws IOException {
    ClusterRuns.assertMatchesReference(run, cluster.hdfs() + DATA);
  }

  /** The id of an executor holding cached RDD blocks, checked to be this run's (Master's app). */
  private static String executorWithCachedBlocks(int uiPort) throws IOException {
    // The port was free a moment before the driver bound it: make sure this is our driver's UI.
    JsonNode master =
        ClusterRuns.read("http://127.0.0.1:" + LocalClusterFixture.port("master_ui") + "/json/");
    assertEquals(
        master.get("activeapps").get(0).get("id").asText(),
        ClusterRuns.applicationId(uiPort),
        "the UI on port " + uiPort + " is the run's");
    return ClusterRuns.executorWithCachedBlocks(uiPort);
  }

  private static Optional<Path> find(Path root, String fileName, String parentPrefix)
      throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(
              p ->
                  p.getFileName().toString().equals(fileName)
                      && p.getParent().getFileName().toString().startsWith(parentPrefix))
          .findFirst();
    }
  }

  /** True if the process has a listening TCP socket on an address other than 127.0.0.1. */
  private static boolean listensBeyondLoopback(long pid) {
    try {
      java.util.Set<String> inodes = new HashSet<>();
      try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
        for (Path fd : fds.toList()) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              inodes.add(target.substring(8, target.length() - 1));
            }
          } catch (IOException gone) {
            // closed meanwhile
          }
        }
      }
      for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        if (!Files.exists(Path.of(table))) {
          continue; // no IPv6 on this kernel
        }
        List<String> lines = Files.readAllLines(Path.of(table));
        for (String line : lines.subList(1, lines.size())) {
          String[] f = line.trim().split("\\s+");
          boolean listening = f[3].equals("0A");
          if (listening
              && inodes.contains(f[9])
              && !isLoopback(f[1].substring(0, f[1].indexOf(':')))) {
            return true;
          }
        }
      }
      return false;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * /proc/net/tcp{,6} addresses in hex: 0100007F (127.0.0.1), IPv4-mapped ::ffff:127.0.0.1, ::1.
   */
  private static boolean isLoopback(String hex) {
    return hex.equals("0100007F")
        || hex.equals("0000000000000000FFFF00000100007F")
        || hex.equals("00000000000000000000000001000000");
  }
}

package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;

/**
 * End to end on a real YARN cluster with HDFS ({@code deploy/bin/local-cluster up --yarn}: a
 * NameNode, a DataNode, a ResourceManager and a NodeManager, each its own JVM, from the Maven jars;
 * Spark's jars staged on HDFS as {@code spark.yarn.archive}), driven only through the commands of
 * deploy/README.md: {@code marginflow --submit train --master yarn} in client deploy mode (losing
 * an executor's container mid-run) and in cluster deploy mode, each reproducing {@link
 * ReferenceRun} bit for bit; a request larger than any container fails at once with YARN's limit in
 * marginflow's message; {@code local-cluster yarn application -kill} stops a run, which records
 * {@code failed}. One cluster serves every test; the last step stops it and checks that no daemon
 * or container is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// In the default mvn verify of deploy; -Dmarginflow.yarn.tests=false skips it (a machine that
// cannot give YARN 4 GiB, say).
@DisabledIfSystemProperty(named = "marginflow.yarn.tests", matches = "false")
class YarnClusterIT {

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  private static final Duration SHORT = Duration.ofMinutes(2);
  private static final String DATA = "/data/a9a.gz";
  private static final Pattern APP_ID = Pattern.compile("application_\\d+_\\d+");
  private static final Pattern DRIVER_APP =
      Pattern.compile("spark application (application_\\d+_\\d+) on yarn");

  private static ClusterEnv cluster;
  private static Map<String, Long> daemons;
  private static final List<String> timings = new ArrayList<>();

  @BeforeAll
  static void up() {
    ReferenceRun.startInBackground();
    cluster = YarnClusterFixture.start();
    timings.add(
        "local-cluster down --purge; up --yarn: " + YarnClusterFixture.upTime().toSeconds() + " s");
    daemons = YarnClusterFixture.readPids();
    assertEquals(YarnClusterFixture.SERVICES, List.copyOf(daemons.keySet()), "pids recorded by up");
    ClusterRuns.putA9a(cluster.submitEnv(), "yarn", DATA);
  }

  @AfterAll
  static void downLeavesNoProcess() throws IOException {
    Files.writeString(Path.of("target", "yarn-cluster-timings.txt"), String.join("\n", timings));
    Scripts.Result down = YarnClusterFixture.stop();
    assertTrue(daemons != null, "up failed: nothing to check");
    ClusterRuns.assertStoppedCleanly(
        down,
        new ClusterEnv(YarnClusterFixture.STATE, Map.of()).stateEnv(),
        daemons.values(),
        "yarn");
    assertEquals(
        List.of(), YarnClusterFixture.containerProcesses(), "YARN containers left after down");
    // By command line too: any JVM up started (the daemons' -Djava.io.tmpdir names the state
    // folder), whether or not its pid was recorded.
    assertEquals(
        List.of(), YarnClusterFixture.daemonProcesses(), "JVMs of the cluster left after down");
  }

  @Test
  @Order(1)
  void statusListsTheYarnDaemonsAndUpAgainStartsNoSecondCopy() {
    Scripts.Result status =
        Scripts.run("yarn-status", cluster.stateEnv(), SHORT, "local-cluster", "status");
    assertEquals(0, status.exitCode(), status.output());
    for (Map.Entry<String, Long> d : daemons.entrySet()) {
      assertTrue(
          status
              .output()
              .matches("(?s).*" + d.getKey() + " +running +pid " + d.getValue() + "\\b.*"),
          d.getKey() + " in:\n" + status.output());
    }
    assertTrue(
        status.output().contains("HADOOP_CONF_DIR=" + YarnClusterFixture.STATE + "/hadoop-conf"),
        status.output());
    Scripts.Result again =
        Scripts.run("yarn-up-again", cluster.stateEnv(), SHORT, "local-cluster", "up", "--yarn");
    assertEquals(0, again.exitCode(), again.output());
    assertTrue(again.output().contains("already running"), again.output());
    assertEquals(daemons, YarnClusterFixture.readPids(), "same pids after a second up");
    // A standalone cluster cannot start over a running YARN one in the same state folder.
    Scripts.Result other =
        Scripts.run("yarn-up-standalone", cluster.stateEnv(), SHORT, "local-cluster", "up");
    assertNotEquals(0, other.exitCode(), other.output());
    assertTrue(other.output().contains("a yarn cluster runs"), other.output());
  }

  @Test
  @Order(2)
  void clientDeployModeSurvivesLosingAnExecutorContainerBitForBit()
      throws IOException, InterruptedException {
    URI out = cluster.hdfs("/runs/client");
    long t0 = System.nanoTime();
    Scripts.Running run =
        Scripts.start(
            "yarn-submit-client",
            cluster.submitEnv(),
            "marginflow",
            ClusterRuns.trainArgs(
                // The UI on any free port: the test reaches it through YARN's proxy.
                List.of("--submit", "--conf", "spark.ui.port=0"),
                cluster.hdfs() + DATA,
                out,
                "--master",
                "yarn",
                // One Spark job per step, so the run is still going when its executor is killed
                // (the rows path's lost executor is LocalClusterModeIT's); the bits are the same.
                "--step-path",
                "job"));
    // The blocks are cached (ingestion is over) and all 60 steps are still to come: the kill
    // lands mid-run even on an idle machine (≈ 80 ms a step on this path).
    ClusterRuns.awaitOutput(run, "checkpoint 0 written", RUN_TIMEOUT);

    // SIGKILL the JVM of the executor that holds cached training blocks (not its launch script).
    // The application id from the driver's log, the driver's UI through the ResourceManager's
    // proxy (the tracking URL YARN shows): no port of the test's choosing to collide with.
    Matcher logged = DRIVER_APP.matcher(run.output());
    assertTrue(logged.find(), "the driver names its application:\n" + run.output());
    String app = logged.group(1);
    String executorId = ClusterRuns.executorWithCachedBlocks(YarnClusterFixture.proxyOf(app));
    List<ProcessHandle> victims =
        YarnClusterFixture.containerProcesses().stream()
            .map(pid -> ProcessHandle.of(pid).orElse(null))
            .filter(p -> p != null)
            .filter(
                p -> {
                  String cmd = LocalClusterFixture.commandLine(p.pid());
                  return cmd.split(" ", 2)[0].endsWith("/java")
                      && cmd.contains("YarnCoarseGrainedExecutorBackend")
                      && cmd.contains("--executor-id " + executorId + " ")
                      && cmd.contains(app);
                })
            .toList();
    assertEquals(1, victims.size(), "the JVM of executor " + executorId + ": " + victims);
    assertTrue(run.isAlive(), "the run ended before the kill:\n" + run.output());
    victims.get(0).destroyForcibly();

    Scripts.Result r = run.await(RUN_TIMEOUT);
    recordTime("client deploy mode run (60 steps, one executor killed)", t0);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(
        r.output().contains("run finished at step " + ReferenceRun.STEPS + "; outputs in " + out),
        r.output());
    assertTrue(
        r.output().contains("Lost executor " + executorId),
        "the driver saw the loss:\n" + r.output());
    // YARN gave a replacement: the application master, two executors, and one more container.
    List<Path> containers = YarnClusterFixture.containerLogs(app);
    assertTrue(containers.size() >= 4, "containers of " + app + ": " + containers);
    ClusterRuns.assertMatchesReference(new RunDir(out), cluster.hdfs() + DATA);
  }

  @Test
  @Order(3)
  void clusterDeployModeRunsTheDriverInTheApplicationMaster() throws IOException {
    URI out = cluster.hdfs("/runs/cluster");
    long t0 = System.nanoTime();
    Scripts.Result r =
        Scripts.start(
                "yarn-submit-cluster",
                cluster.submitEnv(),
                "marginflow",
                ClusterRuns.trainArgs(
                    List.of("--submit", "--deploy-mode", "cluster"),
                    cluster.hdfs() + DATA,
                    out,
                    "--master",
                    "yarn"))
            .await(RUN_TIMEOUT);
    recordTime("cluster deploy mode run (60 steps)", t0);
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("final status: SUCCEEDED"), r.output());
    ClusterRuns.assertMatchesReference(new RunDir(out), cluster.hdfs() + DATA);
    // The driver ran in the application master's container (the first one): its stdout there.
    Matcher m = APP_ID.matcher(r.output());
    assertTrue(m.find(), r.output());
    List<Path> containers = YarnClusterFixture.containerLogs(m.group());
    assertFalse(containers.isEmpty(), "no container logs of " + m.group());
    assertTrue(
        Files.readString(containers.get(0).resolve("stdout"))
            .contains("run finished at step " + ReferenceRun.STEPS + "; outputs in " + out),
        "driver stdout in " + containers.get(0));
  }

  @Test
  @Order(4)
  void askingForMoreMemoryThanAContainerCanHaveFailsAtOnceWithYarnsLimit() {
    String limit = "is above the max threshold (4096 MB) of this cluster";
    Map<String, List<String>> cases =
        Map.of(
            "client",
            List.of("--submit", "--conf", "spark.executor.memory=8g"),
            "cluster",
            List.of("--submit", "--deploy-mode", "cluster", "--conf", "spark.driver.memory=8g"));
    for (Map.Entry<String, List<String>> c : cases.entrySet()) {
      Scripts.Result r =
          Scripts.start(
                  "yarn-too-big-" + c.getKey(),
                  cluster.submitEnv(),
                  "marginflow",
                  ClusterRuns.trainArgs(
                      c.getValue(),
                      cluster.hdfs() + DATA,
                      cluster.hdfs("/runs/too-big-" + c.getKey()),
                      "--master",
                      "yarn"))
              .await(SHORT);
      // Client mode: 2, refused while the run is validated (its data scan is the first thing to
      // need the SparkContext that YARN refused): a problem of --master, not of --data. Cluster
      // mode: 1, spark-submit itself is refused.
      boolean client = c.getKey().equals("client");
      assertEquals(client ? 2 : 1, r.exitCode(), c.getKey() + ":\n" + r.output());
      if (client) {
        assertTrue(
            r.output()
                .contains(
                    "\n  - master: the Spark application could not start on yarn: Required"
                        + " executor memory (8192"),
            r.output());
        assertFalse(r.output().contains("--data:"), r.output());
      }
      assertFalse(r.output().contains("driver's log"), "nothing was submitted:\n" + r.output());
      assertTrue(
          r.output()
              .matches(
                  "(?s).*\nmarginflow: the YARN application failed: Required \\S+ memory \\(8192.*"
                      + Pattern.quote(limit)
                      + ".*"),
          c.getKey() + ":\n" + r.output());
    }
  }

  @Test
  @Order(5)
  void yarnApplicationKillStopsTheRunWhichRecordsFailed() throws IOException, InterruptedException {
    URI out = cluster.hdfs("/runs/killed");
    Scripts.Running run =
        Scripts.start(
            "yarn-submit-to-kill",
            cluster.submitEnv(),
            "marginflow",
            ClusterRuns.trainArgs(
                // No UI: Spark 4.2's YARN client can race attaching the UI's handlers against the
                // application master's proxy filter (ConcurrentModificationException, seen once).
                List.of("--submit", "--conf", "spark.ui.enabled=false"),
                cluster.hdfs() + DATA,
                out,
                "--master",
                "yarn",
                // One Spark job per step and steps enough for hours: the kill lands inside a
                // running job (a step, an evaluation) whenever it comes.
                "--step-path",
                "job",
                "--steps",
                "100000"));
    ClusterRuns.awaitOutput(run, "checkpoint 20 written", RUN_TIMEOUT);
    Scripts.Result list =
        Scripts.run(
            "yarn-application-list",
            cluster.submitEnv(),
            SHORT,
            "local-cluster",
            "yarn",
            "application",
            "-list");
    assertEquals(0, list.exitCode(), list.output());
    Matcher m = APP_ID.matcher(list.output());
    assertTrue(m.find(), "a running application in:\n" + list.output());
    String app = m.group();
    assertFalse(m.find(), "one running application only:\n" + list.output());

    Scripts.Result kill =
        Scripts.run(
            "yarn-application-kill",
            cluster.submitEnv(),
            SHORT,
            "local-cluster",
            "yarn",
            "application",
            "-kill",
            app);
    assertEquals(0, kill.exitCode(), kill.output());
    Scripts.Result r = run.await(SHORT);
    assertEquals(1, r.exitCode(), r.output());
    assertTrue(
        r.output()
            .contains(
                "marginflow: the YARN application failed: Application " + app + " was killed"),
        r.output());
    assertTrue(
        r.output()
            .contains(
                "\nmarginflow: the Spark application "
                    + app
                    + " was stopped during the run (killed, or its cluster ended it); a run that"
                    + " had started records status failed in its run directory"),
        "the driver's own message, not a stack trace:\n" + r.output());
    assertFalse(r.output().contains("Exception in thread \"main\""), r.output());
    String status = new RunDir(out).text("status.json");
    assertTrue(status.matches("(?s).*\"state\":\"failed\".*"), status);
  }

  /**
   * Notes how long something took since {@code t0} (written to target/yarn-cluster-timings.txt).
   */
  private static void recordTime(String what, long t0) {
    timings.add(what + ": " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s");
  }
}

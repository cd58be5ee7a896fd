package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marginflow.common.format.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * What the cluster tests (standalone and YARN) share: the arguments of a run of the reference
 * configuration, the check that a run directory reproduces {@link ReferenceRun} bit for bit, and
 * the driver's REST API.
 */
final class ClusterRuns {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SHORT = Duration.ofMinutes(2);

  private ClusterRuns() {}

  /**
   * {@code launcherOptions... train --data dataUri <reference flags> --out out extraFlags...}
   * (later flags win over the reference's).
   */
  static List<String> trainArgs(
      List<String> launcherOptions, String dataUri, URI out, String... extraFlags) {
    List<String> a = new ArrayList<>(launcherOptions);
    a.addAll(List.of("train", "--data", dataUri));
    a.addAll(ReferenceRun.TRAIN_FLAGS);
    a.addAll(List.of("--out", out.toString()));
    a.addAll(List.of(extraFlags));
    return a;
  }

  /**
   * θ, metric rows, checkpoints and BLAS equal to the local[2] reference; the manifest names the
   * input {@code dataUri} (a9a, its checksum and row count) and two partitions.
   */
  static void assertMatchesReference(RunDir run, String dataUri) throws IOException {
    RunDir reference = ReferenceRun.get();
    assertArrayEquals(reference.theta(), run.theta(), "θ after " + ReferenceRun.STEPS + " steps");
    assertEquals(
        reference.stepRowsWithoutWall(),
        run.stepRowsWithoutWall(),
        "steps.jsonl (wall_ms blanked)");
    assertEquals(reference.evalRows(), run.evalRows(), "eval.jsonl");
    assertEquals(ReferenceRun.CHECKPOINTS, run.checkpointSteps(), "checkpoints");
    Manifest m = run.manifest();
    assertEquals(1, m.data().size());
    assertEquals(dataUri, m.data().get(0).uri());
    assertEquals(ReferenceRun.A9A_SHA256, m.data().get(0).sha256());
    assertEquals(ReferenceRun.A9A_ROWS, m.data().get(0).rows());
    assertEquals(2, ((Number) m.config().get("partitions")).intValue());
    // The executors' BLAS, as they reported it: the same implementation as the local run's.
    assertEquals(reference.manifest().blas(), m.blas(), "blas of the executors");
    assertTrue(run.exists("status.json"), "status.json");
  }

  /** Puts a9a on the cluster's HDFS at {@code hdfsPath} ({@code local-cluster fs -put}). */
  static void putA9a(Map<String, String> submitEnv, String name, String hdfsPath) {
    String parent = hdfsPath.substring(0, hdfsPath.lastIndexOf('/'));
    Scripts.Result mkdir =
        Scripts.run(
            name + "-fs-mkdir", submitEnv, SHORT, "local-cluster", "fs", "-mkdir", "-p", parent);
    assertEquals(0, mkdir.exitCode(), mkdir.output());
    Scripts.Result put =
        Scripts.run(
            name + "-fs-put",
            submitEnv,
            SHORT,
            "local-cluster",
            "fs",
            "-put",
            ReferenceRun.a9a().toString(),
            hdfsPath);
    assertEquals(0, put.exitCode(), put.output());
  }

  /**
   * {@code local-cluster down} stopped the cluster: it said so, no process of the daemons (or of
   * their process groups) is left, and {@code status} then exits 3.
   */
  static void assertStoppedCleanly(
      Scripts.Result down, Map<String, String> stateEnv, Collection<Long> daemons, String name) {
    assertEquals(0, down.exitCode(), down.output());
    assertTrue(down.output().contains("local-cluster: stopped"), down.output());
    List<Long> left = LocalClusterFixture.processesOf(new HashSet<>(daemons));
    assertEquals(List.of(), left, "processes of the cluster still running after down");
    Scripts.Result status =
        Scripts.run(name + "-status-after-down", stateEnv, SHORT, "local-cluster", "status");
    assertEquals(3, status.exitCode(), "status after down:\n" + status.output());
  }

  /** Waits until the run's output contains {@code marker}; fails if it ends first. */
  static void awaitOutput(Scripts.Running run, String marker, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!run.output().contains(marker)) {
      if (!run.isAlive() || System.nanoTime() > deadline) {
        fail("no '" + marker + "' in the output of the run:\n" + run.output());
      }
      Thread.sleep(50);
    }
  }

  /** The driver's Spark application id (its REST API on {@code uiPort}). */
  static String applicationId(int uiPort) throws IOException {
    return applicationId(loopbackUi(uiPort));
  }

  /** The id of an executor holding cached RDD blocks (the driver's REST API on {@code uiPort}). */
  static String executorWithCachedBlocks(int uiPort) throws IOException {
    return executorWithCachedBlocks(loopbackUi(uiPort));
  }

  /**
   * The id of an executor holding cached RDD blocks, from the driver's REST API under {@code ui}
   * (the UI's address, or a proxy of it such as YARN's {@code http://RM/proxy/APP_ID}).
   */
  static String executorWithCachedBlocks(String ui) throws IOException {
    String executors = ui + "/api/v1/applications/" + applicationId(ui) + "/executors";
    for (JsonNode e : read(executors)) {
      if (!e.get("id").asText().equals("driver") && e.get("rddBlocks").asInt() > 0) {
        return e.get("id").asText();
      }
    }
    throw new AssertionError("no executor holds cached blocks: " + read(executors));
  }

  private static String applicationId(String ui) throws IOException {
    return read(ui + "/api/v1/applications").get(0).get("id").asText();
  }

  private static String loopbackUi(int uiPort) {
    return "http://127.0.0.1:" + uiPort;
  }

  static JsonNode read(String url) throws IOException {
    try (InputStream in = URI.create(url).toURL().openStream()) {
      return JSON.readTree(in);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}

package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/bin/local-cluster} without a running cluster (fast: no JVM starts): its help, and
 * what {@code status}, {@code env}, {@code yarn} and {@code down} say about a state folder where
 * nothing runs. StandaloneClusterIT and YarnClusterIT cover running clusters.
 */
class LocalClusterScriptTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Map<String, String> EMPTY_STATE =
      Map.of(
          "MARGINFLOW_CLUSTER_DIR",
          Scripts.ROOT.resolve("deploy/target/never-started-cluster").toString());

  private static Scripts.Result run(String name, String... args) {
    return Scripts.run("local-cluster-" + name, EMPTY_STATE, TIMEOUT, "local-cluster", args);
  }

  @Test
  void helpListsEveryCommand() {
    Scripts.Result r = run("help", "--help");
    assertEquals(0, r.exitCode(), r.output());
    for (String command :
        List.of("up", "up --yarn", "status", "env", "fs ARGS", "yarn ARGS", "down", "--purge")) {
      assertTrue(r.output().contains(command), command + " in:\n" + r.output());
    }
    assertEquals(2, run("unknown", "start").exitCode(), "an unknown command is a usage error");
  }

  @Test
  void yarnCommandsNeedAYarnClusterAndUpTakesOnlyYarnAsOption() {
    Scripts.Result up = run("up-bad-option", "up", "--yarm");
    assertEquals(1, up.exitCode(), up.output());
    assertTrue(up.output().contains("up: unknown option --yarm (expected --yarn"), up.output());
    Scripts.Result yarn = run("yarn-idle", "yarn", "application", "-list");
    assertEquals(1, yarn.exitCode(), yarn.output());
    assertTrue(
        yarn.output().contains("no YARN cluster; run 'local-cluster up --yarn'"), yarn.output());
  }

  @Test
  void nothingRunningIsReportedAsSuch() {
    Scripts.Result status = run("status-idle", "status");
    assertEquals(3, status.exitCode(), status.output());
    assertEquals(
        5, status.output().lines().filter(l -> l.endsWith("stopped")).count(), status.output());

    Scripts.Result env = run("env-idle", "env");
    assertEquals(1, env.exitCode(), env.output());
    assertTrue(env.output().contains("not running; run 'local-cluster up'"), env.output());

    Scripts.Result down = run("down-idle", "down");
    assertEquals(0, down.exitCode(), down.output());
    assertTrue(down.output().contains("nothing was running"), down.output());
  }
}

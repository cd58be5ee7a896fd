package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How {@code deploy/bin/marginflow} turns a command line into a JVM or a {@code spark-submit}
 * (checked with {@code --dry-run}, which prints the command instead of running it). The recipes of
 * deploy/conf for YARN and Kubernetes are exercised here: no such cluster exists on this machine.
 */
class LauncherTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Path FAKE_SPARK_HOME = Path.of("target", "fake-spark-home").toAbsolutePath();

  @BeforeAll
  static void fakeDistribution() throws IOException {
    Path bin = Files.createDirectories(FAKE_SPARK_HOME.resolve("bin"));
    Path submit = bin.resolve("spark-submit");
    Files.writeString(submit, "#!/bin/sh\necho never run in dry-run mode; exit 9\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private static Scripts.Result dryRun(String name, Map<String, String> env, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--dry-run";
    System.arraycopy(args, 0, all, 1, args.length);
    return Scripts.run("launcher-" + name, env, TIMEOUT, "marginflow", all);
  }

  @Test
  void localMasterRunsInThisJvmWithTheJava17FlagsAndTheCheckoutsJars() {
    Scripts.Result r = dryRun("local", Map.of(), "train", "--master", "local[2]", "--steps", "5");
    assertEquals(0, r.exitCode(), r.output());
    String cmd = r.output();
    assertTrue(cmd.startsWith("java "), cmd);
    assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), cmd);
    assertTrue(
        cmd.contains("io.marginflow.spark.cli.MarginflowCli train --master local\\[2\\] --steps 5"),
        cmd);
    assertTrue(
        cmd.contains(Scripts.ROOT.resolve("common/target").toString()),
        "this checkout's common jar: " + cmd);
    assertTrue(!cmd.contains("SparkSubmit"), cmd);
  }

  @Test
  void standaloneMasterGoesThroughSparkSubmitWithFlagsKryoAndOneBlasThread() {
    Scripts.Result r =
        dryRun(
            "standalone",
            Map.of(),
            "--conf",
            "spark.executor.extraJavaOptions=-XX:+UseG1GC",
            "train",
            "--master",
            "spark://127.0.0.1:7077",
            "--data",
            "hdfs:///data/a9a.gz");
    assertEquals(0, r.exitCode(), r.output());
    String cmd = r.output();
    assertTrue(
        cmd.contains(
            "org.apache.spark.deploy.SparkSubmit --class io.marginflow.spark.cli.MarginflowCli"),
        cmd);
    assertTrue(cmd.contains("--master spark://127.0.0.1:7077"), cmd);
    assertTrue(cmd.contains("--deploy-mode client"), cmd);
    // The dry run prints the command shell-quoted: a space inside an argument is "\\ ".
    String flags =
        "-XX:+IgnoreUnrecognizedVMOptions\\ --add-modules=jdk.incubator.vector\\ --add-opens=java.base/java.lang=ALL-UNNAMED";
    assertTrue(cmd.contains("--conf spark.driver.extraJavaOptions=" + flags), cmd);
    assertTrue(cmd.contains("--conf spark.executor.extraJavaOptions=" + flags), cmd);
    assertTrue(cmd.contains("--add-opens=java.base/java.nio=ALL-UNNAMED"), cmd);
    // The user's executor options are kept, after the Java 17 flags.
    assertTrue(
        cmd.contains("-Dio.netty.tryReflectionSetAccessible=true\\ -XX:+UseG1GC --conf"), cmd);
    assertTrue(
        cmd.contains("spark.kryo.registrator=io.marginflow.spark.MarginflowKryoRegistrator"), cmd);
    assertTrue(cmd.contains("spark.kryo.registrationRequired=true"), cmd);
    assertTrue(cmd.contains("spark.executorEnv.OPENBLAS_NUM_THREADS=1"), cmd);
    assertTrue(
        cmd.matches(
            "(?s).*marginflow-spark-jobs-\\S+-app\\.jar train --master spark://127.0.0.1:7077 --data hdfs:///data/a9a\\.gz.*"),
        cmd);
  }

  /**
   * Executors of a cluster job get deploy/conf/executor-java-options (the serial collector) after
   * the Java 17 flags and before the user's own options; the driver does not; a user option that
   * picks a collector drops them (two collectors would not start).
   */
  @Test
  void executorsGetTheSerialCollectorOptionsUnlessTheUserPicksACollector() {
    String ours = "-XX:+UseSerialGC\\ -Xmn32m\\ -XX:MinHeapFreeRatio=5\\ -XX:MaxHeapFreeRatio=10";
    String last = "-Dio.netty.tryReflectionSetAccessible=true\\ ";
    Scripts.Result plain =
        dryRun("executor-options", Map.of(), "train", "--master", "spark://127.0.0.1:7077");
    assertEquals(0, plain.exitCode(), plain.output());
    String executor = confValue(plain.output(), "spark.executor.extraJavaOptions");
    assertTrue(executor.endsWith(last + ours), executor);
    String driver = confValue(plain.output(), "spark.driver.extraJavaOptions");
    assertTrue(!driver.contains("UseSerialGC") && !driver.contains("Xmn"), driver);

    Scripts.Result logging =
        dryRun(
            "executor-options-user",
            Map.of(),
            "--conf",
            "spark.executor.extraJavaOptions=-Xlog:gc",
            "train",
            "--master",
            "spark://127.0.0.1:7077");
    assertEquals(0, logging.exitCode(), logging.output());
    assertTrue(
        confValue(logging.output(), "spark.executor.extraJavaOptions")
            .endsWith(last + ours + "\\ -Xlog:gc"),
        logging.output());

    for (String gc : List.of("-XX:+UseG1GC", "-XX:+UseParallelGC", "-XX:+UseZGC")) {
      Scripts.Result picked =
          dryRun(
              "executor-options-gc",
              Map.of(),
              "--conf",
              "spark.executor.extraJavaOptions=" + gc,
              "train",
              "--master",
              "spark://127.0.0.1:7077");
      assertEquals(0, picked.exitCode(), picked.output());
      String value = confValue(picked.output(), "spark.executor.extraJavaOptions");
      assertTrue(value.endsWith(last + gc), value);
      assertTrue(!value.contains("UseSerialGC") && !value.contains("Xmn"), value);
    }
  }

  /** The (shell-quoted) value of {@code --conf KEY=...} in a dry run's command. */
  private static String confValue(String command, String key) {
    Matcher m =
        Pattern.compile("--conf " + Pattern.quote(key) + "=((?:\\\\ |\\S)+)").matcher(command);
    assertTrue(m.find(), key + " in " + command);
    return m.group(1);
  }

  @Test
  void yarnAndKubernetesUseTheDistributionsSparkSubmit() {
    Map<String, String> env = Map.of("SPARK_HOME", FAKE_SPARK_HOME.toString());
    Scripts.Result yarn =
        dryRun(
            "yarn",
            env,
            "--deploy-mode",
            "cluster",
            "--properties-file",
            "deploy/conf/yarn.conf",
            "--jar",
            "hdfs:///apps/marginflow-app.jar",
            "train",
            "--master",
            "yarn",
            "--data",
            "hdfs:///data/a9a.gz");
    assertEquals(0, yarn.exitCode(), yarn.output());
    assertTrue(
        yarn.output().startsWith(FAKE_SPARK_HOME.resolve("bin/spark-submit") + " "), yarn.output());
    assertTrue(
        yarn.output().contains("--master yarn --properties-file deploy/conf/yarn.conf"),
        yarn.output());
    assertTrue(yarn.output().contains("--deploy-mode cluster"), yarn.output());
    assertTrue(
        yarn.output().contains(" hdfs:///apps/marginflow-app.jar train --master yarn"),
        yarn.output());

    Scripts.Result k8s =
        dryRun(
            "k8s",
            env,
            "--deploy-mode",
            "cluster",
            "--properties-file",
            "deploy/conf/kubernetes.conf",
            "--jar",
            "local:///opt/marginflow/marginflow-app.jar",
            "--conf",
            "spark.kryoserializer.buffer.max=512m",
            "train",
            "--master",
            "k8s://https://127.0.0.1:6443");
    assertEquals(0, k8s.exitCode(), k8s.output());
    assertTrue(k8s.output().contains("--master k8s://https://127.0.0.1:6443"), k8s.output());
    assertTrue(k8s.output().contains("spark.kryoserializer.buffer.max=512m"), k8s.output());
    assertTrue(
        k8s.output().contains(" local:///opt/marginflow/marginflow-app.jar train"), k8s.output());
  }

  @Test
  void hadoopConfDirComesFirstOnTheClasspathOfLocalAndEmbeddedSubmitJvms() {
    Map<String, String> env = Map.of("HADOOP_CONF_DIR", "/etc/hadoop/conf");
    for (List<String> args :
        List.of(List.of("weights", "hdfs:///runs/x"), List.of("--submit", "train"))) {
      String[] all = args.toArray(String[]::new);
      Scripts.Result r = dryRun("hadoop-conf", env, all);
      assertEquals(0, r.exitCode(), r.output());
      assertTrue(r.output().contains(" -cp /etc/hadoop/conf:"), args + ": " + r.output());
    }
  }

  /**
   * Standalone cluster deploy mode: spark-submit exits 0 however the driver ended and only logs its
   * final state (the line below is Spark 4.2's, seen in StandaloneClusterIT); the launcher turns
   * FAILED, ERROR and KILLED into exit 1.
   */
  @Test
  void aDriverThatFailedInClusterDeployModeFailsTheLauncher() throws IOException {
    Path home = Path.of("target", "reporting-spark-home").toAbsolutePath();
    Path submit = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
    Files.writeString(
        submit,
        """
        #!/bin/sh
        echo "12:49:32 INFO  ClientEndpoint: Driver successfully submitted as driver-20261127114927-0000"
        echo "12:49:42 INFO  ClientEndpoint: State of driver driver-20261127114927-0000 is $DRIVER_STATE, exiting spark-submit JVM."
        exit ${SUBMIT_EXIT:-0}
        """);
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, Integer> expected = Map.of("FINISHED", 0, "FAILED", 1, "ERROR", 1, "KILLED", 1);
    for (Map.Entry<String, Integer> e : expected.entrySet()) {
      Scripts.Result r =
          Scripts.run(
              "launcher-driver-" + e.getKey(),
              Map.of("SPARK_HOME", home.toString(), "DRIVER_STATE", e.getKey()),
              TIMEOUT,
              "marginflow",
              "--deploy-mode",
              "cluster",
              "train",
              "--master",
              "spark://127.0.0.1:7077");
      assertEquals(e.getValue(), r.exitCode(), e.getKey() + ":\n" + r.output());
      assertTrue(
          r.output().contains("is " + e.getKey()),
          "spark-submit's output is shown:\n" + r.output());
      assertEquals(
          e.getValue() == 1,
          r.output().contains("marginflow: the driver ended " + e.getKey()),
          r.output());
    }
    // spark-submit's own failure (e.g. the master is unreachable) keeps its exit code.
    Scripts.Result r =
        Scripts.run(
            "launcher-submit-fails",
            Map.of("SPARK_HOME", home.toString(), "DRIVER_STATE", "UNKNOWN", "SUBMIT_EXIT", "7"),
            TIMEOUT,
            "marginflow",
            "--deploy-mode",
            "cluster",
            "train",
            "--master",
            "spark://127.0.0.1:7077");
    assertEquals(7, r.exitCode(), r.output());
  }

  @Test
  void aUserConfOverridesTheLaunchersDefault() {
    Scripts.Result r =
        dryRun(
            "override",
            Map.of(),
            "--submit",
            "--conf",
            "spark.kryo.registrationRequired=false",
            "train");
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.output().contains("spark.kryo.registrationRequired=false"), r.output());
    assertTrue(!r.output().contains("spark.kryo.registrationRequired=true"), r.output());
  }

  @Test
  void impossibleCombinationsFailBeforeAnyJvmStarts() {
    List<List<String>> cases =
        List.of(
            List.of("train", "--master", "yarn"), // yarn needs HADOOP_CONF_DIR
            List.of("train", "--submit", "--data", "x"), // a launcher option after the command
            List.of("--deploy-mode", "cluster", "train"), // cluster mode needs submit
            List.of("--deploy-mode", "server", "--submit", "train"), // no such deploy mode
            List.of("--submit", "weights", "runs/x"), // weights runs locally
            List.of("--conf", "novalue", "train"), // --conf KEY=VALUE
            List.of("--bogus", "train")); // unknown launcher option
    for (List<String> c : cases) {
      Scripts.Result r =
          Scripts.run("launcher-bad", Map.of(), TIMEOUT, "marginflow", c.toArray(String[]::new));
      assertEquals(2, r.exitCode(), c + ":\n" + r.output());
      assertTrue(r.output().startsWith("marginflow: "), c + ":\n" + r.output());
    }
  }

  @Test
  void aLauncherOptionAfterTheCommandIsExplained() {
    for (String option : List.of("--submit", "--deploy-mode", "--conf", "--jar", "--dry-run")) {
      Scripts.Result r =
          Scripts.run(
              "launcher-option-late", Map.of(), TIMEOUT, "marginflow", "train", option, "x=y");
      assertEquals(2, r.exitCode(), r.output());
      assertEquals(
          "marginflow: "
              + option
              + " is a launcher option and goes before the command: marginflow "
              + option
              + " ... train ... (see marginflow --help)\n",
          r.output());
    }
  }

  @Test
  void yarnWithoutADistributionRunsSparkSubmitFromTheMavenJarsWithTheHadoopConfiguration() {
    Scripts.Result r =
        dryRun(
            "yarn-embedded",
            Map.of("HADOOP_CONF_DIR", "/etc/hadoop/conf"),
            "--deploy-mode",
            "cluster",
            "train",
            "--master",
            "yarn");
    assertEquals(0, r.exitCode(), r.output());
    String cmd = r.output();
    assertTrue(cmd.startsWith("java "), cmd);
    assertTrue(cmd.contains(" -cp /etc/hadoop/conf:"), cmd);
    assertTrue(cmd.contains("spark-yarn_2.13-4.2.0.jar"), "spark-yarn on the classpath: " + cmd);
    assertTrue(cmd.contains("org.apache.spark.deploy.SparkSubmit"), cmd);
    assertTrue(cmd.contains("--deploy-mode cluster --master yarn"), cmd);
  }

  @Test
  void helpDescribesTheLauncherOptions() {
    Scripts.Result r = Scripts.run("launcher-help", Map.of(), TIMEOUT, "marginflow", "--help");
    assertEquals(0, r.exitCode(), r.output());
    for (String option :
        List.of(
            "--submit",
            "--deploy-mode",
            "--conf",
            "--properties-file",
            "--jar",
            "--dry-run",
            "marginflow serve --root",
            "marginflow submit --server",
            "marginflow status --server",
            "marginflow stop --server")) {
      assertTrue(r.output().contains(option), option + " in:\n" + r.output());
    }
  }
}

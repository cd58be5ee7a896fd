package io.marginflow.deploy;

import io.marginflow.spark.cli.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;

/**
 * The settings of a {@code local-cluster[2,1,1024]} session inside a test JVM: the test {@code
 * SPARK_HOME} the Workers need (made here), loopback addresses, the test classpath and JVM flags
 * for the executors, scratch space under {@code target/}.
 */
final class LocalClusterSessions {

  private LocalClusterSessions() {}

  /** A configuration for an in-process local-cluster master; scratch under target/{@code dir}. */
  static SparkConf conf(String app, String dir) throws IOException {
    Path home = Path.of(System.getenv("SPARK_HOME"));
    Files.createDirectories(home.resolve("jars"));
    Files.writeString(
        home.resolve("RELEASE"), "Spark (test SPARK_HOME for local-cluster masters)\n");
    Path scratch = Path.of("target", dir).toAbsolutePath();
    Scratch.deleteRecursively(scratch);
    List<String> flags = new ArrayList<>();
    for (String line : Files.readAllLines(Scripts.ROOT.resolve("deploy/conf/java17-flags"))) {
      if (!line.isBlank() && !line.strip().startsWith("#")) {
        flags.add(line.strip());
      }
    }
    SparkConf conf =
        new SparkConf()
            .setMaster("local-cluster[2,1,1024]")
            .setAppName(app)
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.ui.enabled", "false")
            .set("spark.ui.showConsoleProgress", "false")
            .set("spark.local.dir", scratch.resolve("local").toString())
            .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
            .set("spark.executor.extraJavaOptions", String.join(" ", flags))
            .set("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    SparkSessions.configure(conf, 1L << 22);
    return conf;
  }
}

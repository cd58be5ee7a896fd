package io.marginflow.bench.suite;

import io.marginflow.spark.cli.SparkSessions;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session both sides of every comparison share: marginflow's Kryo settings ({@link
 * SparkSessions#configure}) except that registration is not required, so MLlib's own classes (not
 * in marginflow's registrator) serialize too. For {@code local-cluster[...]} masters the executors
 * get this JVM's classpath and module flags; the launching environment must provide {@code
 * SPARK_HOME} (a folder with {@code RELEASE} and {@code jars/}), {@code SPARK_SCALA_VERSION=2.13}
 * and {@code SPARK_LOCAL_IP=127.0.0.1} ({@code bench/bin/suite} does).
 */
public final class BenchSpark {

  private BenchSpark() {}

  /** A fresh session on {@code master} with scratch space under {@code scratch}. */
  public static SparkSession start(String master, File scratch) {
    SparkConf conf =
        new SparkConf(false)
            .setMaster(master)
            .setAppName("marginflow-bench")
            .set("spark.ui.enabled", "false")
            .set("spark.ui.showConsoleProgress", "false")
            .set("spark.driver.host", "127.0.0.1")
            .set("spark.driver.bindAddress", "127.0.0.1")
            .set("spark.sql.shuffle.partitions", "2")
            .set("spark.local.dir", new File(scratch, "local").getPath())
            .set("spark.sql.warehouse.dir", new File(scratch, "warehouse").getPath());
    SparkSessions.configure(conf, 1L << 22);
    conf.set("spark.kryo.registrationRequired", "false");
    if (master.startsWith("local-cluster")) {
      String flags =
          ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
              .filter(
                  a ->
                      a.startsWith("--add-")
                          || a.startsWith("-Djdk.")
                          || a.startsWith("-Dio.netty")
                          || a.startsWith("-XX:+IgnoreUnrecognized"))
              .collect(Collectors.joining(" "));
      conf.set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
          .set("spark.executor.extraJavaOptions", flags)
          .set("spark.executor.memory", "1g");
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }
}

package io.marginflow.bench.suite;

import io.marginflow.spark.cli.SparkSessions;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session both sides of every comparison share: marginflow's Kryo settings ({@link
 * SparkSessions#configure}) except that registration is not required, so MLlib's own classes (not
 * in marginflow's registrator) serialize too. For {@code local-cluster[...]} masters the executors
 * get this JVM's classpath and module flags; the launching environment must provide {@code
 * SPARK_HOME} (a folder with {@code RELEASE} and {@code jars/}), {@code SPARK_SCALA_VERSION=2.13}
 * and {@code SPARK_LOCAL_IP=127.0.0.1} ({@code bench/bin/suite} does). A local-cluster session is
 * returned once all its executors have registered.
 */
public final class BenchSpark {

  /**
   * System property with the executor heap of {@code local-cluster[...]} sessions (default 1g; the
   * M of {@code local-cluster[N,C,M]} must leave room for it).
   */
  public static final String EXECUTOR_MEMORY_PROPERTY = "marginflow.bench.executor-memory";

  /**
   * System property with {@code spark.memory.fraction} for the session (Spark's default 0.6 when
   * unset): the share of (heap − 300 MiB) that execution and cached blocks may use.
   */
  public static final String MEMORY_FRACTION_PROPERTY = "marginflow.bench.memory-fraction";

  /**
   * System property with more JVM options for the executors of {@code local-cluster[...]} sessions,
   * appended to the module flags (e.g. GC logging, native memory tracking, GC sizing flags).
   */
  public static final String EXECUTOR_JAVA_OPTIONS_PROPERTY =
      "marginflow.bench.executor-java-options";

  /**
   * System property with more Spark settings for the session, as {@code key=value} pairs separated
   * by {@code ;} (e.g. {@code spark.hadoop.io.file.buffer.size=4096}).
   */
  public static final String SPARK_CONF_PROPERTY = "marginflow.bench.spark-conf";

  /** How long {@link #start} waits for local-cluster executors to register. */
  private static final long EXECUTOR_WAIT_MS = 120_000;

  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]");

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
      String more = System.getProperty(EXECUTOR_JAVA_OPTIONS_PROPERTY, "").trim();
      flags = more.isEmpty() ? flags : flags + " " + more;
      conf.set("spark.executor.extraClassPath", absoluteClassPath())
          .set("spark.executor.extraJavaOptions", flags)
          .set("spark.executor.memory", System.getProperty(EXECUTOR_MEMORY_PROPERTY, "1g"));
    }
    String fraction = System.getProperty(MEMORY_FRACTION_PROPERTY);
    if (fraction != null) {
      conf.set("spark.memory.fraction", fraction);
    }
    settings(System.getProperty(SPARK_CONF_PROPERTY, "")).forEach(conf::set);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    int executors = executors(master);
    if (executors > 0) {
      awaitExecutors(spark, executors);
    }
    return spark;
  }

  /**
   * The settings of {@link #SPARK_CONF_PROPERTY}: {@code key=value} pairs separated by {@code ;},
   * trimmed, in order; blank entries are skipped, an entry without a key or {@code =} is refused.
   */
  static java.util.Map<String, String> settings(String pairs) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (String kv : pairs.split(";")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0 || kv.substring(0, eq).isBlank()) {
        throw new IllegalArgumentException(
            SPARK_CONF_PROPERTY + ": expected key=value, got '" + kv.trim() + "'");
      }
      out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return out;
  }

  /**
   * This JVM's class path with every entry made absolute: executors start in the worker's own
   * directory, where the relative entries of {@code bench/bin/suite} ({@code bench/target/classes}
   * …) do not resolve — they would then load marginflow from the {@code ~/.m2} SNAPSHOT jars
   * further down the path (possibly another checkout's build) and not find the bench classes at
   * all.
   */
  static String absoluteClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.isEmpty())
        .map(e -> new File(e).getAbsolutePath())
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** The executor count N of {@code local-cluster[N,C,M]}; 0 for other masters. */
  public static int executors(String master) {
    Matcher m = LOCAL_CLUSTER.matcher(master);
    return m.matches() ? Integer.parseInt(m.group(1)) : 0;
  }

  /** The total executor cores N·C of {@code local-cluster[N,C,M]}; 0 for other masters. */
  public static int executorCores(String master) {
    Matcher m = LOCAL_CLUSTER.matcher(master);
    return m.matches() ? Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2)) : 0;
  }

  /**
   * Waits until {@code n} executors have registered (the session returns before they do, and work
   * submitted earlier would all land on the first one).
   */
  static void awaitExecutors(SparkSession spark, int n) {
    long deadline = System.nanoTime() + EXECUTOR_WAIT_MS * 1_000_000L;
    while (registeredExecutors(spark) < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "local-cluster: expected "
                + n
                + " executors within "
                + EXECUTOR_WAIT_MS
                + " ms, got "
                + registeredExecutors(spark));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors", e);
      }
    }
  }

  /** Executors registered with the session's driver (the driver itself not counted). */
  static int registeredExecutors(SparkSession spark) {
    return spark.sparkContext().statusTracker().getExecutorInfos().length - 1;
  }
}

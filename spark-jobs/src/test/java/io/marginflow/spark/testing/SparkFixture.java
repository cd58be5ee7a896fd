package io.marginflow.spark.testing;

import io.marginflow.spark.MarginflowKryoRegistrator;
import java.io.File;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * One {@link SparkSession} per test JVM ({@code local[2]}), created lazily on first use (~5 s) and
 * stopped by a JVM shutdown hook. It runs as production does: Kryo with {@code
 * spark.kryo.registrationRequired=true} and {@link MarginflowKryoRegistrator}, so a class shipped
 * without registration fails the test. The UI is off, the driver binds to 127.0.0.1, shuffles use 2
 * partitions, and scratch space is under {@code target/}. Do not stop the session in a test.
 */
public final class SparkFixture {

  private static final File SCRATCH = Scratch.dir("spark-scratch");
  private static SparkSession session;

  private SparkFixture() {}

  /** The settings of the shared session (also usable to build a bare {@code KryoSerializer}). */
  public static SparkConf conf() {
    return new SparkConf()
        .setMaster("local[2]")
        .setAppName("marginflow-tests")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrationRequired", "true")
        .set("spark.kryo.unsafe", "true")
        .set("spark.kryo.registrator", MarginflowKryoRegistrator.class.getName())
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.default.parallelism", "2")
        .set("spark.local.dir", SCRATCH.getPath())
        .set("spark.sql.warehouse.dir", new File(SCRATCH, "warehouse").getPath())
        .set("spark.hadoop.dfs.client.block.write.replace-datanode-on-failure.policy", "NEVER");
  }

  /** The shared session, created on first call. */
  public static synchronized SparkSession spark() {
    if (session == null) {
      SparkSession s = SparkSession.builder().config(conf()).getOrCreate();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    s.stop();
                    Scratch.deleteRecursively(SCRATCH.toPath());
                  },
                  "spark-fixture-shutdown"));
      session = s;
    }
    return session;
  }

  /** The shared session's Java context. */
  public static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }
}

package io.marginflow.spark.cli;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.MarginflowKryoRegistrator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a run: Kryo with registration required and marginflow's registrator, a Kryo
 * buffer large enough for θ, task results of that size sent directly, uncompressed broadcasts, and
 * the master from the config unless {@code spark-submit} already set one. Settings given by the
 * user win.
 */
public final class SparkSessions {

  private SparkSessions() {}

  /** Applies marginflow's serializer settings to {@code conf} (θ of {@code parameters} doubles). */
  public static SparkConf configure(SparkConf conf, long parameters) {
    long bytes = Math.max(64L << 20, 4 * 8 * parameters + (16L << 20));
    long mb = Math.min(2047, (bytes + (1 << 20) - 1) >> 20);
    return conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", MarginflowKryoRegistrator.class.getName())
        .set("spark.kryo.registrationRequired", "true")
        // Unsafe Kryo streams copy primitive arrays (θ, gradients, blocks) in bulk.
        .set("spark.kryo.unsafe", conf.get("spark.kryo.unsafe", "true"))
        .set(
            "spark.kryoserializer.buffer.max",
            conf.get("spark.kryoserializer.buffer.max", mb + "m"))
        // A partition's sum is a gradient of d doubles; above Spark's 1 MiB default it would be
        // parked in the executor's block manager and fetched back over the block transfer service
        // (MNIST mlp:784-256-256-1, d = 266k: 49 → 44.5 ms per step). Spark caps this at the RPC
        // message size.
        .set("spark.task.maxDirectResultSize", conf.get("spark.task.maxDirectResultSize", mb + "m"))
        // θ is broadcast every step above 65,536 parameters, and random doubles do not compress:
        // LZ4 only costs driver CPU (d = 266k: 2.6–2.8 → 1.7–2.3 ms per broadcast, measured
        // alternately in one JVM). Broadcast checksums stay on.
        .set("spark.broadcast.compress", conf.get("spark.broadcast.compress", "false"));
  }

  /** A session for the run (gets the existing one when called under spark-submit). */
  public static SparkSession forRun(TrainConfig config) {
    return session(config.cluster().master(), "marginflow", false);
  }

  /**
   * A session for a sweep: as {@link #forRun}, with the FAIR scheduler (each run of the sweep
   * submits its jobs in its own pool) unless {@code spark.scheduler.mode} is given.
   */
  public static SparkSession forSweep(String master) {
    return session(master, "marginflow-sweep", true);
  }

  /** A session for a tool command such as {@code kkt} (FIFO scheduling). */
  public static SparkSession forTool(String master, String appName) {
    return session(master, appName, false);
  }

  private static SparkSession session(String master, String appName, boolean fair) {
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(master);
    }
    conf.setIfMissing("spark.app.name", appName);
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    if (fair) {
      conf.setIfMissing("spark.scheduler.mode", "FAIR");
    }
    configure(conf, 1L << 22);
    return SparkSession.builder().config(conf).getOrCreate();
  }
}

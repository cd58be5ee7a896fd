package io.marginflow.spark.job;

import java.util.Locale;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.RDDInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Whether a run's cached blocks fit in the executors' storage memory. Blocks are persisted {@code
 * MEMORY_AND_DISK}: a block that does not fit would be spilled to disk, and every step (which scans
 * its partition's blocks) would read it back. So the run states at its start how much memory the
 * cached data need and how much the executors can hold, refuses to start when the estimate exceeds
 * it ({@link #checkEstimate}), and fails right after caching if Spark spilled anything to disk
 * anyway ({@link #checkCached}); both messages give the figures and the remedies.
 */
public final class CacheFit {
  private static final Logger LOG = LoggerFactory.getLogger(CacheFit.class);

  private CacheFit() {}

  /**
   * Storage memory the executors that hold cached blocks offer: the driver's in local mode, else
   * the sum over registered executors plus, for configured executors not registered yet, as much as
   * the largest registered one (0 when none has registered yet).
   *
   * @return {bytes, executors}
   */
  static long[] storageMemory(JavaSparkContext sc) {
    String driver = SparkEnv.get().blockManager().blockManagerId().hostPort();
    long bytes = 0;
    long largest = 0;
    long executors = 0;
    scala.collection.Iterator<Tuple2<String, Tuple2<Object, Object>>> it =
        sc.sc().getExecutorMemoryStatus().iterator();
    while (it.hasNext()) {
      Tuple2<String, Tuple2<Object, Object>> e = it.next();
      boolean isDriver = e._1().equals(driver);
      if (isDriver == sc.isLocal()) {
        long max = (Long) e._2()._1();
        bytes += max;
        largest = Math.max(largest, max);
        executors++;
      }
    }
    // Executors still registering count as the registered ones do (the fit is checked for real
    // after caching): the configured count, or the most dynamic allocation may add.
    if (executors == 0) {
      return new long[] {0, 0};
    }
    long expected =
        sc.isLocal() ? executors : Math.min(1 << 16, Math.max(executors, configuredExecutors(sc)));
    return new long[] {bytes + (expected - executors) * largest, expected};
  }

  private static long configuredExecutors(JavaSparkContext sc) {
    if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      return sc.getConf().getLong("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE);
    }
    return sc.getConf().getLong("spark.executor.instances", 0);
  }

  /**
   * Logs the memory the cached data need ({@code estimatedBytes}) and what the executors can hold;
   * throws a {@link CacheDoesNotFitException} when it is more. Skipped (logged) when no executor
   * has registered yet.
   */
  public static void checkEstimate(JavaSparkContext sc, long estimatedBytes) {
    long[] mem = storageMemory(sc);
    if (mem[1] == 0) {
      LOG.info(
          "cached data need ~{}; no executor has registered yet, the fit is checked after caching",
          mib(estimatedBytes));
      return;
    }
    LOG.info(
        "cached data need ~{}; the {} holding them can cache {}",
        mib(estimatedBytes),
        holders(sc, mem[1]),
        mib(mem[0]));
    if (estimatedBytes > mem[0]) {
      throw new CacheDoesNotFitException(
          "cached data need ~"
              + mib(estimatedBytes)
              + " but the "
              + holders(sc, mem[1])
              + " can cache at most "
              + mib(mem[0])
              + remedies(sc));
    }
  }

  /**
   * After {@code blocks} were persisted and materialized: throws (after unpersisting them) when
   * Spark kept any of them on disk rather than in memory.
   */
  public static void checkCached(JavaSparkContext sc, JavaRDD<?> blocks, long cachedBytes) {
    for (RDDInfo info : sc.sc().getRDDStorageInfo()) {
      if (info.id() == blocks.id() && info.diskSize() > 0) {
        long[] mem = storageMemory(sc);
        blocks.unpersist(false);
        throw new CacheDoesNotFitException(
            "cached data need "
                + mib(cachedBytes)
                + " but only "
                + mib(info.memSize())
                + " stayed in memory ("
                + mib(info.diskSize())
                + " spilled to disk; the "
                + holders(sc, mem[1])
                + " can cache at most "
                + mib(mem[0])
                + ")"
                + remedies(sc));
      }
    }
  }

  private static String holders(JavaSparkContext sc, long executors) {
    return sc.isLocal() ? "driver (local mode)" : executors + " executor(s)";
  }

  private static String remedies(JavaSparkContext sc) {
    return String.format(
        Locale.ROOT,
        " (storage memory is about (%s − 300 MiB) × spark.memory.fraction %s per executor):"
            + " steps would read spilled blocks from disk. Give the executors more memory"
            + " (spark.executor.memory%s), add executors, or use --feature-storage float",
        sc.isLocal() ? "driver heap" : "spark.executor.memory",
        sc.getConf().get("spark.memory.fraction", "0.6"),
        sc.isLocal() ? ", or the driver's heap in local mode" : "");
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /** The cached data of a run do not fit in the executors' storage memory. */
  public static final class CacheDoesNotFitException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    CacheDoesNotFitException(String message) {
      super(message);
    }
  }
}

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
   * the sum over registered executors (0 when none has registered yet).
   *
   * @return {bytes, executors}
   */
  static long[] storageMemory(JavaSparkContext sc) {
    String driver = SparkEnv.get().blockManager().blockManagerId().hostPort();
    long bytes = 0;
    long executors = 0;
    scala.collection.Iterator<Tuple2<String, Tuple2<Object, Object>>> it =
        sc.sc().getExecutorMemoryStatus().iterator();
    while (it.hasNext()) {
      Tuple2<String, Tuple2<Object, Object>> e = it.next();
      boolean isDriver = e._1().equals(driver);
      if (isDriver == sc.isLocal()) {
        bytes += (Long) e._2()._1();
        executors++;
      }
    }
    return new long[] {bytes, executors};
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

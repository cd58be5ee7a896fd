package io.marginflow.bench.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * Resident-set figures of the executor JVMs of a session, read inside the executors: a tiny Spark
 * job whose tasks report their JVM's executor id, pid, VmHWM and VmRSS ({@code /proc/self/status})
 * and the executor's storage memory. Tasks are repeated until every registered executor has
 * answered, so no process table is scraped and no pid is guessed.
 */
public final class ExecutorProbe {

  /** How long each probe task sleeps, so that the tasks spread over all executors. */
  private static final long PROBE_TASK_MS = 100;

  /** Probe jobs tried before giving up on an executor that never receives a task. */
  private static final int MAX_ATTEMPTS = 5;

  /**
   * One executor JVM as seen from inside.
   *
   * @param executorId Spark's executor id ("driver" in local mode)
   * @param host host name
   * @param pid process id
   * @param peakRssKb VmHWM in kB (−1 where unsupported)
   * @param rssKb VmRSS in kB (−1 where unsupported)
   * @param storageUsedBytes storage memory in use (cached blocks and broadcasts)
   * @param storageMaxBytes on-heap storage memory available
   * @param heapMaxBytes the JVM's maximum heap
   * @param cpuSeconds the JVM's CPU seconds so far, all threads (NaN where unsupported)
   */
  public record Sample(
      String executorId,
      String host,
      long pid,
      long peakRssKb,
      long rssKb,
      long storageUsedBytes,
      long storageMaxBytes,
      long heapMaxBytes,
      double cpuSeconds) {

    /** Tab-separated, for the trip from executor to driver (Kryo cannot write records). */
    String encode() {
      return String.join(
          "\t",
          executorId,
          host,
          "" + pid,
          "" + peakRssKb,
          "" + rssKb,
          "" + storageUsedBytes,
          "" + storageMaxBytes,
          "" + heapMaxBytes,
          "" + cpuSeconds);
    }

    static Sample decode(String line) {
      String[] f = line.split("\t", -1);
      return new Sample(
          f[0],
          f[1],
          Long.parseLong(f[2]),
          Long.parseLong(f[3]),
          Long.parseLong(f[4]),
          Long.parseLong(f[5]),
          Long.parseLong(f[6]),
          Long.parseLong(f[7]),
          Double.parseDouble(f[8]));
    }
  }

  private ExecutorProbe() {}

  /**
   * The executors of {@code sc} (one sample per executor id, in id order), waiting for at least
   * {@code executors} distinct ones over up to {@link #MAX_ATTEMPTS} probe jobs; fewer are returned
   * if some never run a task (the caller reports the count).
   */
  public static List<Sample> probe(SparkContext sc, int executors) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    int tasks = Math.max(2, 4 * executors);
    List<Integer> seeds = IntStream.range(0, tasks).boxed().toList();
    Map<String, Sample> seen = new TreeMap<>();
    for (int a = 0; a < MAX_ATTEMPTS && seen.size() < executors; a++) {
      jsc.setJobDescription("bench: executor RSS probe");
      List<String> got = jsc.parallelize(seeds, tasks).map(i -> here().encode()).collect();
      for (String line : got) {
        Sample s = Sample.decode(line);
        seen.put(s.executorId(), s); // VmHWM only grows: the latest answer per executor is kept
      }
    }
    jsc.setJobDescription(null);
    return new ArrayList<>(seen.values());
  }

  /** Runs inside a task: this JVM's figures. */
  static Sample here() throws InterruptedException {
    Thread.sleep(PROBE_TASK_MS);
    SparkEnv env = SparkEnv.get();
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "?";
    }
    return new Sample(
        env.executorId(),
        host,
        ProcessHandle.current().pid(),
        ProcStatus.peakRssKb(),
        ProcStatus.rssKb(),
        env.memoryManager().onHeapStorageMemoryUsed(),
        env.memoryManager().maxOnHeapStorageMemory(),
        Runtime.getRuntime().maxMemory(),
        CpuClock.seconds());
  }

  /** Counts executors removed (lost, killed or failed) while it is registered. */
  public static final class LossCounter extends SparkListener {
    private final AtomicInteger removed = new AtomicInteger();
    private final List<String> reasons = new ArrayList<>();

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
      removed.incrementAndGet();
      synchronized (reasons) {
        reasons.add(e.executorId() + ": " + e.reason());
      }
    }

    /** Executors removed so far. */
    public int removed() {
      return removed.get();
    }

    /** "id: reason" of each removal. */
    public List<String> reasons() {
      synchronized (reasons) {
        return List.copyOf(reasons);
      }
    }
  }
}

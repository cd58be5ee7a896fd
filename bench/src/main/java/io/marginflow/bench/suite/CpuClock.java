package io.marginflow.bench.suite;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * This JVM's CPU seconds (all threads: tasks, GC, JIT), for comparisons on a shared machine where
 * wall time swings with other processes' load: in {@code local[*]} mode the driver and the executor
 * are this JVM, so the CPU time of a phase is its whole cost.
 */
public final class CpuClock {

  private CpuClock() {}

  /** CPU seconds of this process so far, or NaN where the platform does not tell. */
  public static double seconds() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long ns = os.getProcessCpuTime();
      return ns < 0 ? Double.NaN : ns / 1e9;
    }
    return Double.NaN;
  }

  /**
   * CPU seconds so far of this JVM plus, for a {@code local-cluster[N,…]} or cluster session with
   * {@code executors} > 0, of every executor JVM (read inside them by {@link ExecutorProbe}): the
   * whole cost of a phase when executors are separate processes. The probe's own tasks sleep and
   * cost next to nothing, but take ≈ 0.1 s of wall time: read wall clocks outside this call.
   */
  public static double clusterSeconds(org.apache.spark.SparkContext sc, int executors) {
    double total = seconds();
    if (executors > 0) {
      for (ExecutorProbe.Sample s : ExecutorProbe.probe(sc, executors)) {
        if (!"driver".equals(s.executorId())) {
          total += s.cpuSeconds();
        }
      }
    }
    return total;
  }

  /** The median of {@code v} (the upper one for an even count). */
  public static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}

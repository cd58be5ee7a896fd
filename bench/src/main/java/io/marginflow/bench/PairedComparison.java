package io.marginflow.bench;

import io.marginflow.common.net.BlasInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Interleaved timing of a network step (the dense MLP, or with a second argument {@code cnn} the
 * CNN of {@link CnnGemmBenchmark}) and the bare BLAS calls of the same step, for a shared, noisy
 * machine: the two alternate call by call, so interference hits both alike, and the minimum and
 * median over many repetitions are compared. A complement to the JMH numbers, not a replacement.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp bench/target/benchmarks.jar io.marginflow.bench.PairedComparison [reps] [cnn [single]]
 * </pre>
 */
public final class PairedComparison {

  private PairedComparison() {}

  /** Runs warm-up, then {@code reps} (default 400) alternating pairs, and prints a summary. */
  public static void main(String[] args) {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    if (args.length > 1 && args[1].equals(Workload.CNN.key())) {
      System.out.print(cnnReport(reps, args.length > 2 ? args[2] : "double"));
    } else {
      System.out.print(report(reps));
    }
  }

  /** The CNN's double step against {@link CnnGemmBenchmark}, interleaved; the Markdown summary. */
  public static String cnnReport(int reps) {
    return cnnReport(reps, "double");
  }

  /**
   * The CNN's step in {@code precision} (double or single) against {@link CnnGemmBenchmark}'s
   * DGEMMs of the same flops, interleaved; the Markdown summary.
   */
  public static String cnnReport(int reps, String precision) {
    NetworkStepBenchmark net = new NetworkStepBenchmark();
    net.workload = Workload.CNN.key();
    net.precision = precision;
    net.setUp();
    CnnGemmBenchmark blas = new CnnGemmBenchmark();
    blas.setUp();
    return interleave(
        net,
        blas::step,
        blas::forward,
        Workload.CNN,
        precision,
        "DGEMM",
        new double[] {CnnGemmBenchmark.stepFlops(), CnnGemmBenchmark.forwardFlops()},
        reps);
  }

  /**
   * Runs warm-up, then {@code reps} alternating pairs, for the double kernels against DGEMM and the
   * single-precision kernels ({@code --precision single}) against SGEMM; returns the Markdown
   * summary.
   */
  public static String report(int reps) {
    return pairs("double", reps) + "\n" + pairs("single", reps);
  }

  private static String pairs(String precision, int reps) {
    NetworkStepBenchmark net = new NetworkStepBenchmark();
    net.workload = Workload.MLP_DENSE.key();
    net.precision = precision;
    net.setUp();
    DgemmBenchmark blas = new DgemmBenchmark();
    blas.precision = precision;
    blas.setUp();
    String gemm = precision.equals("single") ? "SGEMM" : "DGEMM";
    return interleave(
        net,
        blas::step,
        blas::forward,
        Workload.MLP_DENSE,
        precision,
        gemm,
        new double[] {DgemmBenchmark.stepFlops(), DgemmBenchmark.forwardFlops()},
        reps);
  }

  private static String interleave(
      NetworkStepBenchmark net,
      DoubleSupplier blasStep,
      DoubleSupplier blasForward,
      Workload workload,
      String precision,
      String gemm,
      double[] blasFlops,
      int reps) {
    double sink = 0;
    for (int i = 0; i < Math.min(200, 10 * reps); i++) { // JIT warm-up of both paths
      sink += net.step() + blasStep.getAsDouble() + net.forward() + blasForward.getAsDouble();
      sink += net.forwardValues();
    }
    long[][] t = new long[5][reps];
    long[][] cpu = new long[5][reps]; // this thread's CPU time: blind to time spent descheduled
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    DoubleSupplier[] calls = {net::step, blasStep, net::forward, blasForward, net::forwardValues};
    for (int i = 0; i < reps; i++) {
      for (int k = 0; k < 5; k++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        sink += calls[k].getAsDouble();
        t[k][i] = System.nanoTime() - t0;
        cpu[k][i] = threads.getCurrentThreadCpuTime() - c0;
      }
    }
    for (int k = 0; k < 5; k++) {
      Arrays.sort(t[k]);
      Arrays.sort(cpu[k]);
    }
    String[] names = {
      "network step (" + precision + ")",
      "BLAS-only step (" + gemm + ")",
      "network forward (" + precision + ")",
      "BLAS-only forward (" + gemm + ")",
      "network forward, values only (" + precision + ")"
    };
    double[] flops = {
      workload.stepFlops(),
      blasFlops[0],
      workload.forwardFlops(),
      blasFlops[1],
      workload.forwardFlops()
    };
    StringBuilder sb = new StringBuilder();
    sb.append("BLAS: ")
        .append(BlasInfo.implementation())
        .append(", ")
        .append(workload.spec())
        .append(", ")
        .append(workload.rows())
        .append(" rows, ")
        .append(precision)
        .append(", ")
        .append(reps)
        .append(" interleaved repetitions\n\n");
    sb.append(
        "| case | min ms | median ms | GFLOP/s at min | GFLOP/s at median |\n|---|---:|---:|---:|---:|\n");
    for (int k = 0; k < 5; k++) {
      double min = t[k][0] / 1e6;
      double med = t[k][reps / 2] / 1e6;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.3f | %.3f | %.2f | %.2f |\n",
              names[k],
              min,
              med,
              flops[k] / min / 1e6,
              flops[k] / med / 1e6));
    }
    sb.append('\n').append(ratios("network / BLAS-only time ratio", t, gemm, reps));
    sb.append(ratios("thread CPU time ratio (same calls)", cpu, gemm, reps));
    sb.append(
        String.format(
            Locale.ROOT,
            "thread CPU ms, min / median: network step %.3f / %.3f, BLAS-only step %.3f / %.3f,"
                + " network forward %.3f / %.3f, BLAS-only forward %.3f / %.3f, network forward"
                + " values only %.3f / %.3f\n",
            cpu[0][0] / 1e6,
            cpu[0][reps / 2] / 1e6,
            cpu[1][0] / 1e6,
            cpu[1][reps / 2] / 1e6,
            cpu[2][0] / 1e6,
            cpu[2][reps / 2] / 1e6,
            cpu[3][0] / 1e6,
            cpu[3][reps / 2] / 1e6,
            cpu[4][0] / 1e6,
            cpu[4][reps / 2] / 1e6));
    sb.append("\n# checksum (keeps the work alive): ").append(sink).append('\n');
    return sb.toString();
  }

  /**
   * "label → % of GEMM rate: step …" from sorted times t[0..4] (net step, BLAS step, net forward,
   * BLAS forward, net forward values only).
   */
  private static String ratios(String label, long[][] t, String gemm, int reps) {
    return String.format(
        Locale.ROOT,
        "%s → %% of %s rate: step %.0f %% (min) %.0f %% (median), forward %.0f %% (min) %.0f %%"
            + " (median), forward values only %.0f %% (min) %.0f %% (median)\n",
        label,
        gemm,
        100.0 * t[1][0] / t[0][0],
        100.0 * t[1][reps / 2] / t[0][reps / 2],
        100.0 * t[3][0] / t[2][0],
        100.0 * t[3][reps / 2] / t[2][reps / 2],
        100.0 * t[3][0] / t[4][0],
        100.0 * t[3][reps / 2] / t[4][reps / 2]);
  }
}

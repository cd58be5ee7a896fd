package io.marginflow.bench;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

/**
 * Runs the benchmarks with the usual JMH command-line arguments and prints a Markdown table with
 * blocks/s, rows/s, GEMM GFLOP/s and, for the dense MLP and the CNN, the percentage of the
 * bare-DGEMM rate of the same flops.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.marginflow.bench.BenchReport -f 1 -wi 2 -i 3 -w 2s -r 2s
 * </pre>
 */
public final class BenchReport {

  private BenchReport() {}

  /** Entry point; arguments are JMH's. */
  public static void main(String[] args) throws Exception {
    Options options = new CommandLineOptions(args);
    Collection<RunResult> results = new Runner(options).run();
    System.out.println(table(results));
  }

  static String table(Collection<RunResult> results) throws RunnerException {
    Map<String, double[]> rows = new TreeMap<>();
    for (RunResult run : results) {
      String bench = run.getParams().getBenchmark();
      String method = bench.substring(bench.lastIndexOf('.') + 1);
      String cls = bench.substring(0, bench.lastIndexOf('.'));
      cls = cls.substring(cls.lastIndexOf('.') + 1);
      Result<?> r = run.getPrimaryResult();
      String name;
      double flops;
      int blockRows;
      if (cls.equals("DgemmBenchmark")) {
        name = "dgemm-only mlp-dense " + method;
        flops = method.equals("step") ? DgemmBenchmark.stepFlops() : DgemmBenchmark.forwardFlops();
        blockRows = Workload.MLP_DENSE.rows();
      } else if (cls.equals("CnnGemmBenchmark")) {
        name = "dgemm-only cnn " + method;
        flops =
            method.equals("step") ? CnnGemmBenchmark.stepFlops() : CnnGemmBenchmark.forwardFlops();
        blockRows = Workload.CNN.rows();
      } else {
        Workload w = Workload.of(run.getParams().getParam("workload"));
        name = "network " + w.key() + " " + method;
        flops = method.equals("step") ? w.stepFlops() : w.forwardFlops();
        blockRows = w.rows();
      }
      double best = 0;
      for (BenchmarkResult b : run.getBenchmarkResults()) {
        for (IterationResult it : b.getIterationResults()) {
          best = Math.max(best, it.getPrimaryResult().getScore());
        }
      }
      rows.put(name, new double[] {r.getScore(), r.getScoreError(), blockRows, flops, best});
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| case | rows/block | blocks/s (mean ± 99.9% CI) | rows/s | GFLOP/s | % of DGEMM"
            + " | best-iteration GFLOP/s | % of DGEMM (best) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, double[]> e : rows.entrySet()) {
      double[] v = e.getValue();
      String pct = "";
      String pctBest = "";
      if (e.getKey().startsWith("network ")) {
        // "network <workload> <method>" against "dgemm-only <workload> <method>" when measured
        double[] base = rows.get("dgemm-only " + e.getKey().substring("network ".length()));
        if (base != null) { // same block, same flops: the ratio of blocks/s is the ratio of GFLOP/s
          pct = String.format(Locale.ROOT, "%.0f %%", 100.0 * v[0] / base[0]);
          pctBest = String.format(Locale.ROOT, "%.0f %%", 100.0 * v[4] / base[4]);
        }
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f ± %.1f | %.0f | %.2f | %s | %.2f | %s |\n",
              e.getKey(),
              (int) v[2],
              v[0],
              v[1],
              v[0] * v[2],
              v[0] * v[3] / 1e9,
              pct,
              v[4] * v[3] / 1e9,
              pctBest));
    }
    return sb.toString();
  }
}

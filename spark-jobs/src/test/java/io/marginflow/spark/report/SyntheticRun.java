package io.marginflow.spark.report;

import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MarginQuantiles;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small run directories written by hand for reader and chart tests (no Spark): a two-layer model
 * whose rows follow simple closed forms — ‖θ‖^L = 2 ln(k+1) + 1, m(u) = 0.1 − 1/(k+1) (positive
 * from k = 10 on), log 𝓛 = −k/10.
 */
final class SyntheticRun {

  private SyntheticRun() {}

  static Manifest manifest(String runId) {
    return manifest(runId, "iid");
  }

  /** The manifest with another sampler ({@code iid}, {@code reshuffle}, {@code full}). */
  static Manifest manifest(String runId, String sampler) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model", "mlp:4-3-1");
    config.put("resolved_model", "mlp:4-3-1");
    config.put("loss", "exp");
    config.put("sampler", sampler);
    config.put("step", "0.5");
    config.put("batch", "8");
    config.put("degree", 2);
    config.put("train_rows", 40);
    return new Manifest(
        runId,
        config,
        List.of(),
        new Manifest.Versions("0.1.0-SNAPSHOT", "abc", "4.2.0", "3.5.0", "17"),
        "F2jBLAS",
        new Manifest.Conventions(Manifest.Conventions.RISK_MEAN, 0, sampler, "sgd"),
        Instant.parse("2026-01-02T03:04:05Z"),
        "host");
  }

  static double normPowL(long k) {
    return 2 * Math.log(k + 1) + 1;
  }

  static double margin(long k) {
    return 0.1 - 1.0 / (k + 1);
  }

  static StepRow step(long k) {
    double norm = Math.sqrt(normPowL(k));
    return new StepRow(
        MetricsJson.SCHEMA,
        k,
        0.5,
        -k / 10.0 + 0.01,
        margin(k) * normPowL(k),
        norm,
        0.1,
        0.01,
        0.05,
        0.01,
        1.5,
        Math.log(0.5));
  }

  static EvalRow eval(long k, String split, List<String> flags) {
    double npl = normPowL(k);
    double m = margin(k);
    double n1 = Math.sqrt(npl / 2);
    MarginQuantiles q =
        new MarginQuantiles(m, m + 0.01, m + 0.02, m + 0.05, m + 0.1, m + 0.15, m + 0.2, m + 0.3);
    return new EvalRow(
        MetricsJson.SCHEMA,
        k,
        split,
        40,
        -k / 10.0,
        k < 10 ? 0.1 : 0.0,
        Math.sqrt(npl),
        npl,
        new double[] {n1, n1},
        n1 * n1,
        new double[] {0, 0.001 * k},
        m * npl,
        (m + 0.3) * npl,
        m,
        m * 1.1,
        m - 0.05,
        q,
        new long[] {1, 2, 4, 8, 16, 32, 40},
        3.5,
        -1 - k / 100.0,
        k / 50.0,
        0,
        1.0 / (k + 1),
        1 - 1.0 / (k + 2),
        k == 0 ? Double.NaN : 0.01,
        k == 0 ? Double.NaN : 0.02,
        flags);
  }

  /** Steps 0..steps−1 and evaluations (train, test) at 0, 1, 2, 5, 10, 20, 50, … ≤ steps. */
  static void write(Path dir, String runId, int steps, boolean status) throws IOException {
    write(dir, manifest(runId), steps, status);
  }

  /** The same rows under the given manifest. */
  static void write(Path dir, Manifest manifest, int steps, boolean status) throws IOException {
    Files.createDirectories(dir.resolve("metrics"));
    Files.createDirectories(dir.resolve("checkpoints"));
    Files.write(dir.resolve("manifest.json"), manifest.toJson());
    StringBuilder s = new StringBuilder();
    for (int k = 0; k < steps; k++) {
      s.append(MetricsJson.toJsonLine(step(k))).append('\n');
    }
    Files.writeString(dir.resolve("metrics/steps.jsonl"), s, StandardCharsets.UTF_8);
    StringBuilder e = new StringBuilder();
    for (long k : evalSteps(steps)) {
      List<String> flags = k == 10 ? List.of("separated") : List.of();
      e.append(MetricsJson.toJsonLine(eval(k, EvalRow.TRAIN, flags))).append('\n');
      e.append(MetricsJson.toJsonLine(eval(k, EvalRow.TEST, List.of()))).append('\n');
    }
    Files.writeString(dir.resolve("metrics/eval.jsonl"), e, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("checkpoints/LATEST"), steps + "\n");
    if (status) {
      Files.writeString(
          dir.resolve("status.json"),
          "{\"state\":\"finished\",\"reason\":\"steps\",\"step\":" + steps + "}\n");
    }
  }

  static List<Long> evalSteps(int steps) {
    List<Long> out = new ArrayList<>();
    for (long d = 1; d <= steps; d *= 10) {
      for (long m : new long[] {1, 2, 5}) {
        if (m * d <= steps) {
          out.add(m * d);
        }
      }
    }
    out.add(0, 0L);
    if (out.get(out.size() - 1) != steps) {
      out.add((long) steps);
    }
    return out;
  }
}

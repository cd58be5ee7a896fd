package io.marginflow.spark.sweep;

import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.check.RunValidator;
import io.marginflow.spark.check.ValidationOptions;
import io.marginflow.spark.check.ValidationReport;
import io.marginflow.spark.job.DataScanner;
import java.io.PrintStream;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code marginflow sweep --dry-run} (and {@code marginflow check} of a sweep file): the sweep's
 * plan — every run's id, grid point and seed — with each run checked as {@code marginflow check}
 * checks a run (its config, its data read and validated, its output directory), without a Spark
 * session and without writing anything. Runs that differ only in their seed are checked once.
 */
public final class SweepDryRun {

  private SweepDryRun() {}

  /** Prints the plan and every run's verdict; true if every run would start. */
  public static boolean check(SweepSpec spec, Configuration conf, PrintStream out) {
    Instant now = Instant.now();
    String id = spec.sweepId(now);
    SweepManifest plan = spec.plan(id, now);
    String dir = spec.root() + "/" + id;
    out.println(
        plan.runs().size()
            + " run(s): grid "
            + plan.grid()
            + " × seeds "
            + plan.seeds()
            + ", "
            + plan.parallel()
            + " at a time → "
            + dir);
    RunValidator validator = new RunValidator(conf, DataScanner.local(conf));
    Map<Map<String, String>, String> checked = new HashMap<>();
    int failing = 0;
    for (SweepManifest.Run r : plan.runs()) {
      String verdict = r.status().equals(SweepManifest.FAILED) ? r.reason() : null;
      if (verdict == null) {
        Map<String, String> key = new HashMap<>(r.config());
        key.remove(ConfigKey.SEED.key());
        verdict = checked.computeIfAbsent(key, k -> problems(r, dir, validator));
      }
      out.printf(
          "  %s  %s seed %d: %s%n",
          r.id(), r.point(), r.seed(), verdict.isEmpty() ? "ok" : verdict.replace("\n", "; "));
      if (!verdict.isEmpty()) {
        failing++;
      }
    }
    out.println(
        failing == 0
            ? "marginflow: the sweep would start (nothing was written)"
            : "marginflow: " + failing + " of " + plan.runs().size() + " run(s) would fail");
    return failing == 0;
  }

  /** The problems of one run, as {@code marginflow check} states them; "" when it would start. */
  private static String problems(SweepManifest.Run r, String dir, RunValidator validator) {
    TrainConfig config = TrainConfig.from(r.settings().with(ConfigKey.OUT, dir + "/" + r.id()));
    ValidationReport report = validator.validate(config, ValidationOptions.DEFAULTS);
    return report.ok() ? "" : report.problemsText();
  }
}

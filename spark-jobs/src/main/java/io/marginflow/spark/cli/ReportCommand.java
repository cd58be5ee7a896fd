package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.spark.report.Report;
import io.marginflow.spark.report.RunReader;
import io.marginflow.spark.report.SweepReport;
import io.marginflow.spark.store.SweepStore;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html [--max-snapshots N]}: one
 * self-contained HTML report of one run, or of several overlaid; given sweep directories, the sweep
 * report ({@link SweepReport}: seed medians and bands per grid point).
 */
final class ReportCommand {

  static final String USAGE =
      "usage: marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html [--max-snapshots N]\n"
          + "       marginflow report SWEEP_DIR [SWEEP_DIR ...] --out FILE.html"
          + " [--reference METRIC=VALUE,...]";

  private ReportCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    CommandArgs a =
        CommandArgs.parse(
            "report", args, Set.of("out", "max-snapshots", "reference"), Set.of("help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (a.positional().isEmpty()) {
      throw new ConfigException("report: expected at least one RUN_DIR\n" + USAGE);
    }
    String target = a.required("out", USAGE);
    Configuration hadoop = new Configuration();
    if (SweepStore.isSweep(RunReader.qualify(a.positional().get(0), hadoop).toUri(), hadoop)) {
      return sweep(a, target, hadoop, out);
    }
    long snaps = a.longOption("max-snapshots", RunReader.Options.DEFAULTS.maxSnapshots());
    if (snaps < 0 || snaps > 100) {
      throw new ConfigException("report: --max-snapshots: expected 0..100, got " + snaps);
    }
    RunReader.Options options =
        new RunReader.Options(RunReader.Options.DEFAULTS.maxStepRows(), (int) snaps);
    Configuration conf = new Configuration();
    Report report = Report.of(a.positional(), conf, options);
    Path written = report.write(target, conf);
    out.println(
        "marginflow: report of "
            + report.runs().size()
            + " run(s), "
            + report.charts()
            + " charts, written to "
            + written);
    return 0;
  }

  private static int sweep(CommandArgs a, String target, Configuration conf, PrintStream out)
      throws IOException {
    Map<String, Double> refs = new LinkedHashMap<>();
    for (String part : a.option("reference", "").split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      try {
        refs.put(part.substring(0, eq).trim(), Double.parseDouble(part.substring(eq + 1)));
      } catch (RuntimeException e) {
        throw new ConfigException("report: --reference: expected METRIC=VALUE, got '" + part + "'");
      }
    }
    for (String d : a.positional()) {
      if (!SweepStore.isSweep(RunReader.qualify(d, conf).toUri(), conf)) {
        throw new ConfigException(
            "report: " + d + " is not a sweep directory (no sweep.json); report sweeps or runs");
      }
    }
    SweepReport r = SweepReport.of(a.positional(), conf, refs, Instant.now());
    Path written = r.write(target, conf);
    out.println(
        "marginflow: report of "
            + r.groups().size()
            + " grid point(s), "
            + r.charts()
            + " charts, written to "
            + written);
    return 0;
  }
}

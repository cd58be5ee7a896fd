package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.spark.report.Report;
import io.marginflow.spark.report.RunReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html [--max-snapshots N]}: one
 * self-contained HTML report of one run, or of several overlaid.
 */
final class ReportCommand {

  static final String USAGE =
      "usage: marginflow report RUN_DIR [RUN_DIR ...] --out FILE.html [--max-snapshots N]";

  private ReportCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    CommandArgs a =
        CommandArgs.parse("report", args, Set.of("out", "max-snapshots"), Set.of("help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (a.positional().isEmpty()) {
      throw new ConfigException("report: expected at least one RUN_DIR\n" + USAGE);
    }
    String target = a.required("out", USAGE);
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
}

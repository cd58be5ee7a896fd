package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.spark.report.MarginExport;
import io.marginflow.spark.report.MarginSnapshot;
import io.marginflow.spark.report.MarginSnapshotReader;
import io.marginflow.spark.report.RunReader;
import io.marginflow.spark.store.UserFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code marginflow export-margins RUN_DIR [--step K] --out FILE [--format jsonl|csv]}: a Parquet
 * margin snapshot as JSON lines or CSV (rows sorted by index), for readers without Parquet support.
 * Without {@code --step}, the last snapshot; {@code --out -} writes to standard output.
 */
final class ExportMarginsCommand {

  static final String USAGE =
      "usage: marginflow export-margins RUN_DIR [--step K] --out FILE|- [--format jsonl|csv]";

  private ExportMarginsCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    CommandArgs a =
        CommandArgs.parse("export-margins", args, Set.of("step", "out", "format"), Set.of("help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (a.positional().size() != 1) {
      throw new ConfigException("export-margins: expected exactly one RUN_DIR\n" + USAGE);
    }
    String target = a.required("out", USAGE);
    MarginExport.Format format;
    try {
      format =
          a.option("format", null) == null
              ? MarginExport.Format.forFileName(target)
              : MarginExport.Format.parse(a.option("format", null));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("export-margins: " + e.getMessage());
    }
    Configuration conf = new Configuration();
    Path run = RunReader.qualify(a.positional().get(0), conf);
    FileSystem fs = run.getFileSystem(conf);
    if (!fs.exists(run)) {
      throw new java.io.FileNotFoundException("no such run directory: " + run);
    }
    List<Long> steps = MarginSnapshotReader.steps(fs, run);
    if (steps.isEmpty()) {
      throw new java.io.FileNotFoundException(
          run + " has no margin snapshots (margins/step=K/); train with --snapshot-margins-at");
    }
    long step = a.longOption("step", steps.get(steps.size() - 1));
    MarginSnapshot snap = MarginSnapshotReader.read(fs, conf, run, step);
    if (target.equals("-")) {
      MarginExport.write(snap, format, out);
      return 0;
    }
    Path dest = RunReader.qualify(target, conf);
    try (OutputStream o = UserFiles.create(dest, conf)) {
      MarginExport.write(snap, format, o);
    }
    out.println(
        "marginflow: "
            + snap.size()
            + " samples of step "
            + step
            + " written to "
            + dest
            + " ("
            + format.name().toLowerCase(java.util.Locale.ROOT)
            + ")");
    return 0;
  }
}

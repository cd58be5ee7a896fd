package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.format.KktReport;
import io.marginflow.common.kkt.KktCheck;
import io.marginflow.spark.job.KktJob;
import io.marginflow.spark.report.RunReader;
import io.marginflow.spark.store.UserFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code marginflow kkt RUN_DIR [--step K] [--tolerance t] [--max-support N] [--top N] [--out
 * FILE|-] [--master URL]}: the KKT check of a checkpoint's direction ({@link KktCheck}) on the
 * run's training data, through Spark. Prints a summary and writes the {@link KktReport} JSON to
 * {@code --out} ({@code -}: standard output).
 */
final class KktCommand {

  static final String USAGE =
      "usage: marginflow kkt RUN_DIR [--step K] [--tolerance t] [--max-support N] [--top N]\n"
          + "                      [--out FILE.json|-] [--master URL]\n"
          + "  --step K          the checkpoint (default: the latest)\n"
          + "  --tolerance t     near-support: p_i(u) <= m(u) + t*|m(u)| (default 0.01)\n"
          + "  --max-support N   refuse a near-support larger than N rows (default 2000)\n"
          + "  --top N           rows with the largest lambda in the report (default 20)\n"
          + "  --master URL      Spark master (default local[*])";

  private KktCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    CommandArgs a =
        CommandArgs.parse(
            "kkt",
            args,
            Set.of("step", "tolerance", "max-support", "top", "out", "master"),
            Set.of("help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (a.positional().size() != 1) {
      throw new ConfigException("kkt: expected exactly one RUN_DIR\n" + USAGE);
    }
    KktCheck.Options options;
    try {
      options =
          new KktCheck.Options(
              Double.parseDouble(a.option("tolerance", "0.01")),
              (int) a.longOption("max-support", 2000),
              (int) a.longOption("top", 20));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "kkt: --tolerance: expected a number, got '" + a.option("tolerance", "") + "'");
    } catch (IllegalArgumentException e) {
      throw new ConfigException("kkt: " + e.getMessage());
    }
    Long step = a.option("step", null) == null ? null : a.longOption("step", 0);
    Configuration conf = new Configuration();
    Path run = RunReader.qualify(a.positional().get(0), conf);
    if (!run.getFileSystem(conf).exists(run)) {
      throw new java.io.FileNotFoundException("kkt: no such run directory: " + run);
    }
    boolean ownsSession = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = SparkSessions.forTool(a.option("master", "local[*]"), "marginflow-kkt");
    KktReport r;
    try {
      r = KktJob.run(run.toUri(), step, options, spark);
    } finally {
      if (ownsSession) {
        spark.stop();
      }
    }
    String target = a.option("out", null);
    if ("-".equals(target)) {
      out.write(r.toJson());
      out.flush();
      return 0;
    }
    out.println(summary(r));
    if (target != null) {
      Path dest = RunReader.qualify(target, conf);
      try (OutputStream o = UserFiles.create(dest, conf)) {
        o.write(r.toJson());
      }
      out.println("marginflow: KKT report written to " + dest);
    }
    return 0;
  }

  static String summary(KktReport r) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "kkt %s at step %d: m(u) = %.6g, near-support %d of %d rows (tolerance %g)%n",
            r.run(),
            r.step(),
            r.minMargin(),
            r.supportSize(),
            r.n(),
            r.tolerance()));
    b.append(
        String.format(
            Locale.ROOT,
            "  KKT residual ||u - sum lambda_i a_i(u)|| = %.4g   sum lambda = %.6g   L sum lambda p ="
                + " %.6g%n",
            r.kktResidual(),
            r.lambdaSum(),
            r.eulerCheck()));
    b.append(
        String.format(
            Locale.ROOT,
            "  g-bar residual (relative) = %.4g   alignment beta = %.8f%n",
            r.gbarResidualRel(),
            r.alignment()));
    b.append("  top rows (row, p_i(u), lambda_i):");
    for (KktReport.Row row : r.topRows().subList(0, Math.min(5, r.topRows().size()))) {
      b.append(
          String.format(Locale.ROOT, " (%d, %.6g, %.4g)", row.row(), row.margin(), row.lambda()));
    }
    return b.toString();
  }
}

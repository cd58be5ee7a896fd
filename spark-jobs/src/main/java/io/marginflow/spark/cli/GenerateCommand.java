package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.train.Seeds;
import io.marginflow.spark.job.GeneratedDataWriter;
import java.io.PrintStream;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * {@code marginflow generate --rows N --features p [--width m] [--margin δ] [--seed S] --out URI
 * [--format libsvm|parquet] [--files K] [--master M]}: teacher–student data written
 * partition-parallel by the executors ({@link GeneratedDataWriter}). With the same seed, rows,
 * features, width and margin the rows equal those a {@code train} run without {@code --data} and
 * with {@code --seed S} generates in memory.
 */
final class GenerateCommand {

  static final String USAGE =
      "usage: marginflow generate --rows N --features P [--width 8] [--margin 0.1] [--seed 42]"
          + " --out URI [--format libsvm|parquet] [--files K] [--master local[*]]";

  private GenerateCommand() {}

  static int run(String[] args, PrintStream out) {
    CommandArgs a =
        CommandArgs.parse(
            "generate",
            args,
            Set.of(
                "rows", "features", "width", "margin", "seed", "out", "format", "files", "master"),
            Set.of("help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (!a.positional().isEmpty()) {
      throw new ConfigException("generate: unexpected argument(s) " + a.positional());
    }
    a.required("rows", USAGE);
    a.required("features", USAGE);
    long rows = a.longOption("rows", 0);
    long features = a.longOption("features", 0);
    if (features > Integer.MAX_VALUE) {
      throw new ConfigException(
          "generate: --features: at most " + Integer.MAX_VALUE + ", got " + features);
    }
    String dest = a.required("out", USAGE);
    String format = a.option("format", "libsvm");
    double margin;
    try {
      margin = Double.parseDouble(a.option("margin", "0.1"));
    } catch (NumberFormatException e) {
      throw new ConfigException(
          "generate: --margin: expected a number, got " + a.option("margin", ""));
    }
    TeacherStudentConfig config;
    try {
      config =
          new TeacherStudentConfig(
              Seeds.derive(a.longOption("seed", 42), "generator"),
              rows,
              (int) features,
              (int) a.longOption("width", 8),
              margin);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("generate: " + e.getMessage());
    }
    if (!format.equals("libsvm") && !format.equals("parquet")) {
      throw new ConfigException("generate: --format: expected libsvm or parquet, got " + format);
    }
    SparkConf conf = new SparkConf(true);
    if (!conf.contains("spark.master")) {
      conf.setMaster(a.option("master", "local[*]"));
    }
    conf.setIfMissing("spark.app.name", "marginflow-generate");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    SparkSession spark =
        SparkSession.builder().config(SparkSessions.configure(conf, 1)).getOrCreate();
    try {
      int files = (int) a.longOption("files", spark.sparkContext().defaultParallelism());
      GeneratedDataWriter.write(spark, config, files, dest, format);
      out.println(
          "marginflow: wrote "
              + rows
              + " rows × "
              + features
              + " features to "
              + dest
              + " ("
              + format
              + ", "
              + files
              + " files)");
      return 0;
    } finally {
      spark.stop();
    }
  }
}

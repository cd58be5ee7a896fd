package io.marginflow.spark.check;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.job.InputFile;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a validated run would be: the resolved config, where it writes, the data found, the model,
 * the step path and the estimated memory and schedule. {@code TrainJob} runs exactly this plan (the
 * scanned files are not scanned again); {@link #describe()} is what {@code marginflow check}
 * prints.
 *
 * @param config the resolved config (on resume: the recorded one with the allowed changes)
 * @param runDir the run directory (fully qualified)
 * @param runId the new run's id; null on resume
 * @param startStep 0, or the checkpoint step a resume continues from
 * @param train the training split
 * @param test the test split; null when there is none
 * @param features the feature count the model takes
 * @param sparse true when the blocks will be CSR
 * @param partitions the data partitions
 * @param blockRows rows per cached block
 * @param model the resolved network spec
 * @param parameters d, the number of parameters
 * @param degree L, the homogeneity degree
 * @param stepPath how a step's partition sums reach the driver (see {@link StepPathChoice})
 * @param driverBytes estimated driver heap used by the run itself (see {@link Estimates})
 * @param evaluations full-data evaluations still to run
 * @param checkpoints checkpoints still to write
 */
public record RunPlan(
    TrainConfig config,
    URI runDir,
    String runId,
    long startStep,
    Split train,
    Split test,
    int features,
    boolean sparse,
    int partitions,
    int blockRows,
    String model,
    long parameters,
    int degree,
    String stepPath,
    long driverBytes,
    long evaluations,
    long checkpoints) {

  /**
   * One split of the data as found by the scan.
   *
   * @param files one fingerprint per input file (empty for generated data; IDX: images, labels)
   * @param rows data rows
   * @param positives rows labelled +1, or -1 when not counted (trusted data on resume)
   * @param source where the rows come from (URIs, or the generator)
   * @param cachedBytes estimated bytes of its cached blocks
   */
  public record Split(
      List<InputFile> files, long rows, long positives, String source, long cachedBytes) {

    /** Copies the files. */
    public Split {
      files = List.copyOf(files);
    }
  }

  /** True when this plan continues a run from a checkpoint. */
  public boolean resume() {
    return runId == null;
  }

  /** Bytes of every cached block (training and test). */
  public long cachedBytes() {
    return train.cachedBytes() + (test == null ? 0 : test.cachedBytes());
  }

  /** The human-readable summary printed by {@code marginflow check} and {@code --dry-run}. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("run directory: ")
        .append(runDir)
        .append(resume() ? " (resume from step " + startStep + ")" : " (new)")
        .append('\n');
    b.append("config:\n");
    for (Map.Entry<String, String> e : config.settings().asMap().entrySet()) {
      b.append(String.format(Locale.ROOT, "  %-24s %s%n", e.getKey(), e.getValue()));
    }
    line(b, "training data", split(train));
    if (test != null) {
      line(b, "test data", split(test));
    }
    line(b, "features", features + (sparse ? " (sparse CSR blocks)" : " (dense blocks)"));
    line(b, "model", model + "  d = " + parameters + ", L = " + degree);
    line(b, "partitions", partitions + ", " + blockRows + " rows per block");
    line(b, "step path", stepPath);
    line(
        b,
        "cached data",
        "~"
            + mib(cachedBytes())
            + " (training "
            + mib(train.cachedBytes())
            + (test == null ? "" : ", test " + mib(test.cachedBytes()))
            + ")");
    line(b, "driver memory", "~" + mib(driverBytes) + " for the run (beyond Spark's own)");
    line(
        b,
        "schedule",
        (config.optimizer().steps() - startStep)
            + " steps to go, "
            + evaluations
            + " evaluations, "
            + checkpoints
            + " checkpoints");
    return b.toString();
  }

  private static String split(Split s) {
    return s.rows()
        + " rows"
        + (s.positives() >= 0 ? " (" + s.positives() + " positive)" : "")
        + " from "
        + s.source();
  }

  private static void line(StringBuilder b, String name, String value) {
    b.append(String.format(Locale.ROOT, "%-15s %s%n", name + ":", value));
  }

  /** Bytes in binary units: "812 B", "3.4 KiB", "120.5 MiB", "2.1 GiB". */
  static String mib(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}

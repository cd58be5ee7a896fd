package io.marginflow.spark.testing;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.job.TrainJob;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * One short real run shared by the report, notebook and browser tests of a test JVM (created on
 * first use, ~10–20 s): MNIST 0-vs-1 (the shared {@code mnist-t10k-0vs1.libsvm.gz}, pixels scaled
 * to [0, 1]) split in its first 1,500 rows for training and the other 615 for testing, an {@code
 * mlp:784-16-1} (L = 2) with the exponential loss, i.i.d. batches of 50, γ = 0.1, 300 steps,
 * log-spaced evaluations and every 100 steps, margin snapshots at 0, 100 and 300. It separates
 * (m(u) > 0) between steps 100 and 160. Lives in {@code target/report-run-<pid>}.
 */
public final class ReportRunFixture {

  /** Training rows taken from the start of the file. */
  public static final int TRAIN_ROWS = 1500;

  /** The rest of the 2,115 rows. */
  public static final int TEST_ROWS = 615;

  /** The step budget. */
  public static final int STEPS = 300;

  private static final File SCRATCH = Scratch.dir("report-run");
  private static TrainJob.Outcome outcome;

  private ReportRunFixture() {}

  /** The folder holding the run directory and the derived data files. */
  public static Path scratch() {
    return SCRATCH.toPath();
  }

  /** The run, trained on first call. */
  public static synchronized TrainJob.Outcome run() {
    if (outcome == null) {
      try {
        Files.createDirectories(scratch());
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(() -> Scratch.deleteRecursively(scratch()), "report-run-cleanup"));
        Path train = scratch().resolve("mnist01-train.libsvm");
        Path test = scratch().resolve("mnist01-test.libsvm");
        split(SharedDatasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz"), train, test);
        String[] flags = {
          "--data",
          train.toString(),
          "--test-data",
          test.toString(),
          "--features",
          "784",
          "--model",
          "mlp:784-16-1",
          "--loss",
          "exp",
          "--batch",
          "50",
          "--step",
          "0.1",
          "--steps",
          Integer.toString(STEPS),
          "--eval-every",
          "100",
          "--snapshot-margins-at",
          "0,100,300",
          "--partitions",
          "2",
          "--out",
          scratch().resolve("runs/mnist01").toString()
        };
        TrainConfig config = TrainConfig.from(ConfigLoader.parse(flags).settings());
        outcome = TrainJob.run(config, SparkFixture.spark());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return outcome;
  }

  /** The run directory as a local path. */
  public static Path runDir() {
    return Path.of(run().runDir());
  }

  /**
   * Writes the first TRAIN_ROWS lines to train and the rest to test, pixel values divided by 255.
   */
  private static void split(Path gz, Path train, Path test) throws IOException {
    try (BufferedReader in =
            new BufferedReader(
                new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.US_ASCII));
        BufferedWriter tr = Files.newBufferedWriter(train, StandardCharsets.US_ASCII);
        BufferedWriter te = Files.newBufferedWriter(test, StandardCharsets.US_ASCII)) {
      String line;
      int n = 0;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        BufferedWriter w = n++ < TRAIN_ROWS ? tr : te;
        String[] tok = line.trim().split("\\s+");
        StringBuilder b = new StringBuilder(tok[0]);
        for (int i = 1; i < tok.length; i++) {
          int colon = tok[i].indexOf(':');
          double v = Double.parseDouble(tok[i].substring(colon + 1)) / 255.0;
          b.append(' ').append(tok[i], 0, colon + 1).append(String.format(Locale.ROOT, "%.6g", v));
        }
        w.write(b.append('\n').toString());
      }
      if (n != TRAIN_ROWS + TEST_ROWS) {
        throw new IllegalStateException(
            gz + ": expected " + (TRAIN_ROWS + TEST_ROWS) + " rows, got " + n);
      }
    }
  }
}

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --feature-storage float} equals a double run on the float-rounded data bit for bit: the
 * first rows of ijcnn1 (real values) trained with float storage, and the same rows with every value
 * rounded to float and written exactly ({@code Double.toString((double) (float) v)}) trained in
 * double, give the same θ and metrics, with dense and CSR blocks, on both step paths; the float run
 * caches fewer bytes, and the unrounded double run differs (the test can fail).
 */
class FloatStorageIT {

  private static final Configuration CONF = new Configuration();
  private static final Pattern VALUE = Pattern.compile("(\\d+):(\\S+)");

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0} blocks, {1} path")
  @CsvSource({"dense, job", "dense, rows", "sparse, job", "sparse, rows"})
  void floatStorageEqualsADoubleRunOnTheFloatRoundedData(String layout, String path)
      throws IOException {
    Path original =
        ParquetIngestIT.head(
            SharedDatasets.resolve("ijcnn1/ijcnn1.trn.gz"), 3000, tmp.resolve("orig.svm"));
    Path rounded = tmp.resolve("rounded.svm");
    Files.write(rounded, roundedLines(original), StandardCharsets.UTF_8);
    // 22 real features give dense blocks; declaring 200 makes the same rows sparse (CSR).
    String features = layout.equals("dense") ? "22" : "200";
    String[] common = {
      "--features",
      features,
      "--model",
      "mlp:" + features + "-6-1",
      "--partitions",
      "3",
      "--batch",
      "40",
      "--steps",
      "30",
      "--eval-every",
      "10",
      "--checkpoint-every",
      "0",
      "--step-path",
      path,
      "--prefetch-bytes",
      "16k",
      "--step",
      "0.5"
    };
    TrainJob.Outcome f =
        train(common, "float", "--data", original.toString(), "--feature-storage", "float");
    TrainJob.Outcome d = train(common, "double", "--data", rounded.toString());
    TrainJob.Outcome raw = train(common, "raw", "--data", original.toString());
    assertArrayEquals(d.state().theta(), f.state().theta(), "θ");
    assertEquals(
        RunFiles.stepsWithoutWall(d.runDir(), CONF), RunFiles.stepsWithoutWall(f.runDir(), CONF));
    assertEquals(
        RunFiles.text(d.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(f.runDir(), "metrics/eval.jsonl", CONF));
    assertNotEquals(
        RunFiles.text(raw.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(f.runDir(), "metrics/eval.jsonl", CONF),
        "float storage rounds: the unrounded double run differs");
    String fm = RunFiles.text(f.runDir(), "manifest.json", CONF).replace(" ", "");
    String dm = RunFiles.text(d.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(fm.contains("\"sparse_blocks\":" + layout.equals("sparse")), fm);
    long floatBytes = cachedBytes(fm);
    long doubleBytes = cachedBytes(dm);
    assertTrue(
        floatBytes < 0.65 * doubleBytes, "cached bytes " + floatBytes + " vs " + doubleBytes);
  }

  private static long cachedBytes(String manifest) {
    Matcher m = Pattern.compile("\"cached_bytes\":(\\d+)").matcher(manifest);
    assertTrue(m.find(), manifest);
    return Long.parseLong(m.group(1));
  }

  /** Every value v rewritten as the exact decimal of (double) (float) v. */
  static List<String> roundedLines(Path libsvm) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(libsvm)) {
      Matcher m = VALUE.matcher(line);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        double v = Double.parseDouble(m.group(2));
        m.appendReplacement(b, m.group(1) + ":" + (double) (float) v);
      }
      m.appendTail(b);
      out.add(b.toString());
    }
    return out;
  }

  private TrainJob.Outcome train(String[] common, String dir, String... more) throws IOException {
    String[] all =
        RowsPathIT.concat(RowsPathIT.concat(common, more), "--out", tmp.resolve(dir).toString());
    return TrainJob.run(RunFiles.config(all), SparkFixture.spark());
  }
}

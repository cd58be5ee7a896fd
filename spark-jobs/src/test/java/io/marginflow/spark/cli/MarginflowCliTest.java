package io.marginflow.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command-line errors are reported before Spark starts (these tests start no Spark session). */
class MarginflowCliTest {

  @TempDir Path tmp;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void unknownConfigKeyFailsNamingTheKeyAndTheFile() throws IOException {
    Path cfg = tmp.resolve("run.yaml");
    Files.writeString(cfg, "steps: 10\nbatchsize: 5\n");
    CliRun r = run("train", "--config", cfg.toString());
    assertEquals(2, r.code());
    assertTrue(
        r.err().contains("unknown key 'batchsize'") && r.err().contains("run.yaml"), r.err());
    assertTrue(r.err().contains("batch"), "lists the known keys: " + r.err());
  }

  @Test
  void badValuesFailNamingTheKeyAndWhatIsAllowed() throws IOException {
    CliRun r = run("train", "--batch", "zero");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("batch: expected an integer"), r.err());
    r = run("train", "--loss", "hinge");
    assertTrue(r.err().contains("loss") && r.err().contains("exp|logistic"), r.err());
    r = run("train", "--schedule", "cosine");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("schedule"), r.err());
    r = run("train", "--relu-derivative-at-zero", "2");
    assertTrue(
        r.err().contains("relu-derivative-at-zero: expected a number in [0, 1], got '2'"), r.err());
    r = run("train", "--bogus", "1");
    assertTrue(r.err().contains("unknown flag --bogus"), r.err());
    Path cfg = tmp.resolve("bad.yaml");
    Files.writeString(cfg, "sampler: shuffled\n");
    r = run("train", "--config", cfg.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("sampler"), r.err());
  }

  @Test
  void helpDocumentsEveryFlag() {
    CliRun r = run("train", "--help");
    assertEquals(0, r.code());
    for (String flag :
        new String[] {
          "--data",
          "--test-data",
          "--format",
          "--features",
          "--labels",
          "--model",
          "--loss",
          "--sampler",
          "--batch",
          "--step",
          "--schedule",
          "--steps",
          "--eval-every",
          "--snapshot-margins-at",
          "--checkpoint-every",
          "--seed",
          "--partitions",
          "--init",
          "--master",
          "--out",
          "--resume",
          "--target-log-loss",
          "--max-wall"
        }) {
      assertTrue(r.out().contains(flag + " "), "help lacks " + flag);
    }
    assertEquals(2, run().code());
    assertEquals(2, run("frobnicate").code());
  }

  @Test
  void weightsOfAMissingRunFailsClearly() {
    CliRun r = run("weights", tmp.resolve("nope").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().contains("nope"), r.err());
  }

  @Test
  void generateRejectsBadArgumentsBeforeSparkStarts() {
    CliRun r = run("generate", "--features", "3", "--out", tmp.resolve("g").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--rows is required"), r.err());
    r = run("generate", "--rows", "x", "--features", "3", "--out", "o");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--rows: expected an integer"), r.err());
    r = run("generate", "--rows", "0", "--features", "3", "--out", "o");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("rows must be >= 1"), r.err());
    r = run("generate", "--rows", "5", "--features", "3", "--out", "o", "--format", "csv");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--format: expected libsvm or parquet"), r.err());
    assertEquals(0, run("generate", "--help").code());
  }
}

package io.marginflow.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code marginflow check} of a sweep file and {@code marginflow sweep --dry-run}: every run of the
 * grid is listed and checked against the real a9a data (config, data, output), nothing is written.
 */
class SweepDryRunTest {

  @TempDir Path tmp;

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }

  private Path sweepFile(String grid) throws IOException {
    Path cfg = tmp.resolve("sweep.yaml");
    Files.writeString(
        cfg,
        String.join(
            "\n",
            "data: " + SharedDatasets.resolve("a9a/a9a.gz"),
            "features: 123",
            "model: mlp:123-8-1",
            "steps: 10",
            "master: local[2]",
            "out: " + tmp.resolve("sweeps"),
            "name: dry",
            "seeds: 1-2",
            "grid:",
            grid,
            ""));
    return cfg;
  }

  @Test
  void checkOfASweepFileListsAndChecksEveryRunAndWritesNothing() throws IOException {
    Path cfg = sweepFile("  step: [0.5, 1]");
    CliRun r = run("check", "--config", cfg.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("4 run(s)"), r.out());
    assertEquals(4, r.out().lines().filter(l -> l.endsWith(": ok")).count(), r.out());
    assertTrue(r.out().contains("step=0.5") && r.out().contains("seed 2"), r.out());
    assertTrue(r.out().contains("the sweep would start (nothing was written)"), r.out());
    assertFalse(Files.exists(tmp.resolve("sweeps")), "a dry run must not create the sweep root");
    CliRun same = run("sweep", "--config", cfg.toString(), "--dry-run");
    assertEquals(r.out(), same.out());
  }

  @Test
  void aModelThatDoesNotFitTheDataFailsOnlyItsRuns() throws IOException {
    Path cfg = sweepFile("  model: [mlp:123-8-1, mlp:22-8-1]");
    CliRun r = run("check", "--config", cfg.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("2 of 4 run(s) would fail"), r.out());
    assertEquals(2, r.out().lines().filter(l -> l.endsWith(": ok")).count(), r.out());
    assertTrue(
        r.out().lines().filter(l -> l.contains("mlp:22-8-1")).allMatch(l -> l.contains("model")),
        r.out());
    assertFalse(Files.exists(tmp.resolve("sweeps")));
  }

  @Test
  void aBadGridValueIsNamedWithItsRun() throws IOException {
    CliRun r = run("sweep", "--config", sweepFile("  step: [1, -1]").toString(), "--dry-run");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(
        r.out().lines().filter(l -> l.contains("step=-1")).allMatch(l -> l.contains("step")),
        r.out());
    assertEquals(2, r.out().lines().filter(l -> l.endsWith(": ok")).count(), r.out());
  }

  @Test
  void aMissingDataFileFailsEveryRunNamingTheFile() throws IOException {
    Path cfg = sweepFile("  step: [1]");
    Files.writeString(
        cfg,
        Files.readString(cfg)
            .replace(SharedDatasets.resolve("a9a/a9a.gz").toString(), "/nonexistent/a9a"));
    CliRun r = run("check", "--config", cfg.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("/nonexistent/a9a"), r.out());
  }
}

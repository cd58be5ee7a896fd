package io.marginflow.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.store.SweepStore;
import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps on Spark local[2] (the shared session): every run of a sweep is bit-identical to the same
 * config trained alone, a bad grid value and a NaN run are marked failed while the others finish,
 * and a resumed sweep continues an interrupted run from its checkpoint to the same bits.
 */
class SweepIT {

  private static final Configuration CONF = new Configuration();

  /** Small generated-data runs: each takes about a second. */
  private static final String[] BASE = {
    "--partitions",
    "2",
    "--batch",
    "40",
    "--steps",
    "40",
    "--eval-every",
    "10",
    "--log-spaced-evals",
    "false",
    "--checkpoint-every",
    "20",
    "--generator-rows",
    "600",
    "--generator-features",
    "12",
    "--model",
    "mlp:12-16-1"
  };

  @TempDir Path tmp;

  private static String[] with(String[] base, String... more) {
    List<String> all = new ArrayList<>(List.of(base));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private SweepManifest runSweep(SweepSpec spec, String id, ByteArrayOutputStream console)
      throws IOException {
    SweepManifest plan = spec.plan(id, Instant.parse("2026-12-06T01:00:00Z"));
    SweepStore store = SweepStore.create(tmp.resolve("sweeps").resolve(id).toUri(), CONF);
    PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
    return new SweepRunner(SparkFixture.spark(), store, new SweepProgress(out)).run(plan);
  }

  private static TrainJob.Outcome alone(Path out, String... flags) throws IOException {
    TrainConfig c =
        TrainConfig.from(
            ConfigLoader.parse(with(flags, "--out", out.toString(), "--master", "local[2]"))
                .settings());
    return TrainJob.run(c, SparkFixture.spark());
  }

  private static void assertSameRun(URI alone, URI inSweep) throws IOException {
    try (RunStore a = RunStore.open(alone, CONF);
        RunStore b = RunStore.open(inSweep, CONF)) {
      assertArrayEquals(
          a.readLatestCheckpoint().orElseThrow().theta(),
          b.readLatestCheckpoint().orElseThrow().theta(),
          "θ of " + inSweep);
    }
    assertEquals(text(alone, "metrics/eval.jsonl"), text(inSweep, "metrics/eval.jsonl"));
    assertEquals(
        text(alone, "metrics/steps.jsonl").replaceAll("\"wall_ms\":[^,}]*", ""),
        text(inSweep, "metrics/steps.jsonl").replaceAll("\"wall_ms\":[^,}]*", ""));
  }

  private static String text(URI dir, String rel) throws IOException {
    return Files.readString(Path.of(dir).resolve(rel));
  }

  @Test
  void runsAreBitIdenticalToTheSameConfigTrainedAloneAndFailuresAreIsolated() throws IOException {
    SweepSpec spec =
        SweepSpec.parse(
            with(
                BASE,
                "--grid",
                "step=0.5,-1,1e300",
                "--grid",
                "loss=logistic",
                "--seeds",
                "1-2",
                "--parallel",
                "2"));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SweepManifest end = runSweep(spec, "bits", console);
    String log = console.toString(StandardCharsets.UTF_8);

    assertEquals(6, end.runs().size());
    Map<String, String> status = new java.util.TreeMap<>();
    for (SweepManifest.Run r : end.runs()) {
      status.put(r.point().get("step") + "/s" + r.seed(), r.status());
    }
    assertEquals(
        Map.of(
            "0.5/s1",
            "finished",
            "0.5/s2",
            "finished",
            "-1/s1",
            "failed",
            "-1/s2",
            "failed",
            "1e300/s1",
            "failed",
            "1e300/s2",
            "failed"),
        status,
        log);
    SweepManifest.Run bad = end.runs().get(2);
    assertTrue(bad.reason().contains("step"), bad.reason());
    SweepManifest.Run nan = end.runs().get(4);
    assertTrue(nan.reason().contains("NaN/Inf"), nan.reason());
    assertTrue(log.contains(nan.id() + "  failed"), log);
    assertTrue(log.contains(end.runs().get(0).id() + "  started"), log);
    assertTrue(log.contains(end.runs().get(0).id() + "  finished  step 40"), log);
    assertTrue(log.contains("evaluated  step 40"), log);

    // sweep.json on disk is the returned state
    SweepStore store = SweepStore.open(tmp.resolve("sweeps/bits").toUri(), CONF);
    assertEquals(end, store.read());

    for (int i : new int[] {0, 1}) {
      SweepManifest.Run r = end.runs().get(i);
      TrainJob.Outcome a =
          alone(
              tmp.resolve("alone-" + i),
              with(BASE, "--step", "0.5", "--loss", "logistic", "--seed", Long.toString(r.seed())));
      assertSameRun(a.runDir(), store.runDir(r.id()));
    }
  }

  @Test
  void resumeContinuesAnInterruptedRunToTheSameBits() throws IOException {
    SweepSpec spec = SweepSpec.parse(with(BASE, "--grid", "batch=30,50", "--seeds", "7"));
    SweepManifest plan = spec.plan("resume", Instant.parse("2026-12-06T01:00:00Z"));
    URI sweepDir = tmp.resolve("sweeps/resume").toUri();
    SweepStore store = SweepStore.create(sweepDir, CONF);
    // Run 0 was interrupted after its step-20 checkpoint: the same config stopped at 20 steps.
    SweepManifest.Run r0 = plan.runs().get(0);
    alone(
        Path.of(store.runDir(r0.id())),
        with(BASE, "--batch", "30", "--seed", "7", "--steps", "20"));
    SweepManifest interrupted =
        plan.withRun(0, r0.with(SweepManifest.RUNNING, "", 20, -1))
            .withRun(1, plan.runs().get(1).with(SweepManifest.PENDING, "", -1, -1));
    store.write(interrupted);

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SweepManifest end =
        new SweepRunner(
                SparkFixture.spark(),
                SweepStore.open(sweepDir, CONF),
                new SweepProgress(new PrintStream(console, true, StandardCharsets.UTF_8)))
            .run(store.read());
    String log = console.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains(r0.id() + "  started  resuming its checkpoint"), log);
    for (SweepManifest.Run r : end.runs()) {
      assertEquals(SweepManifest.FINISHED, r.status(), r.id() + ": " + r.reason());
      assertEquals(40, r.step());
    }
    TrainJob.Outcome a =
        alone(tmp.resolve("alone-resume"), with(BASE, "--batch", "30", "--seed", "7"));
    assertSameRun(a.runDir(), store.runDir(r0.id()));
  }
}

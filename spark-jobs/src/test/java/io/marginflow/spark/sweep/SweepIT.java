package io.marginflow.spark.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.store.SweepStore;
import io.marginflow.spark.testing.HdfsFixture;
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

  /**
   * A sweep over Parquet data (Spark ML's layout, written from a9a by Spark's own libsvm source):
   * the sweep's scan reads the Parquet files (not as LIBSVM lines), every run finishes, and a run
   * equals the same config trained alone.
   */
  @Test
  void aSweepOverParquetDataTrainsEachRunAsTrainedAlone() throws IOException {
    Path parquet = tmp.resolve("a9a-parquet");
    SparkFixture.spark()
        .read()
        .format("libsvm")
        .option("numFeatures", "123")
        .load(SharedDatasets.resolve("a9a/a9a.gz").toString())
        .limit(4000)
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", 1500)
        .parquet(parquet.toString());
    String[] data =
        ("--data "
                + parquet
                + " --format parquet --features 123 --model mlp:123-8-1 --partitions 2 --batch 40"
                + " --steps 30 --eval-every 10 --log-spaced-evals false --checkpoint-every 15")
            .split(" ");
    SweepManifest end =
        runSweep(
            SweepSpec.parse(with(data, "--grid", "step=0.5,1", "--seeds", "3")),
            "parquet",
            new ByteArrayOutputStream());
    assertEquals(2, end.runs().size());
    for (SweepManifest.Run r : end.runs()) {
      assertEquals(SweepManifest.FINISHED, r.status(), r.id() + ": " + r.reason());
      assertEquals(30, r.step());
    }
    SweepStore store = SweepStore.open(tmp.resolve("sweeps/parquet").toUri(), CONF);
    TrainJob.Outcome a =
        alone(tmp.resolve("alone-parquet"), with(data, "--step", "0.5", "--seed", "3"));
    assertSameRun(a.runDir(), store.runDir(end.runs().get(0).id()));
  }

  /** The plan of a sweep {@code id} over batch 30 and 50 with one seed. */
  private static SweepManifest batchPlan(String id, String seed) throws IOException {
    SweepSpec spec = SweepSpec.parse(with(BASE, "--grid", "batch=30,50", "--seeds", seed));
    return spec.plan(id, Instant.parse("2026-12-06T01:00:00Z"));
  }

  @Test
  void aStopRequestInTheSweepDirectoryLeavesRunsPendingForTheResume() throws IOException {
    SweepManifest plan = batchPlan("stopped", "8");
    URI sweepDir = tmp.resolve("sweeps/stopped").toUri();
    SweepStore store = SweepStore.create(sweepDir, CONF);
    Path stop = Path.of(sweepDir).resolve(SweepRunner.STOP_REQUEST);
    Files.writeString(stop, "");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    SweepProgress progress =
        new SweepProgress(new PrintStream(console, true, StandardCharsets.UTF_8));
    SweepManifest held = new SweepRunner(SparkFixture.spark(), store, progress).run(plan);
    for (SweepManifest.Run r : held.runs()) {
      assertEquals(SweepManifest.PENDING, r.status(), r.id());
      assertEquals(SweepRunner.STOPPED_BEFORE_START, r.reason(), r.id());
      assertTrue(!Files.exists(Path.of(store.runDir(r.id()))), "never started: " + r.id());
    }
    assertEquals(held, SweepStore.open(sweepDir, CONF).read(), "sweep.json says so");
    // the request withdrawn, the same plan runs to the end
    Files.delete(stop);
    SweepManifest end =
        new SweepRunner(SparkFixture.spark(), SweepStore.open(sweepDir, CONF), progress)
            .run(SweepStore.open(sweepDir, CONF).read());
    for (SweepManifest.Run r : end.runs()) {
      assertEquals(SweepManifest.FINISHED, r.status(), r.id() + ": " + r.reason());
      assertEquals(40, r.step());
    }
  }

  @Test
  void resumeContinuesAnInterruptedRunToTheSameBits() throws IOException {
    SweepManifest plan = batchPlan("resume", "7");
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

  @Test
  void reportGivesSeedMediansAndBandsPerGridPointAndRunsListsTheSweep() throws IOException {
    SweepSpec spec =
        SweepSpec.parse(with(BASE, "--grid", "step=0.5,2", "--seeds", "1-3", "--steps", "30"));
    SweepManifest end = runSweep(spec, "rep", new ByteArrayOutputStream());
    String dir = tmp.resolve("sweeps/rep").toString();
    Path html = tmp.resolve("rep.html");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        io.marginflow.spark.cli.MarginflowCli.run(
            new String[] {
              "report", dir, "--out", html.toString(), "--reference", "normalized_margin=0.01"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    String page = Files.readString(html);
    assertTrue(page.contains("Final values (median [min, max] over seeds)"));
    assertTrue(page.contains("fig-final-normalized_margin-vs-step"), "final vs grid key chart");
    assertTrue(page.contains("fig-sweep-norm-growth"));
    assertTrue(page.contains("reference 0.01"), "reference line in a chart legend");

    io.marginflow.spark.report.SweepReport r =
        io.marginflow.spark.report.SweepReport.of(
            List.of(dir), CONF, Map.of(), Instant.parse("2026-12-06T02:00:00Z"));
    assertEquals(2, r.groups().size());
    io.marginflow.spark.report.SweepReport.Group g = r.groups().get(1);
    assertEquals(Map.of("step", "2"), g.point());
    assertEquals(3, g.runs().size());
    // the band at step 30 from the three runs' own eval rows
    double[] at30 = new double[3];
    for (int i = 0; i < 3; i++) {
      URI runDir =
          SweepStore.open(URI.create("file://" + dir), CONF).runDir(end.runs().get(3 + i).id());
      for (String line : text(runDir, "metrics/eval.jsonl").split("\n")) {
        if (line.contains("\"step\":30,") && line.contains("\"split\":\"train\"")) {
          at30[i] = io.marginflow.common.stats.MetricsJson.parseEvalRow(line).normalizedMargin();
        }
      }
    }
    java.util.Arrays.sort(at30);
    io.marginflow.spark.report.ChartSpec curve =
        r.sections().get(0).charts().stream()
            .filter(c -> c.id().equals("sweep-normalized_margin"))
            .findFirst()
            .orElseThrow();
    io.marginflow.spark.report.ChartSpec.Series band = curve.series("step=2").orElseThrow();
    int last = band.size() - 1;
    assertEquals(30.0, band.x()[last]);
    assertEquals(at30[1], band.y()[last], 0.0, "median of three seeds");
    assertEquals(at30[0], band.lower()[last], 0.0);
    assertEquals(at30[2], band.upper()[last], 0.0);

    ByteArrayOutputStream listing = new ByteArrayOutputStream();
    io.marginflow.spark.cli.MarginflowCli.run(
        new String[] {"runs", tmp.resolve("sweeps").toString()},
        new PrintStream(listing, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String l = listing.toString(StandardCharsets.UTF_8);
    assertTrue(l.contains("sweeps:") && l.contains("rep  6 runs {finished=6}"), l);
    assertTrue(l.contains(end.runs().get(0).id()), "its runs are listed too: " + l);
  }

  @Test
  void aSweepReadsItsDataFromHdfsAndWritesItsRunsThere() throws IOException {
    URI data =
        HdfsFixture.copyFromLocal(
            SharedDatasets.resolve("spark-sample/sample_binary_classification_data.txt"),
            "/data/spark-sample.txt");
    String[] base = {
      "--data", data.toString(), "--features", "692", "--model", "mlp:692-1", "--init", "zeros",
      "--partitions", "2", "--batch", "10", "--steps", "30", "--eval-every", "10",
      "--log-spaced-evals", "false", "--checkpoint-every", "10", "--step", "1e-7"
    };
    SweepSpec spec = SweepSpec.parse(with(base, "--grid", "loss=exp,logistic"));
    URI dir = HdfsFixture.uri("/sweeps/hdfs");
    SweepStore store = SweepStore.create(dir, HdfsFixture.conf());
    SweepManifest end =
        new SweepRunner(
                SparkFixture.spark(),
                store,
                new SweepProgress(new PrintStream(new ByteArrayOutputStream())))
            .run(spec.plan("hdfs", Instant.parse("2026-12-06T02:30:00Z")));
    for (SweepManifest.Run r : end.runs()) {
      assertEquals(SweepManifest.FINISHED, r.status(), r.id() + ": " + r.reason());
    }
    assertEquals(end, SweepStore.open(dir, HdfsFixture.conf()).read());
    assertEquals("hdfs", store.runDir(end.runs().get(1).id()).getScheme());
    TrainJob.Outcome a = alone(tmp.resolve("alone-hdfs"), with(base, "--loss", "logistic"));
    try (RunStore local = RunStore.open(a.runDir(), CONF);
        RunStore remote = RunStore.open(store.runDir(end.runs().get(1).id()), HdfsFixture.conf())) {
      assertArrayEquals(
          local.readLatestCheckpoint().orElseThrow().theta(),
          remote.readLatestCheckpoint().orElseThrow().theta(),
          "θ of the HDFS run");
    }
  }
}

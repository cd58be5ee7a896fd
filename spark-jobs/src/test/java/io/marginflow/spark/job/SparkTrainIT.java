package io.marginflow.spark.job;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static io.marginflow.common.testing.NumericAssert.assertVectorClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.io.TeacherStudentGenerator;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.NonFiniteException;
import io.marginflow.common.train.TrainingState;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training job on Spark local[2] against the local file system. */
class SparkTrainIT {

  /**
   * Distributed and local runs sum the same terms in a different order (per-partition loss frames
   * merged by treeAggregate): after tens of steps the difference stays at rounding level.
   */
  private static final double ORACLE_TOLERANCE = 1e-12;

  /** The tolerance stated for {@code --precision single} (README). */
  private static final double SINGLE_TOLERANCE = 1e-5;

  @TempDir Path tmp;

  private static final Configuration CONF = new Configuration();

  private Checkpoint latest(URI runDir) throws IOException {
    try (RunStore store = RunStore.open(runDir, CONF)) {
      return store.readLatestCheckpoint().orElseThrow();
    }
  }

  private TrainJob.Outcome train(String... flags) throws IOException {
    return TrainJob.run(RunFiles.config(flags), SparkFixture.spark());
  }

  @Test
  void distributedRunEqualsLocalTrainerOnGeneratedData() throws IOException {
    String[] flags = {
      "--out", tmp.resolve("gen").toString(), "--partitions", "3", "--batch", "40", "--steps", "60",
      "--eval-every", "20", "--step", "0.5", "--generator-rows", "600", "--generator-features",
          "12",
      "--model", "mlp:12-16-1"
    };
    TrainJob.Outcome spark = train(flags);
    TrainConfig cfg = RunFiles.config(flags);
    Dataset local = new TeacherStudentGenerator(cfg.generatorConfig()).generate(false, 1024);
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState oracle = new LocalTrainer(cfg, 12).run(local, null, rec, null);

    assertEquals(60, spark.state().step());
    assertVectorClose(
        oracle.theta(), spark.state().theta(), ORACLE_TOLERANCE, 0, "θ after 60 steps");
    assertArrayEquals(spark.state().theta(), latest(spark.runDir()).theta(), "checkpointed θ");
    List<EvalRow> evals = RunFiles.evals(spark.runDir(), CONF);
    assertEquals(rec.evals().size(), evals.size());
    for (int i = 0; i < evals.size(); i++) {
      EvalRow a = rec.evals().get(i);
      EvalRow b = evals.get(i);
      assertEquals(a.step(), b.step());
      assertClose(a.logLoss(), b.logLoss(), 1e-10, 0, "log_loss at " + a.step());
      assertClose(a.normalizedMargin(), b.normalizedMargin(), 1e-10, 1e-14, "normalized_margin");
      assertClose(a.alignment(), b.alignment(), 1e-9, 1e-12, "alignment");
      assertEquals(a.marginQuantiles().q50(), b.marginQuantiles().q50(), 1e-10);
      assertArrayEquals(a.nearSupport(), b.nearSupport());
    }
    assertEquals(rec.steps().size(), RunFiles.steps(spark.runDir(), CONF).size());
  }

  @Test
  void singlePrecisionRunEqualsTheSingleLocalTrainerAndIsRecorded() throws IOException {
    String[] flags = {
      "--out",
      tmp.resolve("single").toString(),
      "--partitions",
      "2",
      "--batch",
      "50",
      "--steps",
      "30",
      "--eval-every",
      "30",
      "--step",
      "0.5",
      "--generator-rows",
      "400",
      "--generator-features",
      "12",
      "--model",
      "mlp:12-16-8-1",
      "--precision",
      "single"
    };
    TrainJob.Outcome spark = train(flags);
    TrainConfig cfg = RunFiles.config(flags);
    Dataset local = new TeacherStudentGenerator(cfg.generatorConfig()).generate(false, 1024);
    TrainingState oracle = new LocalTrainer(cfg, 12).run(local, null, new InMemoryRecorder(), null);
    // Float partial sums are grouped by partition here and by block in LocalTrainer, so the two
    // agree to float rounding (measured 1.5e-8 after 30 steps), the stated single tolerance.
    assertVectorClose(
        oracle.theta(), spark.state().theta(), SINGLE_TOLERANCE, 0, "θ, single precision");
    String manifest = RunFiles.text(spark.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(manifest.contains("\"precision\":\"single\""), manifest);
  }

  @Test
  void distributedRunEqualsLocalTrainerOnSparseA9aWithTestSet() throws IOException {
    Path a9a = SharedDatasets.resolve("a9a/a9a.gz");
    Path a9aTest = SharedDatasets.resolve("a9a/a9a.t.gz");
    String[] flags = {
      "--data",
      a9a.toString(),
      "--test-data",
      a9aTest.toString(),
      "--features",
      "123",
      "--out",
      tmp.resolve("a9a").toString(),
      "--partitions",
      "2",
      "--batch",
      "100",
      "--steps",
      "25",
      "--eval-every",
      "25",
      "--log-spaced-evals",
      "false",
      "--model",
      "mlp:123-8-1",
      "--loss",
      "exp",
      "--step",
      "0.2"
    };
    TrainJob.Outcome spark = train(flags);
    TrainConfig cfg = RunFiles.config(flags);
    Dataset train = LibsvmReader.read(a9a, 123, true, 1024);
    Dataset test = LibsvmReader.read(a9aTest, 123, true, 1024);
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState oracle = new LocalTrainer(cfg, 123).run(train, test, rec, null);
    assertVectorClose(oracle.theta(), spark.state().theta(), ORACLE_TOLERANCE, 0, "θ on a9a");
    List<EvalRow> evals = RunFiles.evals(spark.runDir(), CONF);
    assertEquals(
        List.of("train", "test", "train", "test"), evals.stream().map(EvalRow::split).toList());
    assertEquals(32_561, evals.get(0).n());
    assertEquals(16_281, evals.get(1).n());
    assertClose(rec.evals().get(3).errorRate(), evals.get(3).errorRate(), 0, 0, "test error rate");
    String manifest = RunFiles.text(spark.runDir(), "manifest.json", CONF);
    assertTrue(
        manifest.contains("8930931143e8ecd54a1dac81e65d7651cbd4f4840e2e9536ae18ee03d135d28c"),
        "manifest records the SHA-256 of a9a.gz: " + manifest);
    assertTrue(manifest.replace(" ", "").contains("\"sparse_blocks\":true"), manifest);
  }

  @Test
  void sameSeedAndPartitionsGiveBitIdenticalOutputs() throws IOException {
    String[] base = {
      "--partitions",
      "2",
      "--batch",
      "30",
      "--steps",
      "40",
      "--eval-every",
      "10",
      "--generator-rows",
      "300",
      "--generator-features",
      "6",
      "--model",
      "mlp:6-8-8-1",
      "--sampler",
      "reshuffle"
    };
    TrainJob.Outcome a = train(concat(base, "--out", tmp.resolve("a").toString()));
    TrainJob.Outcome b = train(concat(base, "--out", tmp.resolve("b").toString()));
    assertArrayEquals(a.state().theta(), b.state().theta());
    assertEquals(
        RunFiles.text(a.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(b.runDir(), "metrics/eval.jsonl", CONF));
    assertEquals(
        RunFiles.stepsWithoutWall(a.runDir(), CONF), RunFiles.stepsWithoutWall(b.runDir(), CONF));
    // Four partitions and a two-level tree: partial sums merge in partition order, not arrival
    // order.
    String[] four = {
      "--partitions",
      "4",
      "--tree-depth",
      "2",
      "--batch",
      "60",
      "--steps",
      "15",
      "--eval-every",
      "5",
      "--generator-rows",
      "400",
      "--generator-features",
      "6",
      "--model",
      "mlp:6-8-1",
      "--loss",
      "exp"
    };
    TrainJob.Outcome f1 = train(concat(four, "--out", tmp.resolve("f1").toString()));
    for (int run = 2; run <= 3; run++) {
      TrainJob.Outcome fn = train(concat(four, "--out", tmp.resolve("f" + run).toString()));
      assertArrayEquals(f1.state().theta(), fn.state().theta(), "4 partitions, run " + run);
      assertEquals(
          RunFiles.text(f1.runDir(), "metrics/eval.jsonl", CONF),
          RunFiles.text(fn.runDir(), "metrics/eval.jsonl", CONF));
    }
    TrainJob.Outcome c = train(concat(base, "--out", tmp.resolve("c").toString(), "--seed", "7"));
    assertFalse(java.util.Arrays.equals(a.state().theta(), c.state().theta()));
  }

  @Test
  void resumeAfterACrashContinuesBitIdentically() throws IOException {
    String[] base = {
      "--partitions",
      "2",
      "--batch",
      "25",
      "--eval-every",
      "10",
      "--checkpoint-every",
      "25",
      "--generator-rows",
      "200",
      "--generator-features",
      "5",
      "--model",
      "mlp:5-6-1",
      "--schedule",
      "loss-based"
    };
    TrainJob.Outcome whole =
        train(concat(base, "--steps", "100", "--out", tmp.resolve("whole").toString()));
    // A run that "crashed" between checkpoint 50 and 60: its metric rows go past 50 and LATEST says
    // 50.
    Path crashed = tmp.resolve("crashed");
    train(concat(base, "--steps", "60", "--out", crashed.toString()));
    Files.writeString(crashed.resolve("checkpoints/LATEST"), "50\n", StandardCharsets.US_ASCII);
    deleteRecursively(crashed.resolve("checkpoints/step-60"));
    TrainJob.Outcome resumed =
        train(concat(base, "--steps", "100", "--resume", crashed.toString()));
    assertEquals(100, resumed.state().step());
    assertArrayEquals(whole.state().theta(), resumed.state().theta(), "θ after resume");
    assertEquals(
        whole.state(), resumed.state(), "the whole loop state (clock, monitor, epoch start)");
    assertEquals(
        RunFiles.text(whole.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(resumed.runDir(), "metrics/eval.jsonl", CONF),
        "eval.jsonl after resume");
    assertEquals(
        RunFiles.stepsWithoutWall(whole.runDir(), CONF),
        RunFiles.stepsWithoutWall(resumed.runDir(), CONF),
        "steps.jsonl after resume");
  }

  @Test
  void malformedInputFailsNamingFileAndLineBeforeAnyOutput() throws IOException {
    Path data = tmp.resolve("bad.libsvm");
    Files.writeString(data, "+1 1:0.5 3:1\n-1 2:1\n+1 2:NaN\n");
    Path out = tmp.resolve("never");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train("--data", data.toString(), "--features", "3", "--out", out.toString()));
    assertTrue(e.getMessage().contains("bad.libsvm:3"), e.getMessage());
    assertFalse(Files.exists(out), "no run directory may be created for bad input");

    Path wide = tmp.resolve("wide.libsvm");
    Files.writeString(wide, "+1 1:0.5 7:1\n");
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train("--data", wide.toString(), "--features", "3", "--out", out.toString()));
    assertTrue(e.getMessage().contains("wide.libsvm:1"), e.getMessage());
    for (String[] bad :
        new String[][] {
          {"label.libsvm", "+1 1:1\n2 1:1\n", "label.libsvm:2"},
          {"zero.libsvm", "+1 0:1\n", "zero.libsvm:1"},
          {"junk.libsvm", "+1 1:1\n-1 1:1 abc\n", "junk.libsvm:2"}
        }) {
      Path f = tmp.resolve(bad[0]);
      Files.writeString(f, bad[1]);
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> train("--data", f.toString(), "--features", "3", "--out", out.toString()));
      assertTrue(e.getMessage().contains(bad[2]), e.getMessage());
    }
    Path empty = Files.createFile(tmp.resolve("empty.libsvm"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train("--data", empty.toString(), "--out", out.toString()));
    assertTrue(
        e.getMessage().contains("empty.libsvm") && e.getMessage().contains("empty"),
        e.getMessage());
    Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train("--data", emptyDir.toString(), "--out", out.toString()));
    assertTrue(e.getMessage().contains("no data files"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> train("--data", tmp.resolve("missing.txt").toString(), "--out", out.toString()));
    assertTrue(e.getMessage().contains("missing.txt"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void nonFiniteValuesStopTheRunAndKeepTheLastGoodCheckpoint() throws IOException {
    Path out = tmp.resolve("nan");
    assertThrows(
        NonFiniteException.class,
        () ->
            train(
                "--out",
                out.toString(),
                "--generator-rows",
                "100",
                "--generator-features",
                "4",
                "--model",
                "mlp:4-8-8-8-1",
                "--loss",
                "exp",
                "--step",
                "1e300",
                "--steps",
                "20",
                "--checkpoint-every",
                "1",
                "--partitions",
                "2"));
    Checkpoint c = latest(out.toUri());
    for (double v : c.theta()) {
      assertTrue(Double.isFinite(v));
    }
    assertTrue(RunFiles.text(out.toUri(), "status.json", CONF).contains("\"failed\""));
  }

  @Test
  void marginSnapshotsHoldEverySampleWithWeightsSummingToOne() throws IOException {
    TrainJob.Outcome o =
        train(
            "--out",
            tmp.resolve("snap").toString(),
            "--generator-rows",
            "150",
            "--generator-features",
            "4",
            "--model",
            "mlp:4-6-1",
            "--steps",
            "12",
            "--batch",
            "15",
            "--snapshot-margins-at",
            "0,10",
            "--partitions",
            "3");
    org.apache.spark.sql.Dataset<Row> snap =
        SparkFixture.spark().read().parquet(MarginSnapshots.folder(o.runDir(), 10));
    assertEquals(150, snap.count());
    double lambdaSum = snap.agg(org.apache.spark.sql.functions.sum("lambda")).first().getDouble(0);
    assertClose(1.0, lambdaSum, 1e-12, 0, "Σλ_i");
    double minMargin = snap.agg(org.apache.spark.sql.functions.min("margin")).first().getDouble(0);
    EvalRow at10 =
        RunFiles.evals(o.runDir(), CONF).stream()
            .filter(r -> r.step() == 10)
            .findFirst()
            .orElseThrow();
    assertClose(at10.normalizedMargin(), minMargin, 1e-13, 0, "snapshot min = normalized margin");
    assertEquals(
        150, SparkFixture.spark().read().parquet(MarginSnapshots.folder(o.runDir(), 0)).count());
  }

  static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static void deleteRecursively(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
    }
  }
}

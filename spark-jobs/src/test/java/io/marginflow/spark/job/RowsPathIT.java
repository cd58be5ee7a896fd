package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import io.marginflow.common.sample.MinibatchSampler;
import io.marginflow.common.sample.SamplerConfig;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rows path (windows of gathered rows fetched by one Spark job, steps computed on the driver)
 * gives the same bits as one Spark job per step: whole runs through {@link TrainJob} (MLPs in both
 * precisions, single-precision CNNs on real MNIST), the rows of each step against the sampler, the
 * byte bound of a window, and a resume in the middle of one. One shared local[2] session.
 */
class RowsPathIT {

  private static final Configuration CONF = new Configuration();

  @TempDir Path tmp;

  /** One run configuration: sampler / rule, loss, precision, data, partitions, tree depth. */
  record Case(String name, String[] flags) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case generated(String name, String... flags) {
    String[] base = {
      "--generator-rows",
      "400",
      "--generator-features",
      "6",
      "--model",
      "mlp:6-8-1",
      "--batch",
      "40",
      "--steps",
      "70",
      "--eval-every",
      "20",
      "--checkpoint-every",
      "0"
    };
    return new Case(name, concat(base, flags));
  }

  private static Case a9a(String name, String... flags) {
    String[] base = {
      "--data",
      SharedDatasets.resolve("a9a/a9a.gz").toString(),
      "--features",
      "123",
      "--model",
      "mlp:123-4-1",
      "--batch",
      "60",
      "--steps",
      "40",
      "--eval-every",
      "20",
      "--checkpoint-every",
      "0"
    };
    return new Case(name, concat(base, flags));
  }

  /** Real MNIST 0-vs-1 (IDX, dense blocks) through a small CNN in single precision. */
  private static Case mnistCnn(String name, String... flags) {
    String[] base = {
      "--data",
      SharedDatasets.resolve("mnist-t10k/t10k-images-idx3-ubyte.gz").toString(),
      "--format",
      "idx",
      "--idx-labels",
      SharedDatasets.resolve("mnist-t10k/t10k-labels-idx1-ubyte.gz").toString(),
      "--labels",
      "0vs1",
      "--precision",
      "single",
      "--batch",
      "50",
      "--steps",
      "30",
      "--eval-every",
      "15",
      "--checkpoint-every",
      "0"
    };
    return new Case(name, concat(base, flags));
  }

  static Stream<Case> cases() {
    return Stream.of(
        generated("iid logistic double dense P1 d1", "--partitions", "1", "--tree-depth", "1"),
        generated(
            "iid exp double dense P2 d2", "--partitions", "2", "--loss", "exp", "--step", "0.2"),
        generated(
            "reshuffle logistic single dense P3 d1",
            "--partitions",
            "3",
            "--tree-depth",
            "1",
            "--sampler",
            "reshuffle",
            "--precision",
            "single"),
        generated(
            "loss-based logistic double dense P4 d2 (rollbacks)",
            "--partitions",
            "4",
            "--schedule",
            "loss-based",
            "--step",
            "30",
            "--batch",
            "100",
            "--steps",
            "120"),
        generated(
            "loss-based exp single dense P5 d3",
            "--partitions",
            "5",
            "--tree-depth",
            "3",
            "--schedule",
            "loss-based",
            "--step",
            "0.1",
            "--batch",
            "100",
            "--steps",
            "120",
            "--loss",
            "exp",
            "--precision",
            "single"),
        generated(
            "iid exp double dense P8 d2 (two-level tree)",
            "--partitions",
            "8",
            "--loss",
            "exp",
            "--step",
            "0.2"),
        generated(
            "reshuffle logistic double dense P9 d3 (two-level tree)",
            "--partitions",
            "9",
            "--tree-depth",
            "3",
            "--sampler",
            "reshuffle"),
        generated(
            "iid logistic double dense P3 d2, θ of 10 sum chunks (update on the driver's threads)",
            "--partitions",
            "3",
            "--model",
            "mlp:6-4096-32-1"),
        generated(
            "iid exp single dense P2 d2, θ of 10 sum chunks (handed layer norms across chunks)",
            "--partitions",
            "2",
            "--model",
            "mlp:6-4096-32-1",
            "--loss",
            "exp",
            "--step",
            "0.01",
            "--precision",
            "single"),
        a9a("a9a iid logistic single sparse P2 d2", "--partitions", "2", "--precision", "single"),
        a9a(
            "a9a reshuffle exp double sparse P3 d3",
            "--partitions",
            "3",
            "--tree-depth",
            "3",
            "--sampler",
            "reshuffle",
            "--loss",
            "exp"),
        a9a(
            "a9a loss-based logistic double sparse P5 d1 (rollbacks)",
            "--partitions",
            "5",
            "--tree-depth",
            "1",
            "--schedule",
            "loss-based",
            "--step",
            "30",
            "--batch",
            "500",
            "--steps",
            "180",
            "--eval-every",
            "60"),
        mnistCnn(
            "mnist cnn iid logistic single P2 d2 (first-layer bias)",
            "--model",
            "cnn:1x28x28-conv4k5-maxpool2-conv6k3-maxpool2-dense8-dense1/bias=first",
            "--partitions",
            "2"),
        mnistCnn(
            "mnist cnn reshuffle exp single P3 d1",
            "--model",
            "cnn:1x28x28-conv4k5s2-maxpool2-dense8-dense1",
            "--partitions",
            "3",
            "--tree-depth",
            "1",
            "--sampler",
            "reshuffle",
            "--loss",
            "exp",
            "--step",
            "0.2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void rowsPathRunIsBitIdenticalToThePerStepJobRun(Case c) throws IOException {
    // 8 KiB windows: a few steps each, so a run crosses many windows (and both buffers).
    TrainJob.Outcome job = train(c.flags(), "job", "job");
    TrainJob.Outcome rows = train(c.flags(), "rows", "rows", "--prefetch-bytes", "8k");
    assertArrayEquals(job.state().theta(), rows.state().theta(), c + ": θ");
    assertEquals(job.state(), rows.state(), c + ": final state");
    assertEquals(
        RunFiles.stepsWithoutWall(job.runDir(), CONF),
        RunFiles.stepsWithoutWall(rows.runDir(), CONF),
        c + ": steps.jsonl");
    assertEquals(
        RunFiles.text(job.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(rows.runDir(), "metrics/eval.jsonl", CONF),
        c + ": eval.jsonl");
    String manifest = RunFiles.text(rows.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(manifest.contains("\"step_path_chosen\":\"rows\""), manifest);
    if (c.name().contains("rollbacks")) {
      assertTrue(job.state().rule().rollbacks() > 0, c + ": the run has rollbacks");
    }
  }

  @Test
  void autoMeasuresMinibatchRunsAndKeepsFullBatchOnThePerStepJob() throws IOException {
    String[] tiny = {
      "--generator-rows",
      "300",
      "--generator-features",
      "5",
      "--model",
      "mlp:5-4-1",
      "--partitions",
      "2"
    };
    TrainJob.Outcome full =
        train(concat(tiny, "--sampler", "full", "--steps", "3"), "full", "auto");
    String manifest = RunFiles.text(full.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(manifest.contains("\"step_path_chosen\":\"job\""), manifest);
    assertTrue(manifest.contains("fullbatch"), manifest);

    String[] minibatch = concat(tiny, "--batch", "20", "--steps", "30");
    TrainJob.Outcome auto = train(minibatch, "auto", "auto");
    TrainJob.Outcome job = train(minibatch, "job", "job");
    assertArrayEquals(job.state().theta(), auto.state().theta(), "θ whichever path auto chose");
    manifest = RunFiles.text(auto.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(manifest.contains("\"step_path_reason\":\"auto:projected"), manifest);
    assertTrue(manifest.contains("ms/stepforoneSparkjobperstep"), manifest);
  }

  @Test
  void resumeInTheMiddleOfAWindowIsBitIdentical() throws IOException {
    String[] base = {
      "--partitions",
      "3",
      "--batch",
      "20",
      "--eval-every",
      "10",
      "--checkpoint-every",
      "25",
      "--generator-rows",
      "240",
      "--generator-features",
      "5",
      "--model",
      "mlp:5-6-1",
      "--schedule",
      "loss-based"
    };
    TrainJob.Outcome whole = train(concat(base, "--steps", "100"), "whole", "job");
    // The first window after a start holds 64 steps: step 50 is inside it.
    Path crashed = tmp.resolve("crashed");
    TrainJob.run(
        RunFiles.config(
            concat(base, "--steps", "60", "--step-path", "rows", "--out", crashed.toString())),
        SparkFixture.spark());
    Files.writeString(crashed.resolve("checkpoints/LATEST"), "50\n", StandardCharsets.US_ASCII);
    SparkTrainIT.deleteRecursively(crashed.resolve("checkpoints/step-60"));
    TrainJob.Outcome resumed =
        TrainJob.run(
            RunFiles.config(
                concat(
                    base, "--steps", "100", "--step-path", "rows", "--resume", crashed.toString())),
            SparkFixture.spark());
    assertEquals(100, resumed.state().step());
    assertArrayEquals(whole.state().theta(), resumed.state().theta(), "θ after resume");
    assertEquals(
        RunFiles.stepsWithoutWall(whole.runDir(), CONF),
        RunFiles.stepsWithoutWall(resumed.runDir(), CONF),
        "steps.jsonl after resume");
    assertEquals(
        RunFiles.text(whole.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(resumed.runDir(), "metrics/eval.jsonl", CONF),
        "eval.jsonl after resume");
  }

  @Test
  void theRowsOfStepKAreExactlyTheSamplersBatchK() {
    for (String kind : new String[] {"iid", "reshuffle"}) {
      List<RowBlock> blocks = denseBlocks(500, 7, 64, 11);
      JavaRDD<RowBlock> rdd = cache(blocks, 3);
      ModelKey key = new ModelKey("mlp:7-3-1", 0.0, "logistic", kind, 45, 500, 99L, "double");
      SparkBackend backend = backend(rdd, 500, key, 2);
      backend.useRowsPath(16 << 10);
      MinibatchSampler sampler = MinibatchSampler.create(SamplerConfig.parse(kind, 45), 500, 99L);
      for (long step = 0; step < 150; step++) {
        List<List<RowBlock>> rows = backend.prefetcher().rowsOf(step);
        assertEquals(3, rows.size());
        List<Long> got = new ArrayList<>();
        for (List<RowBlock> partition : rows) {
          for (RowBlock b : partition) {
            DenseBlock d = (DenseBlock) b;
            for (int r = 0; r < d.rows(); r++) {
              long i = d.rowIndex()[r];
              got.add(i);
              DenseBlock source = (DenseBlock) blocks.get((int) (i / 64));
              int local = (int) (i % 64);
              assertEquals(source.labels()[local], d.labels()[r], "label of row " + i);
              assertArrayEquals(
                  Arrays.copyOfRange(source.values(), local * 7, local * 7 + 7),
                  Arrays.copyOfRange(d.values(), r * 7, r * 7 + 7),
                  "features of row " + i);
            }
          }
        }
        long[] expected = sampler.batch(step);
        assertArrayEquals(
            expected, got.stream().mapToLong(Long::longValue).toArray(), kind + " step " + step);
      }
      assertTrue(backend.prefetcher().windows() >= 3, "several windows: " + kind);
      backend.release();
      assertNull(backend.prefetcher());
      rdd.unpersist(true);
    }
  }

  @Test
  void noRowsAreFetchedPastTheStepBudget() {
    List<RowBlock> blocks = denseBlocks(300, 5, 64, 12);
    JavaRDD<RowBlock> rdd = cache(blocks, 2);
    ModelKey key = new ModelKey("mlp:5-3-1", 0.0, "logistic", "iid", 20, 300, 7L, "double");
    SparkBackend backend = backend(rdd, 300, key, 2);
    backend.limitSteps(150);
    backend.useRowsPath(1 << 20);
    for (long step = 0; step < 150; step++) {
      assertEquals(2, backend.prefetcher().rowsOf(step).size());
    }
    // windows of 64 and then 4 × 64 = 256 steps, the second cut at the budget: 64 + 86
    assertEquals(2, backend.prefetcher().windows());
    assertEquals(150, backend.prefetcher().fetchedSteps());
    backend.release();
    rdd.unpersist(true);
  }

  @Test
  void aWindowOfVeryWideRowsStaysWithinItsByteBoundAndKeepsTheBits() {
    int features = 6000; // 48 KB per dense row
    List<RowBlock> blocks = denseBlocks(256, features, 64, 3);
    JavaRDD<RowBlock> rdd = cache(blocks, 2);
    ModelKey key =
        new ModelKey("mlp:" + features + "-3-1", 0.0, "exp", "iid", 24, 256, 5L, "double");
    SparkBackend job = backend(rdd, 256, key, 2);
    SparkBackend rows = backend(rdd, 256, key, 2);
    long budget = 2 << 20;
    rows.useRowsPath(budget);
    Network net = Network.of(NetworkSpec.parse(key.modelSpec()), 0.0);
    double[] theta = new double[net.parameterCount()];
    SplittableRandom r = new SplittableRandom(8);
    for (int i = 0; i < theta.length; i++) {
      theta[i] = r.nextGaussian() * 0.02;
    }
    int steps = 24;
    for (long step = 0; step < steps; step++) {
      BatchGradient a = job.batchSum(step, theta);
      BatchGradient b = rows.batchSum(step, theta);
      assertEquals(a.count(), b.count());
      assertEquals(
          Double.doubleToRawLongBits(a.logFrame()), Double.doubleToRawLongBits(b.logFrame()));
      assertArrayEquals(a.gradient(), b.gradient(), "step " + step);
    }
    RowsPrefetcher p = rows.prefetcher();
    // 24 rows × 48 KB ≈ 1.15 MB per step: a 2 MiB window holds one step (one per partition share).
    assertTrue(p.maxWindowBytes() <= budget, "window bytes " + p.maxWindowBytes());
    assertTrue(p.maxWindowBytes() > 0);
    assertTrue(p.maxWindowSteps() <= 3, "window steps " + p.maxWindowSteps());
    assertTrue(p.windows() >= steps / 3, "windows " + p.windows());
    assertNotNull(rows.describe());
    job.release();
    rows.release();
    rdd.unpersist(true);
  }

  @Test
  void windowRowsRejectInconsistentShapesAndNameTheStepRange() {
    CsrBlock empty =
        new CsrBlock(0, 3, new int[] {0}, new int[0], new double[0], new double[0], new long[0]);
    WindowRows w = new WindowRows(10, new int[] {1, 0}, new RowBlock[] {empty});
    assertEquals(1, w.rowsOf(10).size());
    assertEquals(0, w.rowsOf(11).size());
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> w.rowsOf(12));
    assertTrue(e.getMessage().contains("[10, 12)"), e.getMessage());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new WindowRows(0, new int[] {2}, new RowBlock[1]));
  }

  private TrainJob.Outcome train(String[] flags, String dir, String path, String... more)
      throws IOException {
    String[] all =
        concat(concat(flags, "--step-path", path, "--out", tmp.resolve(dir).toString()), more);
    return TrainJob.run(RunFiles.config(all), SparkFixture.spark());
  }

  private static SparkBackend backend(JavaRDD<RowBlock> rdd, long n, ModelKey key, int depth) {
    return new SparkBackend(
        SparkFixture.jsc(),
        rdd,
        null,
        n,
        key,
        depth,
        SparkBackend.ThetaShipping.CLOSURE,
        null,
        SparkBackend.StepPath.CACHED_JOB);
  }

  /** Seeded dense rows 0..n−1 in blocks of {@code blockRows}. */
  static List<RowBlock> denseBlocks(int n, int features, int blockRows, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    RowBlockBuilder b = new RowBlockBuilder(features, false, blockRows);
    double[] x = new double[features];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < features; j++) {
        x[j] = r.nextGaussian();
      }
      b.addDense(i, r.nextBoolean() ? 1 : -1, x);
    }
    return b.finish();
  }

  /** The blocks in {@code partitions} contiguous partitions, cached and materialized. */
  static JavaRDD<RowBlock> cache(List<RowBlock> blocks, int partitions) {
    JavaRDD<RowBlock> rdd =
        SparkFixture.jsc().parallelize(blocks, partitions).persist(StorageLevel.MEMORY_ONLY());
    rdd.count();
    return rdd;
  }

  static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}

package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.LibsvmReader;
import io.marginflow.common.stats.StepRow;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.common.train.InMemoryRecorder;
import io.marginflow.common.train.LocalTrainer;
import io.marginflow.common.train.TrainingLoop;
import io.marginflow.common.train.TrainingState;
import io.marginflow.spark.report.RunStatus;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lyu–Li's abort ({@code abort-batch-loss: 600}) and stop ({@code min-alpha}) on Spark local[2]: on
 * MNIST t10k 0-vs-1 (raw pixels, an MLP, reshuffled batches of 100, α₀ = 0.01) the first accepted
 * epoch makes η = α/𝓛 so large that later epochs blow up and are aborted. The per-step job path,
 * the rows path and {@link LocalTrainer} give the same bits; the run stops on min-alpha with the
 * reason in status.json; a resume inside and right after an aborted epoch is bit-identical. One
 * shared local[2] session.
 */
class LossBasedLimitsIT {

  private static final Configuration CONF = new Configuration();

  /** 2,115 rows / 100: 21 steps per epoch. */
  private static final int STEPS_PER_EPOCH = 21;

  private static final Path MNIST = SharedDatasets.resolve("mnist-t10k/mnist-t10k-0vs1.libsvm.gz");

  private static Dataset local;

  @TempDir Path tmp;

  @BeforeAll
  static void readData() throws IOException {
    local = LibsvmReader.read(MNIST, 784, true, 1024);
  }

  private static String[] flags(String... extra) {
    List<String> f =
        new ArrayList<>(
            List.of(
                "--data",
                MNIST.toString(),
                "--features",
                "784",
                "--model",
                "mlp:784-16-1",
                "--sampler",
                "reshuffle",
                "--batch",
                "100",
                "--steps",
                "210",
                "--eval-every",
                "21",
                "--log-spaced-evals",
                "false",
                "--checkpoint-every",
                "7",
                "--schedule",
                "loss-based",
                "--step",
                "0.01",
                "--abort-batch-loss",
                "600",
                "--partitions",
                "1",
                "--block-rows",
                "1024"));
    f.addAll(List.of(extra));
    return f.toArray(String[]::new);
  }

  private TrainJob.Outcome train(String dir, String path, String... extra) throws IOException {
    String[] f =
        Stream.concat(
                Arrays.stream(flags(extra)),
                Stream.of("--out", tmp.resolve(dir).toString(), "--step-path", path))
            .toArray(String[]::new);
    return TrainJob.run(RunFiles.config(f), SparkFixture.spark());
  }

  /** Epochs with fewer step rows than steps: the aborted ones. */
  private static Set<Long> abortedEpochs(List<StepRow> rows, long steps) {
    long[] count = new long[(int) (steps / STEPS_PER_EPOCH)];
    for (StepRow r : rows) {
      count[(int) (r.step() / STEPS_PER_EPOCH)]++;
    }
    Set<Long> out = new TreeSet<>();
    for (int e = 0; e < count.length; e++) {
      if (count[e] < STEPS_PER_EPOCH) {
        out.add((long) e);
      }
    }
    return out;
  }

  @Test
  void jobPathRowsPathAndLocalTrainerAgreeBitForBitWithAborts() throws IOException {
    TrainJob.Outcome job = train("job", "job");
    TrainJob.Outcome rows = train("rows", "rows", "--prefetch-bytes", "64k");
    TrainConfig cfg = RunFiles.config(flags());
    InMemoryRecorder rec = new InMemoryRecorder();
    TrainingState oracle = new LocalTrainer(cfg, 784).run(local, null, rec, null);

    List<StepRow> jobSteps = RunFiles.steps(job.runDir(), CONF);
    Set<Long> aborted = abortedEpochs(jobSteps, 210);
    assertTrue(aborted.size() >= 3, "aborts happen: " + aborted);
    assertTrue(job.state().rule().epochs() >= 1, "and an epoch is accepted: " + job.state().rule());

    assertSameRun(job, rows, "rows path");

    assertArrayEquals(oracle.theta(), job.state().theta(), "LocalTrainer: θ");
    assertEquals(oracle, job.state(), "LocalTrainer: final state");
    assertEquals(
        rec.steps().stream().map(RunFiles::withoutWall).toList(), jobSteps, "LocalTrainer: steps");
    assertEquals(rec.evals(), RunFiles.evals(job.runDir(), CONF), "LocalTrainer: evaluations");

    // two partitions (sums merged across them): the two paths still agree bit for bit
    TrainJob.Outcome job2 = train("job2", "job", "--partitions", "2");
    TrainJob.Outcome rows2 = train("rows2", "rows", "--partitions", "2", "--prefetch-bytes", "64k");
    assertTrue(job2.state().rule().rollbacks() >= 3, "aborts on two partitions too");
    assertSameRun(job2, rows2, "two partitions");
  }

  @Test
  void resumeInsideAndRightAfterAnAbortedEpochIsBitIdentical() throws IOException {
    TrainJob.Outcome whole = train("whole", "job");
    List<StepRow> steps = RunFiles.steps(whole.runDir(), CONF);
    long epoch = abortedEpochs(steps, 210).iterator().next();
    long first = epoch * STEPS_PER_EPOCH;
    long abortStep =
        steps.stream()
                .filter(r -> r.step() / STEPS_PER_EPOCH == epoch)
                .mapToLong(StepRow::step)
                .max()
                .orElse(first - 1)
            + 1;
    // the last checkpoint at or before the abort (inside the epoch unless it is the first step),
    // and the first one after the jump to the next epoch
    long inside = abortStep / 7 * 7;
    long after = first + STEPS_PER_EPOCH;
    for (long at : new long[] {inside, after}) {
      Path copy = tmp.resolve("resumed-" + at);
      copyTree(Path.of(whole.runDir()), copy);
      Files.writeString(copy.resolve("checkpoints/LATEST"), at + "\n", StandardCharsets.US_ASCII);
      try (Stream<Path> ckpts = Files.list(copy.resolve("checkpoints"))) {
        for (Path p : ckpts.toList()) {
          String name = p.getFileName().toString();
          if (name.startsWith("step-") && Long.parseLong(name.substring(5)) > at) {
            SparkTrainIT.deleteRecursively(p);
          }
        }
      }
      Files.delete(copy.resolve("status.json"));
      String[] f =
          Stream.concat(Arrays.stream(flags()), Stream.of("--resume", copy.toString()))
              .toArray(String[]::new);
      TrainJob.Outcome resumed = TrainJob.run(RunFiles.config(f), SparkFixture.spark());
      assertSameRun(whole, resumed, "resumed at " + at + " (abort at " + abortStep + ")");
    }
  }

  @Test
  void minAlphaStopsTheRunWithItsReasonInStatusJson() throws IOException {
    // α₀ = 0.01: the first aborted or rolled-back epoch takes α below 0.0099
    TrainJob.Outcome o = train("stop", "auto", "--min-alpha", "0.0099");
    assertTrue(o.state().step() < 210, "stopped early at step " + o.state().step());
    assertTrue(o.state().rule().logAlpha() < Math.log(0.0099));
    RunStatus status =
        RunStatus.parse(
            RunFiles.text(o.runDir(), "status.json", CONF).getBytes(StandardCharsets.UTF_8),
            "status.json");
    assertEquals(RunStatus.State.STOPPED, status.state());
    assertEquals(TrainingLoop.MIN_ALPHA, status.reason());
    assertEquals(o.state().step(), status.step());
    String manifest = RunFiles.text(o.runDir(), "manifest.json", CONF).replace(" ", "");
    assertTrue(manifest.contains("\"min-alpha\":\"0.0099\""), manifest);
    assertTrue(manifest.contains("\"abort-batch-loss\":\"600\""), manifest);
  }

  /** The same final state, step rows ({@code wall_ms} aside) and evaluation rows. */
  private static void assertSameRun(TrainJob.Outcome a, TrainJob.Outcome b, String what)
      throws IOException {
    assertEquals(a.state(), b.state(), what + ": final state");
    assertEquals(
        RunFiles.stepsWithoutWall(a.runDir(), CONF),
        RunFiles.stepsWithoutWall(b.runDir(), CONF),
        what + ": steps.jsonl");
    assertEquals(
        RunFiles.text(a.runDir(), "metrics/eval.jsonl", CONF),
        RunFiles.text(b.runDir(), "metrics/eval.jsonl", CONF),
        what + ": eval.jsonl");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.PausePoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Multi-executor correctness: the reference run repeated on Spark's {@code local-cluster[2,1,1024]}
 * master (an in-process Master and two Workers, each executor its own JVM) gives θ and metric rows
 * bit-identical to {@code local[2]} with the same partition count.
 *
 * <p>Surefire gives this JVM {@code SPARK_HOME} (a folder with a RELEASE file and an empty {@code
 * jars/}, made here), {@code SPARK_SCALA_VERSION} and {@code SPARK_LOCAL_IP}; the executors get the
 * test classpath through {@code spark.executor.extraClassPath} (surefire's manifest-only jar is
 * off, so {@code java.class.path} lists the real entries).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterModeIT {

  private static SparkSession spark;
  private static final Path EVALUATION_ARM =
      Path.of("target", "local-cluster-mode", "evaluation-arm").toAbsolutePath();

  @AfterAll
  static void stopSession() {
    if (spark != null) {
      spark.stop();
    }
  }

  static synchronized SparkSession session() throws IOException {
    if (spark != null) {
      return spark;
    }
    SparkConf conf =
        LocalClusterSessions.conf("marginflow-local-cluster-mode-it", "local-cluster-mode");
    Files.createDirectories(EVALUATION_ARM.getParent());
    // Armed only by the evaluation kill test's file: one evaluation task then waits to be killed.
    conf.set(
        "spark.executor.extraJavaOptions",
        conf.get("spark.executor.extraJavaOptions")
            + " -D"
            + PausePoint.PROPERTY
            + "=evaluation -D"
            + PausePoint.ARM_PROPERTY
            + "="
            + EVALUATION_ARM);
    spark = SparkSession.builder().config(conf).getOrCreate();
    return spark;
  }

  @Test
  void twoExecutorJvmsGiveTheBitsOfLocal2() throws IOException {
    ReferenceRun.startInBackground(); // overlaps with the start of the executors
    Path out = Path.of("target", "local-cluster-mode", "a9a").toAbsolutePath();
    List<String> flags =
        Scripts.args(
            List.of("--data", ReferenceRun.a9a().toString(), "--out", out.toString()),
            ReferenceRun.TRAIN_FLAGS.toArray(String[]::new));
    TrainConfig config =
        TrainConfig.from(ConfigLoader.parse(flags.toArray(String[]::new)).settings());
    SparkSession s = session();

    TrainJob.Outcome o = TrainJob.run(config, s);

    // Driver + two executors took part (the executors registered before the first job ran).
    int blockManagers = s.sparkContext().getExecutorMemoryStatus().size();
    assertEquals(3, blockManagers, "block managers: the driver and 2 executors");
    RunDir run = new RunDir(o.runDir());
    RunDir reference = ReferenceRun.get();
    assertArrayEquals(
        reference.theta(), o.state().theta(), "θ after 60 steps, local-cluster vs local[2]");
    assertArrayEquals(reference.theta(), run.theta(), "checkpointed θ");
    assertEquals(ReferenceRun.CHECKPOINTS, run.checkpointSteps());
    assertEquals(
        reference.stepRowsWithoutWall(),
        run.stepRowsWithoutWall(),
        "steps.jsonl (wall_ms blanked)");
    assertEquals(reference.evalRows(), run.evalRows(), "eval.jsonl");
    assertTrue(
        run.evalRows().contains("\"n\":" + ReferenceRun.A9A_ROWS),
        "evaluations cover every a9a row");
  }

  /**
   * With more than two partitions the partial sums must still merge in partition order (not in the
   * order tasks finish on two executors): three runs give the same bits.
   */
  @Test
  void fourPartitionsOnTwoExecutorsAreBitReproducible() throws IOException {
    SparkSession s = session();
    double[] first = null;
    for (int run = 0; run < 3; run++) {
      Path out = Path.of("target", "local-cluster-mode", "p4-" + run).toAbsolutePath();
      List<String> flags =
          new ArrayList<>(
              List.of("--data", ReferenceRun.a9a().toString(), "--out", out.toString()));
      flags.addAll(ReferenceRun.TRAIN_FLAGS);
      flags.addAll(List.of("--partitions", "4"));
      TrainConfig config =
          TrainConfig.from(ConfigLoader.parse(flags.toArray(String[]::new)).settings());
      double[] theta = TrainJob.run(config, s).state().theta();
      if (first == null) {
        first = theta;
      } else {
        assertArrayEquals(first, theta, "θ of run " + run + " vs run 0, 4 partitions");
      }
    }
  }

  /**
   * On executors of their own a prefetch task returns at most about 1 MiB of rows ({@code
   * WindowShare}), however large {@code --prefetch-bytes} is: with 1,000-row batches the default 64
   * MiB window would give each of the two partitions ≈ 6 MB per 64-step window. The windows are
   * then shorter, and the run keeps the bits of the per-step job path.
   */
  @Test
  void prefetchTaskResultsStayNearOneMebibyteOnACluster() throws IOException {
    SparkSession s = session();
    RunDir reference =
        new RunDir(run(s, "share-reference", "--batch", "1000", "--step-path", "job").runDir());
    java.util.Map<Integer, String> stageJobs = new java.util.concurrent.ConcurrentHashMap<>();
    List<Long> resultBytes = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger prefetchJobs = new AtomicInteger();
    SparkListener sizes =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart e) {
            String d = e.properties() == null ? null : e.properties().getProperty(DESCRIPTION);
            if (d != null && d.startsWith("marginflow rows path")) {
              prefetchJobs.incrementAndGet();
              scala.jdk.javaapi.CollectionConverters.asJava(e.stageIds())
                  .forEach(id -> stageJobs.put((Integer) id, d));
            }
          }

          @Override
          public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
            if (stageJobs.containsKey(e.stageId()) && e.taskMetrics() != null) {
              resultBytes.add(e.taskMetrics().resultSize());
            }
          }
        };
    s.sparkContext().addSparkListener(sizes);
    TrainJob.Outcome o;
    try {
      o = run(s, "share-rows", "--batch", "1000", "--step-path", "rows");
    } finally {
      s.sparkContext().removeSparkListener(sizes);
    }
    RunDir run = new RunDir(o.runDir());
    assertArrayEquals(reference.theta(), o.state().theta(), "θ, rows path vs job path");
    assertEquals(reference.stepRowsWithoutWall(), run.stepRowsWithoutWall(), "steps.jsonl");
    assertEquals(reference.evalRows(), run.evalRows(), "eval.jsonl");
    assertTrue(resultBytes.size() >= 2 * prefetchJobs.get(), "task results seen: " + resultBytes);
    long largest = resultBytes.stream().mapToLong(Long::longValue).max().orElse(0);
    assertTrue(
        largest <= (1L << 20) + (64 << 10),
        "largest prefetch task result " + largest + " B, expected ≤ 1 MiB + 64 KiB");
    assertTrue(
        largest >= 512 << 10,
        "largest prefetch task result " + largest + " B: the share was never reached");
    assertTrue(prefetchJobs.get() >= 4, "prefetch jobs: " + prefetchJobs);
  }

  /**
   * The rows path on two executor JVMs, with one executor killed (SIGKILL) as the fifth prefetch
   * job starts: the prefetch job that finds its cached block gone re-caches it and runs again, and
   * θ, the metric rows and the checkpoints are the bits of the per-step job path on the same
   * cluster without a kill (which {@link #twoExecutorJvmsGiveTheBitsOfLocal2} ties to local[2]).
   * Runs last (a replacement executor is still registering afterwards).
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void anExecutorKilledDuringAPrefetchJobLeavesTheBits() throws IOException {
    SparkSession s = session();
    RunDir reference = new RunDir(run(s, "rows-kill-reference", "--step-path", "job").runDir());
    String appId = s.sparkContext().applicationId();
    AtomicInteger prefetchJobs = new AtomicInteger();
    AtomicInteger recacheJobs = new AtomicInteger();
    AtomicInteger removed = new AtomicInteger();
    List<Long> killed = java.util.Collections.synchronizedList(new ArrayList<>());
    SparkListener killer =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart e) {
            String d = e.properties() == null ? null : e.properties().getProperty(DESCRIPTION);
            if (d != null && d.startsWith("marginflow: re-cache")) {
              recacheJobs.incrementAndGet();
            }
            if (d != null
                && d.startsWith("marginflow rows path")
                && prefetchJobs.incrementAndGet() == 5) {
              executorProcess(appId)
                  .ifPresent(
                      p -> {
                        killed.add(p.pid());
                        p.destroyForcibly();
                      });
            }
          }

          @Override
          public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
            removed.incrementAndGet();
          }
        };
    s.sparkContext().addSparkListener(killer);
    try {
      // About three steps per window: twenty prefetch jobs in the run.
      TrainJob.Outcome o = run(s, "rows-kill", "--step-path", "rows", "--prefetch-bytes", "64k");
      assertEquals(
          1, killed.size(), "one executor JVM killed (prefetch jobs seen: " + prefetchJobs + ")");
      RunDir run = new RunDir(o.runDir());
      assertArrayEquals(reference.theta(), o.state().theta(), "θ after the executor loss");
      assertArrayEquals(reference.theta(), run.theta(), "checkpointed θ");
      assertEquals(reference.stepRowsWithoutWall(), run.stepRowsWithoutWall(), "steps.jsonl");
      assertEquals(reference.evalRows(), run.evalRows(), "eval.jsonl");
      assertEquals(ReferenceRun.CHECKPOINTS, run.checkpointSteps());
      assertTrue(recacheJobs.get() >= 1, "the lost blocks were re-cached and the job rerun");
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (removed.get() == 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(removed.get() >= 1, "Spark saw the executor go");
    } finally {
      s.sparkContext().removeSparkListener(killer);
    }
  }

  /**
   * fault B2 during an evaluation: the executor running an evaluation task of the step-30
   * evaluation is killed (SIGKILL) while that task is inside the pass ({@link
   * PausePoint#reachOnce}); the task runs again elsewhere, and θ, steps.jsonl and eval.jsonl equal
   * {@link ReferenceRun}'s bit for bit.
   */
  @Test
  @Order(Integer.MAX_VALUE - 1)
  void anExecutorKilledDuringAnEvaluationLeavesTheBits() throws Exception {
    SparkSession s = session();
    AtomicInteger evaluations = new AtomicInteger();
    SparkListener armer =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart e) {
            String d = e.properties() == null ? null : e.properties().getProperty(DESCRIPTION);
            if (d != null && d.startsWith("marginflow evaluation") && evaluations.get() == 0) {
              evaluations.incrementAndGet();
            }
          }

          @Override
          public void onJobEnd(org.apache.spark.scheduler.SparkListenerJobEnd e) {
            if (evaluations.get() == 1 && evaluations.compareAndSet(1, 2)) {
              try {
                Files.writeString(EVALUATION_ARM, "armed after the first evaluation\n");
              } catch (IOException x) {
                throw new java.io.UncheckedIOException(x);
              }
            }
          }
        };
    Path pidFile = Path.of(EVALUATION_ARM + ".pid");
    Files.deleteIfExists(pidFile);
    Files.deleteIfExists(Path.of(EVALUATION_ARM + ".claimed"));
    s.sparkContext().addSparkListener(armer);
    java.util.concurrent.ExecutorService runner =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      // The per-step job path: 30 step jobs between the first two evaluations, time enough for
      // the listener to arm the pause before the second evaluation starts.
      java.util.concurrent.Future<TrainJob.Outcome> run =
          runner.submit(() -> run(s, "evaluation-kill", "--step-path", "job"));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(4);
      while (!Files.exists(pidFile)) {
        if (run.isDone() || System.nanoTime() > deadline) {
          run.get(1, java.util.concurrent.TimeUnit.SECONDS);
          throw new AssertionError("no evaluation task paused (evaluations seen: " + evaluations);
        }
        Thread.sleep(20);
      }
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
      assertTrue(
          LocalClusterFixture.commandLine(pid).contains("CoarseGrainedExecutorBackend"),
          "the paused task runs in an executor JVM");
      victim.destroyForcibly();
      TrainJob.Outcome o = run.get(4, java.util.concurrent.TimeUnit.MINUTES);

      RunDir run2 = new RunDir(o.runDir());
      RunDir reference = ReferenceRun.get();
      assertArrayEquals(reference.theta(), o.state().theta(), "θ after the executor loss");
      assertEquals(reference.stepRowsWithoutWall(), run2.stepRowsWithoutWall(), "steps.jsonl");
      assertEquals(reference.evalRows(), run2.evalRows(), "eval.jsonl");
      assertEquals(ReferenceRun.CHECKPOINTS, run2.checkpointSteps());
    } finally {
      runner.shutdownNow();
      s.sparkContext().removeSparkListener(armer);
      Files.deleteIfExists(EVALUATION_ARM);
    }
  }

  /** The reference flags on a9a in this session, plus {@code more}. */
  private static TrainJob.Outcome run(SparkSession s, String dir, String... more)
      throws IOException {
    Path out = Path.of("target", "local-cluster-mode", dir).toAbsolutePath();
    List<String> flags =
        new ArrayList<>(List.of("--data", ReferenceRun.a9a().toString(), "--out", out.toString()));
    flags.addAll(ReferenceRun.TRAIN_FLAGS);
    flags.addAll(List.of(more));
    return TrainJob.run(
        TrainConfig.from(ConfigLoader.parse(flags.toArray(String[]::new)).settings()), s);
  }

  private static final String DESCRIPTION = "spark.job.description";

  /** One executor JVM of this session's application (started by its in-process Worker). */
  private static Optional<ProcessHandle> executorProcess(String appId) {
    return ProcessHandle.allProcesses()
        .filter(
            p -> {
              String c = LocalClusterFixture.commandLine(p.pid());
              return c.contains("CoarseGrainedExecutorBackend") && c.contains(appId);
            })
        .findFirst();
  }
}

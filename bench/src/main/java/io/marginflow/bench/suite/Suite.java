package io.marginflow.bench.suite;

import io.marginflow.bench.PairedComparison;
import io.marginflow.common.net.BlasInfo;
import io.marginflow.spark.job.SparkBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * The side-by-side benchmark suite of issue 6: marginflow against Spark MLlib 4.2.0 and against the
 * hardware, every comparison alternating its two sides (A B A B …) in one JVM and one Spark
 * session, with medians, min–max and ratios written as Markdown.
 *
 * <pre>bench/bin/suite [--scale full|smoke] [--only 1,2,4] [--cluster] [--out FILE]</pre>
 */
public final class Suite {

  private final SparkSession spark;
  private final Scale scale;
  private final Path datasets;
  private final Path scratch;
  private final Report report;

  /** A suite over the given session. */
  public Suite(SparkSession spark, Scale scale, Path datasets, Path scratch, Report report) {
    this.spark = spark;
    this.scale = scale;
    this.datasets = datasets;
    this.scratch = scratch;
    this.report = report;
  }

  /** Entry point; see the class comment for the flags. */
  public static void main(String[] args) throws Exception {
    Scale scale = Scale.FULL;
    Set<Integer> only = new LinkedHashSet<>(List.of(1, 2, 3, 4, 5, 6, 7));
    boolean cluster = false;
    Path out = Path.of("bench/target/suite-results.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--scale" -> scale = Scale.parse(args[++i]);
        case "--only" -> {
          only.clear();
          for (String s : args[++i].split(",")) {
            only.add(Integer.parseInt(s.trim()));
          }
        }
        case "--cluster" -> cluster = true;
        case "--out" -> out = Path.of(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + " (expected --scale full|smoke, --only LIST, --cluster, --out FILE)");
      }
    }
    Report report = new Report();
    run(
        scale,
        only,
        cluster,
        datasetsDir(),
        Path.of(System.getProperty("java.io.tmpdir"), "marginflow-bench"),
        report);
    report.write(out);
    System.out.println("results: " + out.toAbsolutePath());
  }

  /**
   * Runs the chosen comparisons ({@code cluster}: also the local-cluster parts of 4, 6 and 7, each
   * in sessions of its own after the local[2] session has stopped).
   */
  public static void run(
      Scale scale, Set<Integer> only, boolean cluster, Path datasets, Path scratch, Report report)
      throws IOException {
    report.linef("# marginflow benchmark suite (scale %s)", scale.name());
    report.linef(
        "%n- date: %s UTC; JDK %s; %d CPUs; BLAS %s; load average at start %s",
        java.time.Instant.now(),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        BlasInfo.implementation(),
        Report.loadAverage());
    SparkSession spark = BenchSpark.start("local[2]", scratch.toFile());
    try {
      Suite s = new Suite(spark, scale, datasets, scratch, report);
      if (only.contains(1)) {
        s.linearFullBatch();
      }
      if (only.contains(2)) {
        s.smallBatch();
      }
      if (only.contains(3)) {
        s.realMlp();
      }
      if (only.contains(4)) {
        s.fixedCost("local[2]");
      }
      if (only.contains(5)) {
        s.kernels();
      }
      if (only.contains(6)) {
        s.memory();
      }
      if (only.contains(7)) {
        s.scaling();
      }
    } finally {
      spark.stop();
    }
    if (cluster && only.contains(4)) {
      SparkSession lc = BenchSpark.start("local-cluster[2,1,1024]", scratch.toFile());
      try {
        new Suite(lc, scale, datasets, scratch, report).fixedCost("local-cluster[2,1,1024]");
      } finally {
        lc.stop();
      }
    }
    ClusterComparisons cc = new ClusterComparisons(scale, datasets, scratch, report);
    if (cluster && only.contains(6)) {
      cc.memory();
    }
    if (cluster && only.contains(7)) {
      cc.scaling();
    }
  }

  static Path datasetsDir() {
    String p = System.getProperty("marginflow.datasets");
    return Path.of(p != null ? p : "../shared/datasets").toAbsolutePath().normalize();
  }

  // ---------------------------------------------------------------- comparison 1

  void linearFullBatch() throws IOException {
    report.linef("%n## 1. Equal work: full batch, linear (L = 1), ms per step%n");
    report.line(
        "marginflow `mlp:F-1 --loss logistic --sampler full --schedule vanishing:0.5 --init zeros`"
            + " vs MLlib `runMiniBatchSGD(LogisticGradient, SimpleUpdater, miniBatchFraction = 1.0)`;"
            + " 2 partitions, local[2]. "
            + scale.linearSteps()
            + " steps/iterations per run.\n");
    tableHeader("| data | rows | marginflow ms/step | MLlib ms/step | MLlib / marginflow | load |");
    for (String[] d : new String[][] {{"a9a/a9a.gz", "123"}, {"ijcnn1/ijcnn1.trn.gz", "22"}}) {
      Path file = limited(d[0]);
      int f = Integer.parseInt(d[1]);
      try (PreparedRun mf =
          new PreparedRun(
              spark,
              fullBatchLinear(
                  file,
                  f,
                  scale.linearSteps(),
                  "--schedule",
                  "vanishing:0.5",
                  "--step",
                  "1",
                  "--init",
                  "zeros"))) {
        JavaRDD<Tuple2<Object, Vector>> ml = Mllib.labeledPoints(spark, file.toString(), f, 2);
        Samples a = new Samples();
        Samples b = new Samples();
        Samples ratio = new Samples();
        if (scale.warmUp()) {
          mf.run();
          Mllib.sgdMs(ml, f, 3, 1.0);
        }
        for (int r = 0; r < scale.reps(); r++) {
          double ma = Samples.meanOf(mf.run().wallMs(), 0.1);
          double mb =
              perIteration(
                  Mllib.sgdMs(ml, f, scale.linearSteps(), 1.0),
                  Mllib.sgdMs(ml, f, 1, 1.0),
                  scale.linearSteps());
          a.add(ma);
          b.add(mb);
          ratio.add(mb / ma);
        }
        report.linef(
            "| %s | %d | %s | %s | **%s** | %s |",
            d[0], mf.rows(), a.format(2), b.format(2), ratio.format(2), Report.loadAverage());
        ml.unpersist(true);
      }
    }
    report.line("\nGoal: MLlib / marginflow ≥ 2.");
  }

  // ---------------------------------------------------------------- comparison 2

  void smallBatch() throws IOException {
    report.linef("%n## 2. Small-batch SGD (n_b = 100) against data size, ms per step%n");
    report.line(
        "marginflow `mlp:22-1 --sampler iid --batch 100` vs MLlib `runMiniBatchSGD` with"
            + " `miniBatchFraction = 100/n` on ijcnn1 replicated (`Replicas`, seeded). marginflow "
            + scale.sgdSteps()
            + " steps, MLlib "
            + scale.sgdIterations()
            + " iterations per run.\n");
    tableHeader("| data | rows | marginflow ms/step | MLlib ms/step | MLlib / marginflow | load |");
    for (int factor : scale.replicaFactors()) {
      Path file = Replicas.write(source("ijcnn1/ijcnn1.trn.gz"), factor, scale.rowLimit(), scratch);
      try (PreparedRun mf =
          new PreparedRun(
              spark,
              flags(
                  file,
                  22,
                  "mlp:22-1",
                  "--sampler",
                  "iid",
                  "--batch",
                  "100",
                  "--step",
                  "1",
                  "--init",
                  "zeros",
                  "--steps",
                  "" + scale.sgdSteps()))) {
        JavaRDD<Tuple2<Object, Vector>> ml = Mllib.labeledPoints(spark, file.toString(), 22, 2);
        double fraction = 100.0 / mf.rows();
        Samples a = new Samples();
        Samples b = new Samples();
        Samples ratio = new Samples();
        if (scale.warmUp()) {
          mf.run();
          Mllib.sgdMs(ml, 22, 3, fraction);
        }
        for (int r = 0; r < scale.reps(); r++) {
          double ma = Samples.meanOf(mf.run().wallMs(), 0.1);
          double mb =
              perIteration(
                  Mllib.sgdMs(ml, 22, scale.sgdIterations(), fraction),
                  Mllib.sgdMs(ml, 22, 1, fraction),
                  scale.sgdIterations());
          a.add(ma);
          b.add(mb);
          ratio.add(mb / ma);
        }
        report.linef(
            "| ijcnn1 ×%d | %d | %s | %s | **%s** | %s |",
            factor, mf.rows(), a.format(2), b.format(2), ratio.format(1), Report.loadAverage());
        ml.unpersist(true);
      }
    }
    report.line("\nGoals: marginflow flat in n; MLlib / marginflow ≥ 10 at 16×.");
  }

  // ---------------------------------------------------------------- comparison 3

  void realMlp() throws IOException {
    report.linef("%n## 3. A real MLP, full batch: rows per second%n");
    report.line(
        "marginflow `--sampler full --loss logistic` in double (default) and `--precision single`"
            + " vs MLlib `MultilayerPerceptronClassifier` (`solver=gd`, blockSize 128, output layer"
            + " of 2); "
            + scale.mlpSteps()
            + " steps/iterations per run; 2 partitions; the three alternate run by run.\n");
    tableHeader(
        "| data | model | precision | rows | marginflow rows/s | MLlib rows/s | marginflow / MLlib | load |");
    String[][] cases = {
      {"a9a/a9a.gz", "123", "mlp:123-256-1", "123,256,2"},
      {"mnist-t10k/mnist-t10k-0vs1.libsvm.gz", "784", "mlp:784-256-256-1", "784,256,256,2"}
    };
    String[] precisions = {"double", "single"};
    for (String[] c : cases) {
      Path file = limited(c[0]);
      int f = Integer.parseInt(c[1]);
      int[] layers = java.util.Arrays.stream(c[3].split(",")).mapToInt(Integer::parseInt).toArray();
      List<PreparedRun> runs = new ArrayList<>();
      try {
        for (String precision : precisions) {
          runs.add(
              new PreparedRun(
                  spark,
                  flags(
                      file,
                      f,
                      c[2],
                      "--sampler",
                      "full",
                      "--step",
                      "0.1",
                      "--precision",
                      precision,
                      "--steps",
                      "" + scale.mlpSteps())));
        }
        Dataset<Row> df = Mllib.frame(spark, file.toString(), f, 2);
        Samples b = new Samples();
        Samples[] a = {new Samples(), new Samples()};
        Samples[] ratio = {new Samples(), new Samples()};
        if (scale.warmUp()) {
          runs.forEach(PreparedRun::run);
          Mllib.mlpMs(df, layers, 2);
        }
        long rows = runs.get(0).rows();
        for (int r = 0; r < scale.reps(); r++) {
          double ra = rows / (Samples.meanOf(runs.get(0).run().wallMs(), 0.0) / 1e3);
          double rb =
              rows
                  / (perIteration(
                          Mllib.mlpMs(df, layers, scale.mlpSteps()),
                          Mllib.mlpMs(df, layers, 1),
                          scale.mlpSteps())
                      / 1e3);
          double rs = rows / (Samples.meanOf(runs.get(1).run().wallMs(), 0.0) / 1e3);
          a[0].add(ra);
          a[1].add(rs);
          b.add(rb);
          ratio[0].add(ra / rb);
          ratio[1].add(rs / rb);
        }
        for (int k = 0; k < precisions.length; k++) {
          report.linef(
              "| %s | `%s` | %s | %d | %s | %s | **%s** | %s |",
              c[0],
              c[2],
              precisions[k],
              rows,
              a[k].format(0),
              b.format(0),
              ratio[k].format(2),
              Report.loadAverage());
        }
        df.unpersist(true);
      } finally {
        runs.forEach(PreparedRun::close);
      }
    }
    report.line(
        "\nGoal: marginflow / MLlib ≥ 3. `single`: float step kernels (opt-in; README: stated"
            + " tolerance 1e-5 per step against double).");
  }

  // ---------------------------------------------------------------- comparison 4

  void fixedCost(String master) throws IOException {
    report.linef("%n## 4. Fixed cost per step (%s): tiny model and batch, ms per step%n", master);
    report.line(
        "`mlp:20-4-1 --batch 10 --sampler iid` on 2000 generated rows, 2 partitions, "
            + scale.tinySteps()
            + " steps per run; per run the median over its steps (first 10 % skipped),"
            + " then median (min–max) over "
            + scale.reps()
            + " runs. The two step paths of SparkBackend"
            + " alternate run by run: `tree` (a fresh mapPartitions + treeAggregate per step, the path"
            + " for ≥ 5 partitions) and `cached` (one step RDD over the cached blocks, one runJob per"
            + " step; the default for ≤ 4 partitions), the latter"
            + " also with θ broadcast instead of inside the task (`--theta-shipping broadcast`).\n");
    StepListener listener = new StepListener();
    spark.sparkContext().addSparkListener(listener);
    String[] base = {
      "--model",
      "mlp:20-4-1",
      "--batch",
      "10",
      "--sampler",
      "iid",
      "--step",
      "0.1",
      "--generator-rows",
      "2000",
      "--partitions",
      "2",
      "--eval-every",
      "0",
      "--log-spaced-evals",
      "false",
      "--checkpoint-every",
      "0",
      // This comparison measures the per-step Spark job's own cost: keep the job path (auto would
      // take the rows path for so small a model and no Spark job would be timed).
      "--step-path",
      "job",
      "--steps",
      "" + scale.tinySteps()
    };
    String[] names = {
      "**wall_ms** (batchSum + update)",
      "update and step row (driver)",
      "batchSum outside the Spark job (closures, RDD set-up, merge)",
      "Spark job (submit → end)",
      "… scheduling, task launch, result handling",
      "… longest task: deserialization",
      "… longest task: executor run time",
      "… longest task: other"
    };
    SparkBackend.StepPath[] paths = {
      SparkBackend.StepPath.TREE_AGGREGATE,
      SparkBackend.StepPath.CACHED_JOB,
      SparkBackend.StepPath.CACHED_JOB
    };
    String[] shipping = {"closure", "closure", "broadcast"};
    Samples[][] parts = new Samples[paths.length][names.length];
    for (Samples[] row : parts) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new Samples();
      }
    }
    List<PreparedRun> runs = new ArrayList<>();
    try {
      for (int q = 0; q < paths.length; q++) {
        String[] f = java.util.Arrays.copyOf(base, base.length + 2);
        f[base.length] = "--theta-shipping";
        f[base.length + 1] = shipping[q];
        runs.add(new PreparedRun(spark, paths[q], f));
      }
      if (scale.warmUp()) {
        runs.forEach(PreparedRun::run);
      }
      for (int r = 0; r < scale.reps(); r++) {
        for (int q = 0; q < paths.length; q++) {
          listener.drain();
          PreparedRun.Times t = runs.get(q).run();
          sleepQuietly(1000); // the listener bus is asynchronous
          breakdown(t, listener.drain(), parts[q]);
        }
      }
    } finally {
      spark.sparkContext().removeSparkListener(listener);
      runs.forEach(PreparedRun::close);
    }
    tableHeader("| part | tree, θ in closure | cached, θ in closure | cached, θ broadcast |");
    for (int i = 0; i < names.length; i++) {
      report.linef(
          "| %s | %s | %s | %s |",
          names[i], parts[0][i].format(2), parts[1][i].format(2), parts[2][i].format(2));
    }
    report.linef(
        "%nwall_ms tree / cached (medians): **%.2f**. Load average %s. Goal (local[2]): wall_ms ≤ 10.",
        parts[0][0].median() / parts[1][0].median(), Report.loadAverage());
  }

  private static void breakdown(PreparedRun.Times t, List<StepListener.Job> jobs, Samples[] out) {
    int n = Math.min(t.wallMs().length, jobs.size());
    double[][] v = new double[out.length][n];
    for (int k = 0; k < n; k++) {
      StepListener.Job j = jobs.get(k);
      double wall = t.wallMs()[k];
      double bs = t.batchSumMs()[k];
      v[0][k] = wall;
      v[1][k] = wall - bs;
      v[2][k] = bs - j.durationMs();
      v[3][k] = j.durationMs();
      v[4][k] = j.durationMs() - j.maxTaskMs;
      v[5][k] = j.maxDeserializeMs;
      v[6][k] = j.maxRunMs;
      v[7][k] = j.maxTaskMs - j.maxRunMs - j.maxDeserializeMs;
    }
    if (n > 0) {
      for (int i = 0; i < out.length; i++) {
        out[i].add(Samples.medianOf(v[i], 0.1));
      }
    }
  }

  // ---------------------------------------------------------------- comparison 5

  void kernels() {
    report.linef("%n## 5. Kernels vs the hardware (interleaved network step vs bare DGEMM)%n");
    report.line(
        "JMH tables and the method: BENCHMARKS.md (kernel section); this reruns `PairedComparison`.\n");
    for (String line : PairedComparison.report(scale.pairedReps()).split("\n")) {
      if (!line.startsWith("# checksum")) {
        report.line(line);
      }
    }
  }

  // ---------------------------------------------------------------- comparison 6

  void memory() throws IOException {
    report.linef("%n## 6. Memory: cached bytes per row and peak RSS%n");
    report.line(
        "local[2]. Peak RSS = VmHWM of this JVM (driver and, in local mode, the executors), reset"
            + " with /proc/self/clear_refs before each data set; "
            + memorySteps(scale)
            + " full-batch steps of a linear model run after caching. Raw = the uncompressed text"
            + " (LIBSVM) per row and the minimal CSR (8-byte value + 4-byte index per non-zero, 8-byte"
            + " label). Driver and executor JVMs on local-cluster: `--cluster` (a table of its own).\n");
    tableHeader(
        "| data | rows | features | blocks | cached B/row | text B/row | minimal CSR B/row | cached / CSR | peak RSS MB |");
    for (String[] d : memorySets(scale)) {
      Path file = memoryFile(datasets, scale, scratch, d[0]);
      int f = Integer.parseInt(d[1]);
      System.gc();
      ProcStatus.resetPeak();
      try (PreparedRun mf = new PreparedRun(spark, fullBatchLinear(file, f, memorySteps(scale)))) {
        mf.run();
        long nnz =
            mf.data().files().stream().mapToLong(io.marginflow.spark.job.InputFile::nonZeros).sum();
        long text = textBytes(file);
        double rows = mf.rows();
        double csr = (12.0 * nnz + 8 * rows) / rows;
        double cached = mf.data().cachedBytes() / rows;
        report.linef(
            "| %s | %d | %d | %s | %.0f | %.0f | %.0f | %.2f | %.0f |",
            d[0].replace("#", " ×"),
            mf.rows(),
            f,
            mf.data().sparse() ? "CSR" : "dense",
            cached,
            text / rows,
            csr,
            cached / csr,
            ProcStatus.peakRssKb() / 1024.0);
      }
    }
    report.linef("%nLoad average %s.", Report.loadAverage());
  }

  /** Full-batch steps run after caching each data set of comparison 6. */
  static int memorySteps(Scale scale) {
    return Math.min(20, 2 * scale.linearSteps());
  }

  // ---------------------------------------------------------------- comparison 7

  void scaling() throws IOException {
    report.linef(
        "%n## 7. Scaling in partitions: full batch, ijcnn1 ×%d, ms per step%n",
        scale.scalingFactor());
    report.line(
        "`mlp:22-1 --sampler full`, local[2] (2 cores), partition counts alternated run by run; "
            + scale.scalingSteps()
            + " steps per run. Scaling in executors on local-cluster: `--cluster` (a table of its"
            + " own).\n");
    Path file =
        Replicas.write(
            source("ijcnn1/ijcnn1.trn.gz"), scale.scalingFactor(), scale.rowLimit(), scratch);
    List<PreparedRun> runs = new ArrayList<>();
    List<Samples> times = new ArrayList<>();
    try {
      for (int p : scale.scalingPartitions()) {
        runs.add(
            new PreparedRun(
                spark, fullBatchLinear(file, 22, scale.scalingSteps(), "--partitions", "" + p)));
        times.add(new Samples());
      }
      if (scale.warmUp()) {
        runs.forEach(PreparedRun::run);
      }
      for (int r = 0; r < scale.reps(); r++) {
        for (int i = 0; i < runs.size(); i++) {
          times.get(i).add(Samples.meanOf(runs.get(i).run().wallMs(), 0.1));
        }
      }
    } finally {
      runs.forEach(PreparedRun::close);
    }
    tableHeader("| partitions | ms per step | speed-up vs 1 partition (medians) |");
    for (int i = 0; i < runs.size(); i++) {
      report.linef(
          "| %d | %s | %.2f |",
          scale.scalingPartitions().get(i),
          times.get(i).format(2),
          times.get(0).median() / times.get(i).median());
    }
    report.linef("%nLoad average %s.", Report.loadAverage());
  }

  // ---------------------------------------------------------------- helpers

  private void tableHeader(String header) {
    report.tableHeader(header);
  }

  private Path source(String rel) throws IOException {
    return source(datasets, rel);
  }

  static Path source(Path datasets, String rel) throws IOException {
    Path p = datasets.resolve(rel);
    if (!Files.exists(p)) {
      throw new IOException("missing data set " + p + " (set -Dmarginflow.datasets)");
    }
    return p;
  }

  private Path limited(String rel) throws IOException {
    return limited(datasets, scale, scratch, rel);
  }

  /** The data set, or (smoke scale) a file of its first rowLimit rows. */
  static Path limited(Path datasets, Scale scale, Path scratch, String rel) throws IOException {
    Path file = source(datasets, rel);
    return scale.rowLimit() < Integer.MAX_VALUE
        ? Replicas.write(file, 1, scale.rowLimit(), scratch)
        : file;
  }

  /** The data sets of comparison 6: {file (rel#factor for ijcnn1 replicas), features}. */
  static List<String[]> memorySets(Scale scale) {
    return List.of(
        new String[] {"a9a/a9a.gz", "123"},
        new String[] {"ijcnn1/ijcnn1.trn.gz#" + scale.scalingFactor(), "22"},
        new String[] {"mnist-t10k/mnist-t10k-0vs1.libsvm.gz", "784"});
  }

  /** The file of a {@link #memorySets} entry (replicas written on first use). */
  static Path memoryFile(Path datasets, Scale scale, Path scratch, String set) throws IOException {
    if (set.contains("#")) {
      String[] p = set.split("#");
      return Replicas.write(
          source(datasets, p[0]), Integer.parseInt(p[1]), scale.rowLimit(), scratch);
    }
    return limited(datasets, scale, scratch, set);
  }

  /**
   * The flags of a full-batch run of the linear model {@code mlp:F-1} for {@code steps} steps, plus
   * {@code more}.
   */
  static String[] fullBatchLinear(Path file, int features, int steps, String... more) {
    List<String> f = new ArrayList<>(List.of("--sampler", "full"));
    f.addAll(List.of(more));
    f.addAll(List.of("--steps", "" + steps));
    return flags(file, features, "mlp:" + features + "-1", f.toArray(String[]::new));
  }

  static String[] flags(Path file, int features, String model, String... more) {
    List<String> f =
        new ArrayList<>(
            List.of(
                "--data",
                file.toUri().toString(),
                "--format",
                "libsvm",
                "--features",
                "" + features,
                "--model",
                model,
                "--loss",
                "logistic",
                "--partitions",
                "2",
                "--eval-every",
                "0",
                "--log-spaced-evals",
                "false",
                "--checkpoint-every",
                "0",
                "--seed",
                "42"));
    f.addAll(List.of(more));
    return f.toArray(String[]::new);
  }

  /**
   * (t(N) − t(1)) / (N − 1); when noise makes that difference non-positive (tiny smoke sizes), t(N)
   * / N, an upper bound, instead.
   */
  static double perIteration(double msN, double ms1, int n) {
    double d = (msN - ms1) / (n - 1);
    return d > 0 ? d : msN / n;
  }

  private static long textBytes(Path file) throws IOException {
    if (!file.toString().endsWith(".gz")) {
      return Files.size(file);
    }
    try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
      return in.transferTo(java.io.OutputStream.nullOutputStream());
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

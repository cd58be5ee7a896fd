package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.LogSpace;
import io.marginflow.common.net.LayerNormsHandoff;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.PartitionContext;
import io.marginflow.common.train.PassThreads;
import io.marginflow.common.train.TrainingBackend;
import io.marginflow.spark.store.PausePoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;

/**
 * The per-row work of {@link io.marginflow.common.train.TrainingLoop} on Spark: each step is one
 * Spark job in which θ goes out (in the task closure or as a broadcast), every partition lists its
 * own members of batch k from (seed, k) alone and sums their loss-frame subgradients ({@link
 * io.marginflow.common.train.PartitionContext}), and a tree aggregation of the given depth ({@link
 * OrderedTreeAggregate}: merges in partition order, so the bits never depend on task timing) brings
 * the merged {@link BatchGradient} to the driver. Evaluations are one pass of the same shape over
 * every row.
 */
public final class SparkBackend implements TrainingBackend {
  private static final Logger LOG = LoggerFactory.getLogger(SparkBackend.class);

  /** How θ travels to the executors each step. */
  public enum ThetaShipping {
    /** Serialized inside each task's closure. */
    CLOSURE,
    /** One broadcast per step (the previous one is destroyed). */
    BROADCAST
  }

  /** How a step's partition sums reach the driver. */
  public enum StepPath {
    /**
     * Choose {@link #CACHED_JOB} when {@code treeAggregate} of the configured depth would merge on
     * the driver anyway (few partitions), else {@link #TREE_AGGREGATE}.
     */
    AUTO,
    /**
     * One step RDD built once; each step sets (step, θ) in its serializable input and runs one job
     * whose per-partition sums are merged on the driver in partition order. No closure is built or
     * cleaned per step, and the step RDD reads the cached blocks through a {@link
     * CachedBlockReader} (no lineage in the tasks; a lost block is re-cached and the step rerun).
     */
    CACHED_JOB,
    /** A fresh {@code mapPartitions} + {@code treeAggregate} every step. */
    TREE_AGGREGATE
  }

  /** Writes per-sample snapshots (Parquet) for a step. */
  public interface SnapshotWriter {
    /** Writes the snapshot of {@code step}. */
    void write(long step, double[] theta, double normPowL, double logSumNegDerivative);
  }

  private final JavaSparkContext sc;
  private final JavaRDD<RowBlock> train;
  private final JavaRDD<RowBlock> test;
  private final long trainRows;
  private final ModelKey key;
  private final int treeDepth;
  private final ThetaShipping shipping;
  private final SnapshotWriter snapshots;
  private final StepPath stepPath;
  private Broadcast<double[]> lastBroadcast;
  private StepInput stepInput;
  private RDD<BatchGradient> stepRdd;
  private CachedBlockReader reader;
  private RowsPrefetcher prefetcher;
  private long lastStep = Long.MAX_VALUE;
  private int driverThreads = Runtime.getRuntime().availableProcessors();
  private RowsStepper stepper;
  private PassThreads updateThreads;

  /** A backend over cached, materialized block RDDs ({@code test} may be null). */
  public SparkBackend(
      JavaSparkContext sc,
      JavaRDD<RowBlock> train,
      JavaRDD<RowBlock> test,
      long trainRows,
      ModelKey key,
      int treeDepth,
      ThetaShipping shipping,
      SnapshotWriter snapshots) {
    this(sc, train, test, trainRows, key, treeDepth, shipping, snapshots, StepPath.AUTO);
  }

  /** As above, with an explicit {@link StepPath} (the results are the same bits either way). */
  public SparkBackend(
      JavaSparkContext sc,
      JavaRDD<RowBlock> train,
      JavaRDD<RowBlock> test,
      long trainRows,
      ModelKey key,
      int treeDepth,
      ThetaShipping shipping,
      SnapshotWriter snapshots,
      StepPath stepPath) {
    this.stepPath =
        stepPath == StepPath.AUTO
            ? StepPathChoice.choose(train.getNumPartitions(), treeDepth)
            : stepPath;
    this.sc = sc;
    this.train = train;
    this.test = test;
    this.trainRows = trainRows;
    this.key = key;
    this.treeDepth = treeDepth;
    this.shipping = shipping;
    this.snapshots = snapshots;
  }

  @Override
  public long trainRows() {
    return trainRows;
  }

  @Override
  public BatchGradient batchSum(long step, double[] theta) {
    if (prefetcher != null) {
      return stepper.sum(prefetcher.rowsOf(step), theta);
    }
    return jobStep(step, theta);
  }

  /** The rows path's handoff of θ's layer norms to its kernels, when they use them. */
  @Override
  public LayerNormsHandoff layerNormsHandoff() {
    return stepper == null ? null : stepper.layerNormsHandoff();
  }

  /**
   * The driver threads of the update's passes over θ ({@link #driverThreads}, made on first use,
   * stopped by {@link #release}): on either path the driver's other cores wait while it updates.
   */
  @Override
  public PassThreads updateThreads() {
    if (updateThreads == null) {
      updateThreads = PassThreads.create(driverThreads, "marginflow-update");
    }
    return updateThreads;
  }

  /** The per-step job path: one Spark job computes and merges the partition sums of step k. */
  BatchGradient jobStep(long step, double[] theta) {
    sc.setJobDescription("marginflow step " + step + ": minibatch subgradient");
    ThetaRef ref = ship(theta);
    int d = theta.length;
    if (stepPath == StepPath.CACHED_JOB) {
      return cachedJobStep(step, ref, d);
    }
    StepInput input = new StepInput();
    input.step = step;
    input.theta = ref;
    JavaRDD<BatchGradient> parts =
        perPartition(train, new StepPartition(key, input), BatchGradient.class);
    return OrderedTreeAggregate.aggregate(
        parts, BatchGradient::merge, treeDepth, new BatchGradient(d));
  }

  @Override
  public EvaluationPass evaluate(
      boolean onTest,
      double[] theta,
      double normPowL,
      double[] previousTheta,
      double previousNormPowL) {
    sc.setJobDescription("marginflow evaluation (" + (onTest ? "test" : "train") + ")");
    JavaRDD<RowBlock> rdd = onTest ? test : train;
    ThetaRef ref = ship(theta);
    double[] prev = previousTheta == null ? null : previousTheta.clone();
    JavaRDD<EvaluationPass> parts =
        perPartition(
            rdd,
            new EvaluatePartition(key, ref, normPowL, prev, previousNormPowL),
            EvaluationPass.class);
    return OrderedTreeAggregate.aggregate(
        parts,
        EvaluationPass::merge,
        treeDepth,
        new EvaluationPass(io.marginflow.common.loss.Loss.parse(key.loss()), theta.length));
  }

  @Override
  public boolean hasTest() {
    return test != null;
  }

  @Override
  public double logSumLoss(double[] theta) {
    sc.setJobDescription("marginflow full loss (loss-based rule)");
    ThetaRef ref = ship(theta);
    return OrderedTreeAggregate.aggregate(
        perPartition(train, new LossPartition(key, ref), Double.class),
        LogSpace::logAddExp,
        treeDepth,
        Double.NEGATIVE_INFINITY);
  }

  @Override
  public void snapshotMargins(
      long step, double[] theta, double normPowL, double logSumNegDerivative) {
    if (snapshots != null) {
      sc.setJobDescription("marginflow margin snapshot at step " + step);
      snapshots.write(step, theta, normPowL, logSumNegDerivative);
    }
  }

  @Override
  public String describe() {
    return "spark "
        + sc.master()
        + " ("
        + train.getNumPartitions()
        + " partitions, treeAggregate depth "
        + treeDepth
        + (prefetcher != null
            ? ", step path rows (≤ "
                + prefetcher.partitionBytes()
                + " B of rows per partition and window, "
                + stepper.threads()
                + " driver threads)"
            : ", step path " + stepPath.name().toLowerCase(java.util.Locale.ROOT))
        + ", θ by "
        + shipping.name().toLowerCase(java.util.Locale.ROOT)
        + ")";
  }

  /**
   * Serves {@link #batchSum} from the rows path from now on: windows of gathered rows of at most
   * {@code windowBytes} (split evenly over the partitions, bounded per partition by {@link
   * WindowShare}), summed on the driver's cores.
   */
  public void useRowsPath(long windowBytes) {
    int partitions = train.getNumPartitions();
    long kryoMax = sc.getConf().getSizeAsBytes("spark.kryoserializer.buffer.max", "64m");
    // checks windowBytes (same message as before) before the current path is closed
    long perPartition =
        new WindowShare(windowBytes, partitions, kryoMax, sc.isLocal()).perPartition();
    useJobPath();
    prefetcher =
        new RowsPrefetcher(
            key,
            (description, f, wanted) -> {
              sc.setJobDescription(description);
              return onCachedBlocks(
                  "rows prefetch", () -> RowsPrefetcher.runOn(reader(), f), wanted);
            },
            perPartition,
            lastStep);
    stepper = new RowsStepper(key, partitions, treeDepth, driverThreads);
  }

  /**
   * Sets the run's step budget: the rows path fetches no rows for steps at or after it. Call before
   * {@link #useRowsPath}.
   */
  public void limitSteps(long steps) {
    this.lastStep = steps;
  }

  /**
   * Sets how many driver threads sum a rows-path step and do the update's passes (default: the
   * driver's cores; a sweep running several runs at once gives each fewer). Call before {@link
   * #useRowsPath} and the first step; the bits do not depend on it.
   */
  public void driverThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("driver threads: expected ≥ 1, got " + threads);
    }
    this.driverThreads = threads;
  }

  /** Serves {@link #batchSum} with one Spark job per step (the default). */
  public void useJobPath() {
    if (prefetcher != null) {
      prefetcher.close();
      stepper.close();
      prefetcher = null;
      stepper = null;
    }
  }

  /** The rows path's prefetcher, or null on the per-step job path. */
  RowsPrefetcher prefetcher() {
    return prefetcher;
  }

  /** The rows path's driver-side summer, or null on the per-step job path. */
  RowsStepper stepper() {
    return stepper;
  }

  /** The model key of the tasks. */
  ModelKey key() {
    return key;
  }

  /** Number of training partitions. */
  int partitions() {
    return train.getNumPartitions();
  }

  /** Destroys the last broadcast, if any, and stops the rows path's and the update's threads. */
  public void release() {
    useJobPath();
    if (updateThreads != null) {
      updateThreads.close();
      updateThreads = null;
    }
    if (lastBroadcast != null) {
      lastBroadcast.destroy();
      lastBroadcast = null;
    }
  }

  /** The step path in use. */
  public StepPath stepPath() {
    return stepPath;
  }

  /**
   * True if {@code treeAggregate} at this depth would fold the partition results on the driver
   * without intermediate levels (the condition of Spark's RDD.treeAggregate).
   */
  static boolean flatMerge(int partitions, int depth) {
    return !OrderedTreeAggregate.anotherLevel(
        1, depth, partitions, OrderedTreeAggregate.scale(partitions, depth));
  }

  private BatchGradient cachedJobStep(long step, ThetaRef ref, int d) {
    if (stepRdd == null) {
      stepInput = new StepInput();
      stepRdd =
          reader()
              .mapPartitions(
                  new StepPartition(key, stepInput),
                  true,
                  ClassTag$.MODULE$.apply(BatchGradient.class));
    }
    // Read when this step's job is serialized (runJob blocks until the job is done).
    stepInput.step = step;
    stepInput.theta = ref;
    // A preset call site spares Spark a stack walk per job (≈ 0.5 ms of a 4 ms step, measured).
    String shortSite = sc.getLocalProperty(CALL_SITE_SHORT);
    String longSite = sc.getLocalProperty(CALL_SITE_LONG);
    sc.setLocalProperty(CALL_SITE_SHORT, "marginflow step");
    sc.setLocalProperty(CALL_SITE_LONG, "marginflow step (SparkBackend.batchSum)");
    Object parts;
    try {
      parts = onCachedBlocks("step " + step, this::runStepJob, () -> true);
    } finally {
      sc.setLocalProperty(CALL_SITE_SHORT, shortSite);
      sc.setLocalProperty(CALL_SITE_LONG, longSite);
    }
    BatchGradient sum = new BatchGradient(d);
    for (BatchGradient g : (BatchGradient[]) parts) {
      sum.mergeTaking(g); // deserialized task results, used nowhere else
    }
    return sum;
  }

  /** The reader of the cached training blocks, built on first use. */
  private synchronized CachedBlockReader reader() {
    if (reader == null) {
      reader = new CachedBlockReader(train.rdd());
    }
    return reader;
  }

  /**
   * Runs {@code job} over the cached-block reader. If a cached partition is gone (executor lost),
   * rebuilds it through the source's lineage (the input files), looks up the new locations and runs
   * the same job again: its result is a pure function of the data, so the bits are the same. Not
   * when {@code wanted} says the result is no longer needed (a prefetch after the run ended).
   */
  private <T> T onCachedBlocks(
      String what, java.util.function.Supplier<T> job, java.util.function.BooleanSupplier wanted) {
    try {
      return job.get();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      String lost = lostBlockLine(e);
      if (lost == null || !wanted.getAsBoolean()) {
        throw SparkBackend.<RuntimeException>rethrow(e);
      }
      LOG.warn("{}: {}", what, lost);
      sc.setJobDescription("marginflow: re-cache training blocks");
      long rows = train.map(b -> (long) b.rows()).fold(0L, Long::sum);
      LOG.info("re-cached {} training rows", rows);
      reader().refreshLocations();
      sc.setJobDescription("marginflow " + what + " (retry)");
      return job.get();
    }
  }

  private Object runStepJob() {
    return sc.sc().runJob(stepRdd, new OnlyResult(), ClassTag$.MODULE$.apply(BatchGradient.class));
  }

  /** Rethrows {@code e} unchanged (checked or not): the caller sees Spark's own exception. */
  @SuppressWarnings("unchecked")
  private static <E extends Exception> E rethrow(Exception e) throws E {
    throw (E) e;
  }

  /**
   * The line of Spark's failure message that names the missing cached block (not its stack traces),
   * or null if the job failed for another reason.
   */
  static String lostBlockLine(Throwable e) {
    String name = CachedBlockReader.MissingCachedBlockException.class.getSimpleName();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CachedBlockReader.MissingCachedBlockException) {
        return name + ": " + t.getMessage();
      }
      for (String line : String.valueOf(t.getMessage()).split("\n")) {
        int at = line.indexOf(name);
        if (at >= 0) {
          return line.substring(at).trim();
        }
      }
    }
    return null;
  }

  /** True if a step job failed because a task found its cached block missing. */
  static boolean lostCachedBlock(Throwable e) {
    return lostBlockLine(e) != null;
  }

  /** Spark's local-property keys for a preset call site (org.apache.spark.util.CallSite). */
  private static final String CALL_SITE_SHORT = "callSite.short";

  private static final String CALL_SITE_LONG = "callSite.long";

  /** The per-step inputs of the cached step RDD, serialized into each step's tasks. */
  static final class StepInput implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    long step;
    ThetaRef theta;
  }

  /**
   * One value from a partition's blocks and this executor's {@link PartitionContext} for the model.
   * A named class (not a lambda): Spark's closure cleaner passes it through untouched, while the
   * Java API's lambda wrappers are parsed with ASM on every call.
   */
  abstract static class PartitionFunction<T>
      extends AbstractFunction1<scala.collection.Iterator<RowBlock>, scala.collection.Iterator<T>>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final ModelKey key;

    PartitionFunction(ModelKey key) {
      this.key = key;
    }

    /** The partition's value. */
    abstract T compute(PartitionContext context, List<RowBlock> blocks);

    @Override
    public final scala.collection.Iterator<T> apply(scala.collection.Iterator<RowBlock> it) {
      T value = compute(key.context(), drain(CollectionConverters.asJava(it)));
      return CollectionConverters.asScala(Collections.singletonList(value).iterator());
    }
  }

  /** A partition's minibatch sum. */
  static final class StepPartition extends PartitionFunction<BatchGradient> {
    private static final long serialVersionUID = 1L;
    private final StepInput input;

    StepPartition(ModelKey key, StepInput input) {
      super(key);
      this.input = input;
    }

    @Override
    BatchGradient compute(PartitionContext context, List<RowBlock> blocks) {
      return context.batchSum(blocks, input.step, input.theta.get());
    }
  }

  /** One value per partition of {@code rdd}, through the RDD API. */
  private static <T> JavaRDD<T> perPartition(
      JavaRDD<RowBlock> rdd, PartitionFunction<T> f, Class<T> type) {
    return JavaRDD.fromRDD(
        rdd.rdd().mapPartitions(f, true, ClassTag$.MODULE$.apply(type)),
        ClassTag$.MODULE$.apply(type));
  }

  /** A partition's full-data evaluation at θ. */
  static final class EvaluatePartition extends PartitionFunction<EvaluationPass> {
    private static final long serialVersionUID = 1L;
    private final ThetaRef theta;
    private final double normPowL;
    private final double[] previousTheta;
    private final double previousNormPowL;

    EvaluatePartition(
        ModelKey key,
        ThetaRef theta,
        double normPowL,
        double[] previousTheta,
        double previousNormPowL) {
      super(key);
      this.theta = theta;
      this.normPowL = normPowL;
      this.previousTheta = previousTheta;
      this.previousNormPowL = previousNormPowL;
    }

    @Override
    EvaluationPass compute(PartitionContext context, List<RowBlock> blocks) {
      PausePoint.reachOnce("evaluation"); // fault tests only: see PausePoint
      return context.evaluate(blocks, theta.get(), normPowL, previousTheta, previousNormPowL);
    }
  }

  /** A partition's LSE of log ℓ at θ (the loss-based rule's full loss). */
  static final class LossPartition extends PartitionFunction<Double> {
    private static final long serialVersionUID = 1L;
    private final ThetaRef theta;

    LossPartition(ModelKey key, ThetaRef theta) {
      super(key);
      this.theta = theta;
    }

    @Override
    Double compute(PartitionContext context, List<RowBlock> blocks) {
      return context.logSumLoss(blocks, theta.get());
    }
  }

  /**
   * The single value of a partition of the step RDD. A named (TaskContext, Iterator) function:
   * SparkContext's {@code runJob(rdd, Iterator => U)} overloads wrap their argument in a Scala
   * lambda, which the closure cleaner then analyses with ASM (reading SparkContext's class file) on
   * every job; a named two-argument function is passed through untouched.
   */
  static final class OnlyResult
      extends AbstractFunction2<
          TaskContext, scala.collection.Iterator<BatchGradient>, BatchGradient>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public BatchGradient apply(TaskContext context, scala.collection.Iterator<BatchGradient> it) {
      return it.next();
    }
  }

  private ThetaRef ship(double[] theta) {
    if (shipping == ThetaShipping.CLOSURE) {
      return new ThetaRef(theta.clone(), null);
    }
    Broadcast<double[]> b = sc.broadcast(theta.clone());
    if (lastBroadcast != null) {
      lastBroadcast.destroy();
    }
    lastBroadcast = b;
    return new ThetaRef(null, b);
  }

  static List<RowBlock> drain(java.util.Iterator<RowBlock> it) {
    List<RowBlock> blocks = new ArrayList<>();
    it.forEachRemaining(blocks::add);
    return blocks;
  }

  /** θ as the tasks see it: inline or through a broadcast. */
  record ThetaRef(double[] inline, Broadcast<double[]> broadcast) implements java.io.Serializable {
    double[] get() {
      return inline != null ? inline : broadcast.value();
    }
  }
}

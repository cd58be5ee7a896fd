package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.LogSpace;
import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.TrainingBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The per-row work of {@link io.marginflow.common.train.TrainingLoop} on Spark: each step is one
 * Spark job in which θ goes out (in the task closure or as a broadcast), every partition lists its
 * own members of batch k from (seed, k) alone and sums their loss-frame subgradients
 * ({@link io.marginflow.common.train.PartitionContext}), and a tree aggregation of the given
 * depth ({@link OrderedTreeAggregate}: merges in partition order, so the bits never depend on task
 * timing) brings the merged {@link BatchGradient} to the driver. Evaluations are one pass of the same
 * shape over every row.
 */
public final class SparkBackend implements TrainingBackend {

  /** How θ travels to the executors each step. */
  public enum ThetaShipping {
    /** Serialized inside each task's closure. */
    CLOSURE,
    /** One broadcast per step (the previous one is destroyed). */
    BROADCAST
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
  private Broadcast<double[]> lastBroadcast;

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
    sc.setJobDescription("marginflow step " + step + ": minibatch subgradient");
    ThetaRef ref = ship(theta);
    ModelKey k = key;
    int d = theta.length;
    JavaRDD<BatchGradient> parts =
        train.mapPartitions(
            it -> Collections.singletonList(k.context().batchSum(drain(it), step, ref.get()))
                .iterator());
    return OrderedTreeAggregate.aggregate(parts, BatchGradient::merge, treeDepth, new BatchGradient(d));
  }

  @Override
  public EvaluationPass evaluate(
      boolean onTest, double[] theta, double normPowL, double[] previousTheta, double previousNormPowL) {
    sc.setJobDescription("marginflow evaluation (" + (onTest ? "test" : "train") + ")");
    JavaRDD<RowBlock> rdd = onTest ? test : train;
    ModelKey k = key;
    ThetaRef ref = ship(theta);
    double[] prev = previousTheta == null ? null : previousTheta.clone();
    JavaRDD<EvaluationPass> parts =
        rdd.mapPartitions(
            it ->
                Collections.singletonList(
                        k.context().evaluate(drain(it), ref.get(), normPowL, prev, previousNormPowL))
                    .iterator());
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
    ModelKey k = key;
    ThetaRef ref = ship(theta);
    return OrderedTreeAggregate.aggregate(
        train.mapPartitions(
            it -> Collections.singletonList(k.context().logSumLoss(drain(it), ref.get())).iterator()),
        LogSpace::logAddExp,
        treeDepth,
        Double.NEGATIVE_INFINITY);
  }

  @Override
  public void snapshotMargins(long step, double[] theta, double normPowL, double logSumNegDerivative) {
    if (snapshots != null) {
      sc.setJobDescription("marginflow margin snapshot at step " + step);
      snapshots.write(step, theta, normPowL, logSumNegDerivative);
    }
  }

  @Override
  public String describe() {
    return "spark " + sc.master() + " (" + train.getNumPartitions() + " partitions, treeAggregate depth "
        + treeDepth + ", θ by " + shipping.name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  /** Destroys the last broadcast, if any. */
  public void release() {
    if (lastBroadcast != null) {
      lastBroadcast.destroy();
      lastBroadcast = null;
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

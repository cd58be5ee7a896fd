package io.marginflow.common.train;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Precision;
import io.marginflow.common.sample.MinibatchSampler;
import java.util.List;

/**
 * Runs the per-row work in this process over in-memory blocks, as one partition holding every
 * block. It is the oracle the Spark job is tested against and the fast path for small data.
 */
public final class LocalBackend implements TrainingBackend {

  /** Receives per-sample snapshots (science.md §5): arrays of equal length, in row order. */
  @FunctionalInterface
  public interface SnapshotSink {
    /** One snapshot at {@code step}. */
    void accept(
        long step, long[] index, double[] label, double[] normalizedMargin, double[] lambda);
  }

  private final Dataset train;
  private final Dataset test;
  private final PartitionContext context;
  private final SnapshotSink snapshots;

  /** A double-precision backend over {@code train} (and {@code test}, may be null). */
  public LocalBackend(
      Network network,
      Loss loss,
      MinibatchSampler sampler,
      Dataset train,
      Dataset test,
      SnapshotSink snapshots) {
    this(network, loss, sampler, Precision.DOUBLE, train, test, snapshots);
  }

  /** A backend whose training steps run in {@code precision}. */
  public LocalBackend(
      Network network,
      Loss loss,
      MinibatchSampler sampler,
      Precision precision,
      Dataset train,
      Dataset test,
      SnapshotSink snapshots) {
    if (train.features() != network.inputSize()) {
      throw new IllegalArgumentException(
          "model takes "
              + network.inputSize()
              + " inputs but the data have "
              + train.features()
              + " features ("
              + train.source()
              + ")");
    }
    if (test != null && test.features() != train.features()) {
      throw new IllegalArgumentException(
          "test data have " + test.features() + " features, training data " + train.features());
    }
    this.train = train;
    this.test = test;
    this.context = new PartitionContext(network, loss, sampler, precision);
    this.snapshots = snapshots;
  }

  @Override
  public long trainRows() {
    return train.rows();
  }

  @Override
  public BatchGradient batchSum(long step, double[] theta) {
    return context.batchSum(train.blocks(), step, theta);
  }

  @Override
  public EvaluationPass evaluate(
      boolean onTest,
      double[] theta,
      double normPowL,
      double[] previousTheta,
      double previousNormPowL) {
    List<RowBlock> blocks = onTest ? test.blocks() : train.blocks();
    return context.evaluate(blocks, theta, normPowL, previousTheta, previousNormPowL);
  }

  @Override
  public boolean hasTest() {
    return test != null;
  }

  @Override
  public double logSumLoss(double[] theta) {
    return context.logSumLoss(train.blocks(), theta);
  }

  @Override
  public void snapshotMargins(
      long step, double[] theta, double normPowL, double logSumNegDerivative) {
    if (snapshots == null) {
      return;
    }
    int n = Math.toIntExact(train.rows());
    long[] idx = new long[n];
    double[] y = new double[n];
    double[] pu = new double[n];
    double[] lambda = new double[n];
    int[] pos = {0};
    context.forEachMargin(
        train.blocks(),
        theta,
        normPowL,
        (i, label, margin, s) -> {
          int p = pos[0]++;
          idx[p] = i;
          y[p] = label;
          pu[p] = margin;
          lambda[p] = Math.exp(s - logSumNegDerivative);
        });
    snapshots.accept(step, idx, y, pu, lambda);
  }

  @Override
  public String describe() {
    return "local (one process, " + train.blocks().size() + " blocks)";
  }
}

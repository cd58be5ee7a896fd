package io.marginflow.common.train;

import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlocks;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.LayerNormsHandoff;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Precision;
import io.marginflow.common.net.PreparedTheta;
import io.marginflow.common.net.StepKernel;
import io.marginflow.common.net.Workspace;
import io.marginflow.common.sample.MinibatchSampler;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-partition side of one training step or evaluation: given the blocks a partition holds
 * (each covering a contiguous range of global row indices), it lists its own members of batch k
 * from (seed, k) alone, gathers them and sums their loss-frame subgradients. {@link LocalTrainer}
 * and the Spark job call exactly these methods, so both compute the same numbers.
 *
 * <p>Blocks cached in float storage ({@link FloatStorage}) are widened to double before any kernel:
 * a full pass widens each block into a reusable buffer, a minibatch widens only its members.
 *
 * <p>Not thread-safe: holds a network workspace and scratch buffers (one context per task thread).
 */
public final class PartitionContext {

  private final Network network;
  private final Loss loss;
  private final MinibatchSampler sampler;
  private final Workspace workspace;
  private final StepKernel stepKernel;
  private final FloatStorage storage = new FloatStorage();
  private long[] members = new long[0];
  private int[] local = new int[0];
  private double[] a = new double[0];
  private double[] b = new double[0];
  private double[] grad;

  /** A double-precision context for the given model, loss and sampler. */
  public PartitionContext(Network network, Loss loss, MinibatchSampler sampler) {
    this(network, loss, sampler, Precision.DOUBLE);
  }

  /**
   * A context whose training steps run in {@code precision} (evaluations and losses are always
   * double).
   */
  public PartitionContext(
      Network network, Loss loss, MinibatchSampler sampler, Precision precision) {
    this.network = network;
    this.loss = loss;
    this.sampler = sampler;
    this.workspace = network.newWorkspace();
    this.stepKernel = StepKernel.of(workspace, precision);
    this.grad = new double[network.parameterCount()];
  }

  /** The network this context evaluates. */
  public Network network() {
    return network;
  }

  /**
   * Σ over this partition's members of batch {@code step}, as a {@link BatchGradient}: {@link
   * #sumRows} of {@link #gatherBatch}. The members of all blocks are gathered into one block so the
   * kernels run once per step and partition.
   */
  public BatchGradient batchSum(List<RowBlock> blocks, long step, double[] theta) {
    return sumRows(gatherBatch(blocks, step), theta);
  }

  /**
   * This partition's members of batch {@code step}, as the blocks {@link #sumRows} sums in order:
   * none, one gathered block, or (for large batches) the members of each cached block separately. A
   * pure function of (seed, step) and the blocks, so the rows path can ship the list and sum it
   * elsewhere with the same bits. Returned blocks are new or cached ones, never scratch.
   */
  public List<RowBlock> gatherBatch(List<RowBlock> blocks, long step) {
    ensureMembers(sampler.batchSize());
    // One draw for the whole partition (O(n_b), not O(n_b) per block): each block holds a
    // contiguous range of global indices, so its members are a run of the sorted draw.
    long partLo = Long.MAX_VALUE;
    long partHi = Long.MIN_VALUE;
    for (RowBlock block : blocks) {
      if (block.rows() > 0) {
        long lo = block.firstRowIndex();
        partLo = Math.min(partLo, lo);
        partHi = Math.max(partHi, lo + block.rows());
      }
    }
    if (partLo >= partHi) {
      return List.of();
    }
    int drawn = sampler.batchInRange(step, partLo, partHi, members);
    List<RowBlock> parts = new ArrayList<>();
    int total = 0;
    for (RowBlock block : blocks) {
      int rows = block.rows();
      if (rows == 0 || drawn == 0) {
        continue;
      }
      long lo = block.firstRowIndex();
      int from = lowerBound(members, drawn, lo);
      int count = lowerBound(members, drawn, lo + rows) - from;
      if (count == 0) {
        continue;
      }
      if (count == rows) {
        parts.add(FloatStorage.toDouble(block));
      } else {
        ensureLocal(count);
        for (int i = 0; i < count; i++) {
          local[i] = (int) (members[from + i] - lo);
        }
        parts.add(block.select(local, count));
      }
      total += count;
    }
    if (total == 0 || (parts.size() > 1 && total > MAX_GATHERED_ROWS)) {
      // Full batches: keep the cached blocks as they are rather than copying the partition.
      return parts;
    }
    return List.of(RowBlocks.concat(parts));
  }

  /**
   * Σ over the rows of {@code parts} at θ, block by block in list order (the list {@link
   * #gatherBatch} returns): an empty sum for an empty list.
   */
  public BatchGradient sumRows(List<RowBlock> parts, double[] theta) {
    return sumRows(parts, theta, null, null);
  }

  /**
   * As {@link #sumRows(List, double[])}, with the kernel's θ-dependent work taken from {@code
   * prepared} ({@link #prepare} of a context of the same model, for this θ; null: done here) and
   * the first block's subgradient written into {@code buffer} (length d, any content, null: a new
   * array), which the returned sum then holds. Same bits as without them.
   */
  public BatchGradient sumRows(
      List<RowBlock> parts, double[] theta, PreparedTheta prepared, double[] buffer) {
    BatchGradient sum = new BatchGradient(network.parameterCount());
    stepKernel.share(prepared);
    try {
      double[] target = buffer;
      for (RowBlock part : parts) {
        ensureScratch(part.rows());
        sum.addRows(stepKernel, loss, part, theta, a, b, target);
        target = sum.count() > 0 ? null : target;
      }
    } finally {
      stepKernel.share(null);
    }
    return sum;
  }

  /**
   * The step kernel's θ-dependent work for θ (the single kernels' normalized float weights), for
   * the {@link #sumRows(List, double[], PreparedTheta, double[])} of other contexts on other
   * threads; null when the kernel has none.
   */
  public PreparedTheta prepare(double[] theta) {
    return stepKernel.prepare(theta);
  }

  /**
   * As {@link #prepare}, leaving the bulk to {@link PreparedTheta#fillPart} on the caller's threads
   * and taking θ's layer norms from {@code norms} when it holds those of this θ (see {@link
   * StepKernel#prepareInParts}).
   */
  public PreparedTheta prepareInParts(double[] theta, LayerNormsHandoff norms) {
    return stepKernel.prepareInParts(theta, norms);
  }

  /** True if the step kernel takes θ's layer norms from a {@link LayerNormsHandoff}. */
  public boolean usesLayerNorms() {
    return stepKernel.usesLayerNorms();
  }

  /** Above this many members, a partition's minibatch is processed block by block. */
  static final int MAX_GATHERED_ROWS = 4096;

  /** A full-data evaluation of this partition's rows. {@code previousTheta} may be null. */
  public EvaluationPass evaluate(
      List<RowBlock> blocks,
      double[] theta,
      double normPowL,
      double[] previousTheta,
      double previousNormPowL) {
    EvaluationPass pass = new EvaluationPass(loss, network.parameterCount());
    for (RowBlock stored : blocks) {
      RowBlock block = storage.widen(stored);
      ensureScratch(block.rows());
      pass.addBlock(
          network,
          loss,
          block,
          theta,
          normPowL,
          previousTheta,
          previousNormPowL,
          workspace,
          a,
          b,
          grad);
    }
    return pass;
  }

  /** log Σ_i ℓ(p_i) over this partition's rows (−∞ when empty): the loss-based rule's full loss. */
  public double logSumLoss(List<RowBlock> blocks, double[] theta) {
    double total = Double.NEGATIVE_INFINITY;
    for (RowBlock stored : blocks) {
      RowBlock block = storage.widen(stored);
      int m = block.rows();
      ensureScratch(m);
      network.forwardValues(block, theta, workspace, a);
      double[] y = block.labels();
      for (int i = 0; i < m; i++) {
        a[i] = loss.logLoss(y[i] * a[i]);
      }
      total =
          io.marginflow.common.loss.LogSpace.logAddExp(
              total, io.marginflow.common.loss.LogSpace.logSumExp(a, m));
    }
    return total;
  }

  /**
   * Per-sample normalized margins p_i(u) = y_i Φ(x_i; θ)/‖θ‖^L and log|ℓ'(p_i(θ))| of this
   * partition's rows, in block order, written through {@code sink}.
   */
  public void forEachMargin(
      List<RowBlock> blocks, double[] theta, double normPowL, MarginVisitor sink) {
    for (RowBlock stored : blocks) {
      RowBlock block = storage.widen(stored);
      int m = block.rows();
      ensureScratch(m);
      network.forwardValues(block, theta, workspace, a);
      double[] y = block.labels();
      long[] idx = block.rowIndex();
      for (int i = 0; i < m; i++) {
        double p = y[i] * a[i];
        sink.accept(idx[i], y[i], p / normPowL, loss.logNegDerivative(p));
      }
    }
  }

  /** Receives one row's margin data. */
  @FunctionalInterface
  public interface MarginVisitor {
    /** Row {@code index} with label y, normalized margin p_i(u) and s_i = log|ℓ'(p_i)|. */
    void accept(long index, double label, double normalizedMargin, double logNegDerivative);
  }

  /** The first position in sorted {@code a[0..n)} whose value is ≥ {@code key}. */
  static int lowerBound(long[] a, int n, long key) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private void ensureMembers(int n) {
    if (members.length < n) {
      members = new long[n];
    }
  }

  private void ensureLocal(int n) {
    if (local.length < n) {
      local = new int[n];
    }
  }

  private void ensureScratch(int n) {
    if (a.length < n) {
      a = new double[n];
      b = new double[n];
    }
  }
}

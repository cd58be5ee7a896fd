package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.LayerNormsHandoff;
import io.marginflow.common.net.PreparedTheta;
import io.marginflow.common.train.BatchGradient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The computing half of the rows path: a step's partition partial sums on the driver, from the rows
 * the executors gathered, with the same kernels ({@link
 * io.marginflow.common.train.PartitionContext#sumRows}) and merged in the same tree ({@link
 * OrderedTreeAggregate#mergeInOrder}) as the per-step job, so the sum has the same bits.
 *
 * <p>Partitions are spread over {@code threads} driver threads (the calling thread takes every
 * {@code threads}-th partition from 0, pool threads the others); each thread has its own {@link
 * io.marginflow.common.train.PartitionContext} through {@link ModelKey#context()}.
 */
final class RowsStepper implements AutoCloseable {
  private final ModelKey key;
  private final int partitions;
  private final int depth;
  private final int threads;
  private final ExecutorService pool;

  /** One gradient buffer per partition, reused every step (allocated on first use). */
  private final double[][] buffers;

  /** θ's layer norms from the update, for kernels that normalize θ by layer; or null. */
  private final LayerNormsHandoff layerNorms;

  /** A stepper for {@code partitions} partitions merged at tree depth {@code depth}. */
  RowsStepper(ModelKey key, int partitions, int depth, int threads) {
    if (partitions < 1 || depth < 1 || threads < 1) {
      throw new IllegalArgumentException(
          "partitions, depth, threads: expected ≥ 1, got "
              + partitions
              + ", "
              + depth
              + ", "
              + threads);
    }
    this.key = key;
    this.partitions = partitions;
    this.depth = depth;
    this.threads = Math.min(threads, partitions);
    this.buffers = new double[partitions][];
    this.layerNorms =
        key.context().usesLayerNorms()
            ? new LayerNormsHandoff(key.context().network().weightLayers())
            : null;
    this.pool =
        this.threads == 1
            ? null
            : Executors.newFixedThreadPool(
                this.threads - 1,
                r -> {
                  Thread t = new Thread(r, "marginflow-rows-step");
                  t.setDaemon(true);
                  return t;
                });
  }

  /** Where the update leaves the next θ's layer norms for this stepper's kernels, or null. */
  LayerNormsHandoff layerNormsHandoff() {
    return layerNorms;
  }

  /** Driver threads computing partition sums. */
  int threads() {
    return threads;
  }

  /**
   * The merged minibatch sum at θ of the given per-partition rows (θ is only read). Its gradient is
   * one of this stepper's buffers: valid until the next call. The kernels' θ-dependent work (the
   * single kernels' normalized float weights) is done once, on this thread, and shared.
   */
  BatchGradient sum(List<List<RowBlock>> rows, double[] theta) {
    if (rows.size() != partitions) {
      throw new IllegalArgumentException(
          "rows: expected " + partitions + " partitions, got " + rows.size());
    }
    BatchGradient[] partial = new BatchGradient[partitions];
    PreparedTheta prepared = prepare(theta);
    List<Future<?>> running = new ArrayList<>(threads - 1);
    for (int t = 1; t < threads; t++) {
      int first = t;
      running.add(pool.submit(() -> sumEvery(first, rows, theta, prepared, partial)));
    }
    sumEvery(0, rows, theta, prepared, partial);
    for (Future<?> f : running) {
      RowsPrefetcher.await(f, "a rows-path partition sum");
    }
    // Fresh partial sums used nowhere else: merging may take over their arrays, and the last
    // merge leaves its entry-by-entry combine to the update's first pass (the buffers stay
    // untouched until the next call).
    return OrderedTreeAggregate.mergeInOrder(
        Arrays.asList(partial),
        BatchGradient::mergeTaking,
        BatchGradient::mergeDeferred,
        depth,
        new BatchGradient(key.context().network().parameterCount()));
  }

  /**
   * The kernels' θ-dependent work, once for all threads: the norms (handed by the update when it
   * could) here, the bulk on every thread in parts. Null when nothing is shared (one thread and no
   * handed norms: the kernel does it in its forward).
   */
  private PreparedTheta prepare(double[] theta) {
    if (threads == 1 && layerNorms == null) {
      return null;
    }
    PreparedTheta prepared = key.context().prepareInParts(theta, layerNorms);
    if (prepared != null) {
      List<Future<?>> parts = new ArrayList<>(threads - 1);
      for (int t = 1; t < threads; t++) {
        int part = t;
        parts.add(pool.submit(() -> prepared.fillPart(theta, part, threads)));
      }
      prepared.fillPart(theta, 0, threads);
      for (Future<?> f : parts) {
        RowsPrefetcher.await(f, "preparing θ for a rows-path step");
      }
    }
    return prepared;
  }

  private void sumEvery(
      int first,
      List<List<RowBlock>> rows,
      double[] theta,
      PreparedTheta prepared,
      BatchGradient[] partial) {
    int d = key.context().network().parameterCount();
    for (int p = first; p < partitions; p += threads) {
      if (buffers[p] == null) {
        buffers[p] = new double[d];
      }
      partial[p] = key.context().sumRows(rows.get(p), theta, prepared, buffers[p]);
    }
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}

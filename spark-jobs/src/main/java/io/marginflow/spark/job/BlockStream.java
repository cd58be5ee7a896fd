package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A partition's blocks produced lazily: {@link #fill} adds rows until at least one block is full
 * (or the rows are exhausted), so whoever consumes the iterator — Spark's memory store unrolling a
 * cached partition — receives each block as soon as it exists and the producer holds no more than
 * one block of its own. Not thread-safe.
 */
abstract class BlockStream implements Iterator<RowBlock> {

  private final ArrayDeque<RowBlock> ready = new ArrayDeque<>();
  private boolean finished;

  /**
   * Produces more rows, handing completed blocks to {@link #offer}; returns false once every row
   * has been produced (the last, partial block offered).
   */
  abstract boolean fill() throws IOException;

  /** Called when {@link #fill} throws, before the exception leaves {@link #hasNext}. */
  void failed() {}

  /** Queues blocks for the consumer, in row order. */
  final void offer(List<RowBlock> blocks) {
    ready.addAll(blocks);
  }

  /** True if a block is waiting for the consumer. */
  final boolean hasReady() {
    return !ready.isEmpty();
  }

  @Override
  public final boolean hasNext() {
    try {
      while (ready.isEmpty() && !finished) {
        finished = !fill();
      }
    } catch (IOException e) {
      failed();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      failed();
      throw e;
    }
    return !ready.isEmpty();
  }

  @Override
  public final RowBlock next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }
}

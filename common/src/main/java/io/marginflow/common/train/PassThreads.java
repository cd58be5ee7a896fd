package io.marginflow.common.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Threads for one pass over a vector's chunks: {@link #run} cuts the items into contiguous parts,
 * runs part 0 on the calling thread and the others on this object's pool, and returns when all are
 * done. What a pass computes must not depend on the cut (each item's result stored by item, folded
 * afterwards in item order), so the bits are those of one thread.
 */
public final class PassThreads implements AutoCloseable {

  /** One part of a pass: items [from, to). */
  @FunctionalInterface
  public interface Part {
    /** Does items [from, to). */
    void run(int from, int to);
  }

  /** The calling thread alone. */
  public static final PassThreads ONE = new PassThreads(1, null);

  private final int threads;
  private final ExecutorService pool;

  private PassThreads(int threads, ExecutorService pool) {
    this.threads = threads;
    this.pool = pool;
  }

  /**
   * {@code threads} threads in all (the caller and threads − 1 daemon threads named {@code name}).
   */
  public static PassThreads create(int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads: expected ≥ 1, got " + threads);
    }
    if (threads == 1) {
      return ONE;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads - 1,
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    return new PassThreads(threads, pool);
  }

  /** Threads a pass may use, the caller included. */
  public int threads() {
    return threads;
  }

  /** Runs {@code part} over items [0, items) in at most {@link #threads} contiguous parts. */
  public void run(int items, Part part) {
    run(items, 1, part);
  }

  /**
   * As {@link #run(int, Part)}, with parts of at least {@code minItemsPerPart} items (fewer parts
   * when there are few items: handing a small part to another thread costs more than it saves).
   */
  public void run(int items, int minItemsPerPart, Part part) {
    if (minItemsPerPart < 1) {
      throw new IllegalArgumentException("items per part: expected ≥ 1, got " + minItemsPerPart);
    }
    int parts = Math.min(threads, items / minItemsPerPart);
    if (parts <= 1) {
      part.run(0, items);
      return;
    }
    List<Future<?>> others = new ArrayList<>(parts - 1);
    for (int p = 1; p < parts; p++) {
      int from = cut(items, p, parts);
      int to = cut(items, p + 1, parts);
      others.add(pool.submit(() -> part.run(from, to)));
    }
    RuntimeException failure = null;
    try {
      part.run(0, cut(items, 1, parts));
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : others) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failure = failure != null ? failure : new IllegalStateException("interrupted in a pass", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (failure == null) {
          failure =
              cause instanceof RuntimeException re
                  ? re
                  : new IllegalStateException("a pass's part failed", cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static int cut(int items, int p, int parts) {
    return (int) ((long) items * p / parts);
  }

  /** Stops the pool's threads (not {@link #ONE}'s: it has none). */
  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}

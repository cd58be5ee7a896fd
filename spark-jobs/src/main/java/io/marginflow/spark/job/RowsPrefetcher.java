package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.train.PartitionContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;

/**
 * The fetching half of the rows path: one Spark job per window of consecutive steps brings every
 * partition's gathered minibatch rows of those steps to the driver ({@link WindowRows}), while the
 * driver computes the steps of the previous window (double buffering on one background thread).
 *
 * <p>A window is bounded by bytes: each partition stops adding steps before its rows would pass its
 * share of the budget (always at least one step), and the window is the steps every partition
 * covered. Windows start small after a miss and grow fourfold up to {@link #MAX_WINDOW_STEPS}, and
 * stop at the run's last step (no rows are gathered for steps that will not run). A request for a
 * step outside the current and next window (resume, a jump) discards both and fetches from that
 * step. A job that finds a cached block gone is rerun after re-caching, with the same bits (the
 * rows are a pure function of the seed, the step and the cached data).
 */
final class RowsPrefetcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RowsPrefetcher.class);

  /** Steps of the first window after a miss. */
  static final int FIRST_WINDOW_STEPS = 64;

  /** Most steps in one window, whatever the budget. */
  static final int MAX_WINDOW_STEPS = 1 << 16;

  /** Runs a job over the cached blocks, re-caching and rerunning once if a block is gone. */
  interface CachedJobs {
    /**
     * The per-partition results of {@code f} over the cached training blocks; a lost block is
     * re-cached and the job rerun only while {@code wanted} says so.
     */
    WindowRows[] run(
        String description,
        SparkBackend.PartitionFunction<WindowRows> f,
        java.util.function.BooleanSupplier wanted);
  }

  /** A fetched window: every partition's rows of steps [first, first + steps). */
  record Window(long first, int steps, int requested, WindowRows[] partitions) {
    boolean covers(long step) {
      return step >= first && step < first + steps;
    }

    /** Every partition's blocks of {@code step} (covered), in partition order. */
    List<List<RowBlock>> rowsOf(long step) {
      List<List<RowBlock>> out = new ArrayList<>(partitions.length);
      for (WindowRows w : partitions) {
        out.add(w.rowsOf(step));
      }
      return out;
    }

    long bytes() {
      long b = 0;
      for (WindowRows w : partitions) {
        b += w.bytes();
      }
      return b;
    }
  }

  private final ModelKey key;
  private final CachedJobs jobs;
  private final long partitionBytes;
  private final long lastStep;
  private final ExecutorService fetcher;
  private Window current;
  private Future<Window> next;
  private volatile boolean closed;
  private long windows;
  private long fetchedSteps;
  private long maxWindowBytes;
  private int maxWindowSteps;

  /**
   * A prefetcher over {@code partitions} partitions with at most {@code partitionBytes} of rows per
   * partition and window, never fetching steps at or after {@code lastStep} (the run's step budget:
   * rows nobody will ask for are not gathered).
   */
  RowsPrefetcher(ModelKey key, CachedJobs jobs, long partitionBytes, long lastStep) {
    if (partitionBytes < 1) {
      throw new IllegalArgumentException("partitionBytes: expected ≥ 1, got " + partitionBytes);
    }
    this.key = key;
    this.jobs = jobs;
    this.partitionBytes = partitionBytes;
    this.lastStep = lastStep;
    this.fetcher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "marginflow-rows-prefetch");
              t.setDaemon(true);
              return t;
            });
  }

  /** Every partition's blocks of {@code step}, in partition order (waits for a fetch if needed). */
  List<List<RowBlock>> rowsOf(long step) {
    if (current == null || !current.covers(step)) {
      Window w = next == null ? null : await(next, "fetching minibatch rows");
      next = null;
      if (w != null && w.covers(step)) {
        current = w;
      } else {
        if (current != null || w != null) {
          LOG.info("rows path: step {} is outside the fetched windows; fetching from it", step);
        }
        current = fetch(step, (int) Math.max(1, Math.min(FIRST_WINDOW_STEPS, lastStep - step)));
      }
      prefetchAfter(current);
    }
    return current.rowsOf(step);
  }

  /**
   * Makes {@code w} (fetched by {@link #fetch}, e.g. to measure the path) the current window and
   * starts fetching the next one.
   */
  void adopt(Window w) {
    if (next != null) {
      next.cancel(false);
    }
    current = w;
    prefetchAfter(w);
  }

  /** Starts fetching the window after {@code w}, four times longer, unless the run ends first. */
  private void prefetchAfter(Window w) {
    long from = w.first() + w.steps();
    long steps = Math.min(Math.min(MAX_WINDOW_STEPS, 4L * w.requested()), lastStep - from);
    next = steps < 1 ? null : fetcher.submit(() -> fetch(from, (int) steps));
  }

  /** Windows fetched so far. */
  synchronized long windows() {
    return windows;
  }

  /** Steps whose rows were fetched so far (over all windows). */
  synchronized long fetchedSteps() {
    return fetchedSteps;
  }

  /** The largest window fetched, in bytes of rows. */
  synchronized long maxWindowBytes() {
    return maxWindowBytes;
  }

  /** The longest window fetched, in steps. */
  synchronized int maxWindowSteps() {
    return maxWindowSteps;
  }

  /** The bytes bound per partition and window. */
  long partitionBytes() {
    return partitionBytes;
  }

  /** Fetches up to {@code steps} steps from {@code first} (fewer if the byte bound is reached). */
  Window fetch(long first, int steps) {
    WindowRows[] parts =
        jobs.run(
            "marginflow rows path: minibatch rows of steps " + first + "…",
            new PrefetchPartition(key, first, steps, partitionBytes),
            () -> !closed);
    int covered = steps;
    for (WindowRows w : parts) {
      if (w.firstStep() != first) {
        throw new IllegalStateException(
            "prefetch: a partition returned step " + w.firstStep() + ", expected " + first);
      }
      covered = Math.min(covered, w.steps());
    }
    Window window = new Window(first, covered, steps, parts);
    synchronized (this) {
      windows++;
      fetchedSteps += covered;
      maxWindowBytes = Math.max(maxWindowBytes, window.bytes());
      maxWindowSteps = Math.max(maxWindowSteps, covered);
    }
    LOG.debug("rows path: window [{}, {}), {} bytes", first, first + covered, window.bytes());
    return window;
  }

  /**
   * The value of {@code f}, rethrowing what the task threw (a runtime exception or error as it is);
   * {@code what} names the work for other failures.
   */
  static <T> T await(Future<T> f, String what) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + what, e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(what + " failed: " + c, c);
    }
  }

  /** Stops the background thread (a job in flight finishes; its rows are dropped). */
  @Override
  public void close() {
    closed = true;
    fetcher.shutdownNow();
    current = null;
    next = null;
  }

  /** A partition's gathered rows of a window, stopping at its byte share (≥ 1 step). */
  static final class PrefetchPartition extends SparkBackend.PartitionFunction<WindowRows> {
    private static final long serialVersionUID = 1L;
    private final long first;
    private final int steps;
    private final long maxBytes;

    PrefetchPartition(ModelKey key, long first, int steps, long maxBytes) {
      super(key);
      this.first = first;
      this.steps = steps;
      this.maxBytes = maxBytes;
    }

    @Override
    WindowRows compute(PartitionContext context, List<RowBlock> blocks) {
      int[] perStep = new int[steps];
      List<RowBlock> parts = new ArrayList<>();
      long bytes = 0;
      int s = 0;
      for (; s < steps; s++) {
        List<RowBlock> rows = context.gatherBatch(blocks, first + s);
        long b = 0;
        for (RowBlock r : rows) {
          b += r.sizeInBytes();
        }
        if (s > 0 && bytes + b > maxBytes) {
          break;
        }
        bytes += b;
        perStep[s] = rows.size();
        parts.addAll(rows);
      }
      return new WindowRows(
          first, java.util.Arrays.copyOf(perStep, s), parts.toArray(new RowBlock[0]));
    }
  }

  /** The single value of a partition (a named function: no closure cleaning per job). */
  static final class OnlyValue<T>
      extends AbstractFunction2<TaskContext, scala.collection.Iterator<T>, T>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public T apply(TaskContext context, scala.collection.Iterator<T> it) {
      return it.next();
    }
  }

  /** Runs {@code f} over {@code reader} and returns one result per partition. */
  static WindowRows[] runOn(RDD<RowBlock> reader, SparkBackend.PartitionFunction<WindowRows> f) {
    RDD<WindowRows> rdd = reader.mapPartitions(f, true, ClassTag$.MODULE$.apply(WindowRows.class));
    return (WindowRows[])
        reader
            .context()
            .runJob(rdd, new OnlyValue<WindowRows>(), ClassTag$.MODULE$.apply(WindowRows.class));
  }
}

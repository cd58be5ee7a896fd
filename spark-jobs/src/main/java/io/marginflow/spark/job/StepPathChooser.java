package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a run's step path (config {@code step-path}): the rows path (one Spark job per window of
 * steps brings the sampled rows; the driver computes every step) or one Spark job per step. Both
 * give the same bits; only the time differs. For {@code auto} a small cost model is measured at the
 * start on the run's own data, model and θ₀:
 *
 * <ul>
 *   <li>t_job: the wall time of one per-step job (θ out, partition sums back: per-job cost, θ size
 *       and executor arithmetic together);
 *   <li>the rows of a probe window of {@link RowsPrefetcher#FIRST_WINDOW_STEPS} steps: bytes per
 *       batch, and the fetch time beyond one job, per step;
 *   <li>t_driver: the driver's time to sum one step from those rows (compute per row × n_b over its
 *       threads).
 * </ul>
 *
 * t_job and t_driver are measured alternately, four rounds after a warm-up round, and the minimum
 * of each is kept (the least disturbed by other load and by the JIT).
 *
 * <p>The rows path is projected at t_driver + (fetch time per step) + t_job / (steps per full
 * window) and chosen when that is below t_job. Full-batch runs stay on the per-step path without
 * measuring (every step would ship the whole data set), and so do runs whose driver and executors
 * use different BLAS (the driver's sums would not be the executors' bits).
 */
public final class StepPathChooser {
  private static final Logger LOG = LoggerFactory.getLogger(StepPathChooser.class);

  /** Measured rounds (after one warm-up round) of a per-step job and a driver-side step. */
  private static final int PROBES = 4;

  /** The path a run uses ({@code rows} or {@code job}) and why, for the console and manifest. */
  public record Choice(String path, String reason) {}

  private StepPathChooser() {}

  /**
   * Applies {@code setting} (auto | rows | job) to {@code backend}, measuring for auto at step
   * {@code step} and θ (only read), and returns the choice.
   */
  public static Choice choose(
      SparkBackend backend,
      String setting,
      long windowBytes,
      long step,
      double[] theta,
      boolean blasAgrees) {
    switch (setting) {
      case "job":
        backend.useJobPath();
        return new Choice("job", "step-path job (configured)");
      case "rows":
        backend.useRowsPath(windowBytes);
        return new Choice("rows", "step-path rows (configured)");
      case "auto":
        break;
      default:
        throw new IllegalArgumentException("step-path: expected auto|rows|job, got " + setting);
    }
    if ("full".equals(backend.key().sampler())) {
      backend.useJobPath();
      return new Choice(
          "job",
          "auto: full batch — every step reads all n rows, so the rows path would ship the whole"
              + " data set each step");
    }
    if (!blasAgrees) {
      backend.useJobPath();
      return new Choice(
          "job", "auto: driver and executors use different BLAS, so driver sums would differ");
    }
    backend.useRowsPath(windowBytes);
    RowsPrefetcher prefetcher = backend.prefetcher();
    long t0 = System.nanoTime();
    RowsPrefetcher.Window probe = prefetcher.fetch(step, RowsPrefetcher.FIRST_WINDOW_STEPS);
    double fetchMs = (System.nanoTime() - t0) / 1e6;
    double bytesPerStep = (double) probe.bytes() / probe.steps();
    // Alternated, so that a load spike or the JIT warming up hits both sides; the minimum after a
    // warm-up round is the least disturbed estimate of each.
    double[] driverMs = new double[PROBES + 1];
    double[] jobMs = new double[PROBES + 1];
    for (int i = 0; i <= PROBES; i++) {
      List<List<RowBlock>> rows = probe.rowsOf(step + Math.min(i, probe.steps() - 1));
      long s = System.nanoTime();
      backend.stepper().sum(rows, theta);
      driverMs[i] = (System.nanoTime() - s) / 1e6;
      s = System.nanoTime();
      backend.jobStep(step, theta);
      jobMs[i] = (System.nanoTime() - s) / 1e6;
    }
    double tJob = minAfterWarmUp(jobMs);
    double tDriver = minAfterWarmUp(driverMs);
    long fullWindow =
        (long)
            Math.max(
                1,
                Math.min(
                    RowsPrefetcher.MAX_WINDOW_STEPS,
                    prefetcher.partitionBytes()
                        * backend.partitions()
                        / Math.max(1.0, bytesPerStep)));
    double fetchPerStep = Math.max(0, fetchMs - tJob) / probe.steps() + tJob / fullWindow;
    double rowsMs = tDriver + fetchPerStep;
    boolean rows = rowsMs < tJob;
    String reason =
        String.format(
            Locale.ROOT,
            "auto: projected %.3f ms/step on the rows path (driver sums %.3f ms over %d threads,"
                + " fetch %.3f ms; %.1f KiB of rows per batch, ~%d steps per window) vs %.3f"
                + " ms/step for one Spark job per step (θ of %d parameters, %d partitions)",
            rowsMs,
            tDriver,
            backend.stepper().threads(),
            fetchPerStep,
            bytesPerStep / 1024,
            fullWindow,
            tJob,
            theta.length,
            backend.partitions());
    if (rows) {
      prefetcher.adopt(probe); // its rows are the run's first steps: not fetched twice
    } else {
      backend.useJobPath();
    }
    LOG.debug("step path probes: job {} ms, driver {} ms", jobMs, driverMs);
    return new Choice(rows ? "rows" : "job", reason);
  }

  /**
   * As {@link #choose}, measuring once per {@code key} in {@code shared}: a run whose key was
   * measured by another run on the same cached data takes that choice (the reason says so).
   */
  public static Choice chooseShared(
      SharedSetup shared,
      String key,
      SparkBackend backend,
      String setting,
      long windowBytes,
      long step,
      double[] theta,
      boolean blasAgrees) {
    if (!"auto".equals(setting)) {
      return choose(backend, setting, windowBytes, step, theta, blasAgrees);
    }
    boolean[] measured = {false};
    Choice c =
        shared.get(
            key,
            () -> {
              measured[0] = true;
              return choose(backend, setting, windowBytes, step, theta, blasAgrees);
            });
    if (measured[0]) {
      return c;
    }
    if (c.path().equals("rows")) {
      backend.useRowsPath(windowBytes);
    } else {
      backend.useJobPath();
    }
    return new Choice(c.path(), "shared with an earlier run on the same data: " + c.reason());
  }

  /** The smallest of all but the first (warm-up) value. */
  static double minAfterWarmUp(double[] values) {
    return Arrays.stream(values, 1, values.length).min().orElse(Double.NaN);
  }
}

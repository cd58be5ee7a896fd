package io.marginflow.spark.report;

import io.marginflow.common.format.Manifest;
import java.net.URI;
import java.time.Instant;

/**
 * One line of {@code marginflow runs}: what a run is and how far it got. For a directory that could
 * not be read, {@code error} says why and the other fields are unknown (null, NaN or −1).
 *
 * @param id the directory name (= the run id for default run directories)
 * @param uri the run directory
 * @param runId {@code run_id} of the manifest
 * @param startedAt {@code started_at} of the manifest
 * @param model the resolved network spec
 * @param loss {@code exp} or {@code logistic}
 * @param sampler {@code iid}, {@code reshuffle} or {@code full}
 * @param gamma the configured step size γ (as written in the config)
 * @param batch the batch size as {@link #batchShown} gives it
 * @param stepsDone steps completed so far
 * @param lastNormalizedMargin m(u) of the last train evaluation (NaN if none)
 * @param status the run's status
 * @param lastModified last modification of its metric files (epoch ms)
 * @param error why the directory could not be read, or null
 */
public record RunSummary(
    String id,
    URI uri,
    String runId,
    Instant startedAt,
    String model,
    String loss,
    String sampler,
    String gamma,
    String batch,
    long stepsDone,
    double lastNormalizedMargin,
    RunStatus status,
    long lastModified,
    String error) {

  /** A directory that looks like a run but could not be read. */
  public static RunSummary unreadable(String id, URI uri, String error) {
    return new RunSummary(
        id, uri, null, null, null, null, null, null, null, -1, Double.NaN, null, 0, error);
  }

  /**
   * The batch size of a run as the runs tables ({@code marginflow runs}, the report) show it: n_b,
   * or for the full-batch sampler ({@code --sampler full}, whose {@code batch} setting is unused)
   * n, the number of training rows, as {@code "n (full)"}.
   */
  public static String batchShown(Manifest m) {
    if ("full".equals(m.conventions().sampler())) {
      Object n = m.config().get("train_rows");
      return (n == null ? "n" : n.toString()) + " (full)";
    }
    Object b = m.config().get("batch");
    return b == null || b.toString().isEmpty() ? "?" : b.toString();
  }

  /** The status as shown: running, finished, stopped, failed, or unreadable. */
  public String statusLabel() {
    return status == null ? "unreadable" : status.state().label();
  }
}

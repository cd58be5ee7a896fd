package io.marginflow.spark.report;

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
 * @param batch the batch size n_b (n for the full sampler)
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

  /** The status as shown: running, finished, stopped, failed, or unreadable. */
  public String statusLabel() {
    return status == null ? "unreadable" : status.state().label();
  }
}

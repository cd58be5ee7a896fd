package io.marginflow.service;

import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.store.SweepStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Where a sweep launched by the service stands, derived (as {@link RunState} is for a run) from its
 * driver's files and its {@code sweep.json}: a live driver is {@code running} once the sweep file
 * was written during this launch ({@code starting} before); an ended driver is {@code failed} when
 * a run failed or the driver died without finishing the sweep file, {@code stopped} when runs are
 * left pending (a stop request), else {@code finished}.
 */
public final class SweepState {

  private SweepState() {}

  /**
   * The sweep file of a sweep directory.
   *
   * @param manifest the parsed {@code sweep.json}, or null if there is none (or it is unreadable)
   * @param modified its modification time (epoch ms), 0 if none
   */
  public record SweepFile(SweepManifest manifest, long modified) {

    /** Reads {@code dir}'s sweep file; errors read as "not there". */
    public static SweepFile of(URI dir, Configuration conf) {
      try {
        org.apache.hadoop.fs.Path p =
            new org.apache.hadoop.fs.Path(
                new org.apache.hadoop.fs.Path(dir), SweepStore.SWEEP_FILE);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
          return new SweepFile(null, 0);
        }
        FileStatus st = fs.getFileStatus(p);
        return new SweepFile(SweepStore.open(dir, conf).read(), st.getModificationTime());
      } catch (IOException | RuntimeException e) {
        return new SweepFile(null, 0);
      }
    }
  }

  /** The state of sweep {@code r} now. */
  public static RunState derive(
      ServiceRecord r, DriverProcess.Observation driver, SweepFile file, Path log, Instant now) {
    if (r.pending() != null || r.lastAttempt() == null) {
      // queued, or withdrawn from the queue: the same as a run
      return RunState.derive(r, driver, RunDirView.NONE, log, now);
    }
    ServiceRecord.Attempt a = r.lastAttempt();
    boolean fresh =
        file.manifest() != null
            && file.modified() >= a.launchedAt().toEpochMilli() - RunState.SLACK_MS;
    if (driver.pid() != null && driver.alive() && driver.exitCode() == null) {
      return fresh
          ? new RunState(RunState.State.RUNNING, progress(file.manifest()))
          : new RunState(RunState.State.STARTING, "driver " + driver.pid() + " is starting");
    }
    if (driver.exitCode() == null) {
      // not started yet, or gone without an exit status: as for a run
      return RunState.derive(r, driver, RunDirView.NONE, log, now);
    }
    if (!fresh || driver.exitCode() > 128) {
      return new RunState(RunState.State.FAILED, RunState.exitReason(driver.exitCode(), log));
    }
    SweepManifest m = file.manifest();
    long failed = count(m, SweepManifest.FAILED);
    long open = count(m, SweepManifest.PENDING) + count(m, SweepManifest.RUNNING);
    if (failed > 0) {
      String first =
          m.runs().stream()
              .filter(x -> x.status().equals(SweepManifest.FAILED))
              .findFirst()
              .map(x -> x.id() + ": " + x.reason())
              .orElse("");
      return new RunState(
          RunState.State.FAILED, failed + " of " + m.runs().size() + " run(s) failed; " + first);
    }
    if (open > 0) {
      return new RunState(
          RunState.State.STOPPED,
          "stop-requested: " + open + " of " + m.runs().size() + " run(s) not finished");
    }
    if (driver.exitCode() != 0) {
      return new RunState(RunState.State.FAILED, RunState.exitReason(driver.exitCode(), log));
    }
    return new RunState(RunState.State.FINISHED, m.runs().size() + " run(s) finished");
  }

  private static String progress(SweepManifest m) {
    return count(m, SweepManifest.FINISHED)
        + " of "
        + m.runs().size()
        + " run(s) finished, "
        + count(m, SweepManifest.RUNNING)
        + " running";
  }

  private static long count(SweepManifest m, String status) {
    return m.runs().stream().filter(x -> x.status().equals(status)).count();
  }
}

package io.marginflow.service;

import io.marginflow.spark.report.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Where a run launched by the service stands, derived every time from what is on disk and in the
 * process table — never remembered — so that it cannot disagree with the application: a live driver
 * with fresh metrics is {@code running}; an ended driver is whatever its {@code status.json}
 * written during that launch says; an ended driver without one, or a driver gone without an exit
 * status, is {@code failed} with the reason.
 *
 * @param state the state
 * @param reason why it ended, or what it waits for (never null)
 */
public record RunState(State state, String reason) {

  /** The states of a run, in API spelling ({@link #label()}). */
  public enum State {
    /** Waiting for a free slot (--max-concurrent). */
    QUEUED,
    /** Launched; the driver has not written metrics yet. */
    STARTING,
    /** The driver is alive and training. */
    RUNNING,
    /** Ran its step budget. */
    FINISHED,
    /** Ended on a stop rule or a stop request, with a checkpoint. */
    STOPPED,
    /** Ended with an error, or its driver died. */
    FAILED;

    /** Lower case, as in the API. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a driver is (or may be about to be) running. */
    public boolean active() {
      return this == STARTING || this == RUNNING;
    }

    /** Whether the run has ended. */
    public boolean ended() {
      return this == FINISHED || this == STOPPED || this == FAILED;
    }
  }

  /** The launcher must have started the driver within this time. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  /** Modification times and launch times are compared with this slack (clock granularity). */
  static final long SLACK_MS = 1000;

  /** Validates. */
  public RunState {
    if (state == null || reason == null) {
      throw new IllegalArgumentException("state and reason must not be null");
    }
  }

  /** The state of {@code r} now (reads its driver files in {@code stateDir} and its run dir). */
  public static RunState derive(
      ServiceRecord r,
      DriverProcess.Observation driver,
      RunDirView dir,
      Path driverLog,
      Instant now) {
    if (r.pending() != null) {
      return new RunState(State.QUEUED, "waiting for a free slot (" + r.pending().kind() + ")");
    }
    ServiceRecord.Attempt a = r.lastAttempt();
    if (a == null) {
      return new RunState(
          State.STOPPED, r.cancelled() == null ? "never launched" : r.cancelled().reason());
    }
    long launched = a.launchedAt().toEpochMilli() - SLACK_MS;
    RunStatus fresh =
        dir.status() != null && dir.statusModified() >= launched ? dir.status() : null;
    if (fresh != null && !(driver.alive() && fresh.state() == RunStatus.State.RUNNING)) {
      return fromStatus(fresh);
    }
    if (driver.exitCode() != null) {
      return new RunState(State.FAILED, exitReason(driver.exitCode(), driverLog));
    }
    if (driver.pid() == null) {
      return now.isAfter(a.launchedAt().plus(START_TIMEOUT))
          ? new RunState(
              State.FAILED,
              "the launcher did not start a driver within "
                  + START_TIMEOUT.toSeconds()
                  + " s (see wrapper-"
                  + a.n()
                  + ".log)")
          : new RunState(State.STARTING, "launching");
    }
    if (!driver.alive()) {
      return new RunState(
          State.FAILED,
          "driver process "
              + driver.pid()
              + " is gone without an exit status (killed with its wrapper, or the host restarted)");
    }
    boolean wrote =
        dir.metricsModified() >= launched
            || (a.kind().equals("train") && dir.manifestModified() >= launched);
    return wrote
        ? new RunState(State.RUNNING, "")
        : new RunState(State.STARTING, "driver " + driver.pid() + " is starting");
  }

  private static RunState fromStatus(RunStatus s) {
    return switch (s.state()) {
      case FINISHED -> new RunState(State.FINISHED, s.reason());
      case STOPPED -> new RunState(State.STOPPED, s.reason());
      case FAILED -> new RunState(State.FAILED, s.reason());
      case RUNNING -> new RunState(State.RUNNING, "");
    };
  }

  /** Why a driver that exited without a status failed. */
  static String exitReason(int code, Path log) {
    String what =
        code > 128
            ? "driver killed by signal "
                + (code - 128)
                + signalName(code - 128)
                + " (exit "
                + code
                + ")"
            : "driver exited with status " + code + " without writing status.json";
    String err = log == null ? "" : DriverProcess.lastError(log);
    return err.isEmpty() ? what : what + ": " + err;
  }

  private static String signalName(int sig) {
    return switch (sig) {
      case 9 -> " (SIGKILL)";
      case 15 -> " (SIGTERM)";
      case 2 -> " (SIGINT)";
      case 6 -> " (SIGABRT)";
      default -> "";
    };
  }
}

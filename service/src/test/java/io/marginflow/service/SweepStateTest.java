package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.format.SweepManifest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep's state follows from its driver and its {@code sweep.json}: a live driver is never more
 * than running, a dead one is never running, a sweep file older than the launch is not this
 * launch's outcome, runs left pending mean stopped and a failed run means failed. Also: a sweep
 * record round-trips, and a record written before sweeps reads as a run.
 */
class SweepStateTest {

  @TempDir Path tmp;

  private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");
  private static final long MS = T0.toEpochMilli();

  private static ServiceRecord sweep() {
    return new ServiceRecord(
        "sweep-1",
        "file:/runs/sweep-1",
        T0.minusSeconds(5),
        "127.0.0.1 (test)",
        null,
        null,
        List.of(new ServiceRecord.Attempt(1, "train", T0, 0)),
        ServiceRecord.SWEEP);
  }

  private static SweepState.SweepFile file(long at, String... statuses) {
    List<SweepManifest.Run> runs = new ArrayList<>();
    for (int i = 0; i < statuses.length; i++) {
      runs.add(
          new SweepManifest.Run(
              i + "-s1",
              Map.of(),
              1,
              Map.of(),
              statuses[i],
              statuses[i].equals("failed") ? "NaN at step 3" : "",
              10,
              1.0));
    }
    return new SweepState.SweepFile(
        new SweepManifest("sweep-1", T0, Map.of(), List.of(1L), 1, runs), at);
  }

  private static DriverProcess.Observation driver(Long pid, boolean alive, Integer exit) {
    return new DriverProcess.Observation(pid, pid == null ? null : T0, alive, exit);
  }

  private static RunState state(DriverProcess.Observation d, SweepState.SweepFile f) {
    return SweepState.derive(sweep(), d, f, null, T0.plusSeconds(10));
  }

  @Test
  void statesFollowTheDriverAndTheSweepFile() {
    SweepState.SweepFile none = new SweepState.SweepFile(null, 0);
    SweepState.SweepFile old = file(MS - 60_000, "finished", "finished");
    assertEquals(RunState.State.STARTING, state(driver(null, false, null), none).state());
    assertEquals(RunState.State.STARTING, state(driver(7L, true, null), none).state());
    assertEquals(RunState.State.STARTING, state(driver(7L, true, null), old).state());
    RunState running = state(driver(7L, true, null), file(MS + 10, "finished", "running"));
    assertEquals(RunState.State.RUNNING, running.state());
    assertEquals("1 of 2 run(s) finished, 1 running", running.reason());
    assertEquals(
        RunState.State.FINISHED,
        state(driver(7L, false, 0), file(MS + 10, "finished", "finished")).state());
    RunState stopped = state(driver(7L, false, 0), file(MS + 10, "pending", "finished"));
    assertEquals(RunState.State.STOPPED, stopped.state());
    assertTrue(stopped.reason().startsWith("stop-requested"), stopped.reason());
    RunState failed = state(driver(7L, false, 1), file(MS + 10, "failed", "finished"));
    assertEquals(RunState.State.FAILED, failed.state());
    assertTrue(failed.reason().contains("0-s1: NaN at step 3"), failed.reason());
    // a sweep file from before this launch says nothing about it
    assertEquals(RunState.State.FAILED, state(driver(7L, false, 0), old).state());
    // a killed driver is failed, whatever its sweep file says
    RunState killed = state(driver(7L, false, 137), file(MS + 10, "running", "pending"));
    assertEquals(RunState.State.FAILED, killed.state());
    assertTrue(killed.reason().contains("SIGKILL"), killed.reason());
    // a driver gone without an exit status is failed, never running
    assertEquals(
        RunState.State.FAILED,
        state(driver(7L, false, null), file(MS + 10, "running", "pending")).state());
  }

  @Test
  void aSweepRecordRoundTripsAndOldRecordsAreRuns() {
    ServiceRecord s = sweep();
    assertEquals(s, ServiceRecord.fromJson(s.toJson(), "record.json"));
    String old = s.toJson().replace(",\n  \"kind\" : \"sweep\"", "");
    assertTrue(!old.contains("\"kind\" : \"sweep\""), old);
    assertEquals(ServiceRecord.RUN, ServiceRecord.fromJson(old, "record.json").kind());
  }
}

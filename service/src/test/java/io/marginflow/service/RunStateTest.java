package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.report.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state of a run follows from the record, the driver files and the run directory; a dead driver
 * is never {@code running}, and a {@code status.json} older than the launch is not the launch's
 * outcome. Also: the record format round-trips and rejects other versions.
 */
class RunStateTest {

  @TempDir Path tmp;

  private static final Instant T0 = Instant.parse("2026-12-06T01:00:00Z");
  private static final long MS = T0.toEpochMilli();

  private static ServiceRecord launched(String kind) {
    return new ServiceRecord(
        "r1",
        "file:/runs/r1",
        T0.minusSeconds(5),
        "127.0.0.1 (test)",
        null,
        null,
        List.of(new ServiceRecord.Attempt(1, kind, T0, 0)),
        ServiceRecord.RUN);
  }

  private static DriverProcess.Observation driver(Long pid, boolean alive, Integer exit) {
    return new DriverProcess.Observation(pid, pid == null ? null : T0, alive, exit);
  }

  private static RunDirView dir(RunStatus s, long statusAt, long manifestAt, long metricsAt) {
    return new RunDirView(s, statusAt, manifestAt, metricsAt, true);
  }

  private RunState.State state(ServiceRecord r, DriverProcess.Observation d, RunDirView v) {
    return RunState.derive(r, d, v, null, T0.plusSeconds(10)).state();
  }

  @Test
  void statesFollowTheDriverAndTheRunDirectory() {
    ServiceRecord r = launched("train");
    RunStatus finished = new RunStatus(RunStatus.State.FINISHED, "steps", 100);
    RunStatus stopped = new RunStatus(RunStatus.State.STOPPED, "stop-requested", 40);
    RunStatus failed = new RunStatus(RunStatus.State.FAILED, "NaN at step 3", 3);
    assertEquals(RunState.State.STARTING, state(r, driver(null, false, null), RunDirView.NONE));
    assertEquals(RunState.State.STARTING, state(r, driver(7L, true, null), RunDirView.NONE));
    assertEquals(
        RunState.State.RUNNING, state(r, driver(7L, true, null), dir(null, 0, MS + 50, 0)));
    assertEquals(
        RunState.State.FINISHED, state(r, driver(7L, false, 0), dir(finished, MS + 900, MS, MS)));
    assertEquals(
        RunState.State.STOPPED, state(r, driver(7L, false, 0), dir(stopped, MS + 900, MS, MS)));
    assertEquals(
        RunState.State.FAILED, state(r, driver(7L, false, 1), dir(failed, MS + 900, MS, MS)));
    // a dead driver without an outcome is failed, whatever the metrics say
    assertEquals(
        RunState.State.FAILED, state(r, driver(7L, false, null), dir(null, 0, MS, MS + 5)));
    RunState killed =
        RunState.derive(r, driver(7L, false, 137), dir(null, 0, MS, MS + 5), null, T0);
    assertEquals(RunState.State.FAILED, killed.state());
    assertTrue(killed.reason().contains("SIGKILL"), killed.reason());
    // the launcher never started a driver
    RunState never =
        RunState.derive(r, driver(null, false, null), RunDirView.NONE, null, T0.plusSeconds(61));
    assertEquals(RunState.State.FAILED, never.state());
  }

  @Test
  void aStopRequestEndsAsStopped() throws Exception {
    RunStatus s =
        RunStatus.parse(
            "{\"state\": \"finished\", \"reason\": \"stop-requested\", \"step\": 40}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            "status.json");
    assertEquals(RunStatus.State.STOPPED, s.state());
    assertEquals(
        RunState.State.STOPPED,
        state(launched("train"), driver(7L, false, 0), dir(s, MS + 900, MS, MS)));
  }

  @Test
  void aResumedRunIgnoresTheStatusOfTheEarlierLaunch() {
    ServiceRecord r = launched("resume");
    RunStatus old = new RunStatus(RunStatus.State.STOPPED, "stop-requested", 40);
    // status.json from before the launch, old manifest, no new metrics yet: starting
    assertEquals(
        RunState.State.STARTING,
        state(r, driver(7L, true, null), dir(old, MS - 60_000, MS - 90_000, MS - 60_000)));
    assertEquals(
        RunState.State.RUNNING,
        state(r, driver(7L, true, null), dir(old, MS - 60_000, MS - 90_000, MS + 3000)));
    // the driver died before writing a new status: failed, not the old "stopped"
    assertEquals(
        RunState.State.FAILED,
        state(r, driver(7L, false, 1), dir(old, MS - 60_000, MS - 90_000, MS + 3000)));
  }

  @Test
  void queuedAndWithdrawnRuns() {
    ServiceRecord q =
        new ServiceRecord(
            "r2",
            "file:/runs/r2",
            T0,
            "x",
            new ServiceRecord.Pending("train", T0, 3, null),
            null,
            List.of(),
            ServiceRecord.RUN);
    assertEquals(RunState.State.QUEUED, state(q, driver(null, false, null), RunDirView.NONE));
    ServiceRecord c = q.withCancelled(new ServiceRecord.Cancelled(T0, "stopped while queued"));
    RunState s = RunState.derive(c, driver(null, false, null), RunDirView.NONE, null, T0);
    assertEquals(RunState.State.STOPPED, s.state());
    assertEquals("stopped while queued", s.reason());
  }

  @Test
  void theRecordRoundTripsAndRejectsOtherVersions() {
    ServiceRecord r =
        launched("train")
            .withPending(new ServiceRecord.Pending("resume", T0.plusSeconds(60), 9, 500L));
    assertEquals(r, ServiceRecord.fromJson(r.toJson(), "record.json"));
    ServiceRecord r2 =
        r.withAttempt(new ServiceRecord.Attempt(2, "resume", T0.plusSeconds(61), 40));
    assertEquals(r2, ServiceRecord.fromJson(r2.toJson(), "record.json"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ServiceRecord.fromJson(
                    r.toJson().replace("\"version\" : 1", "\"version\" : 2"), "f.json"));
    assertTrue(
        e.getMessage().contains("f.json") && e.getMessage().contains("version 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServiceRecord.fromJson("{}", "f.json"));
  }

  @Test
  void logChunksAreWholeLinesAndContinueWhereTheyStopped() throws Exception {
    Path log = tmp.resolve("driver-1.log");
    Files.writeString(log, "alpha\nbeta\ngam");
    LogFile.Chunk a = LogFile.read(log, 0, 1 << 20);
    assertEquals(List.of("alpha", "beta"), a.lines());
    assertEquals(11, a.next());
    LogFile.Chunk b = LogFile.read(log, a.next(), 1 << 20);
    assertEquals(List.of(), b.lines());
    Files.writeString(log, "alpha\nbeta\ngamma\ndelta\n");
    LogFile.Chunk c = LogFile.read(log, a.next(), 7);
    assertEquals(List.of("gamma"), c.lines());
    assertEquals(List.of("delta"), LogFile.read(log, c.next(), 100).lines());
    assertEquals(List.of("gamma", "delta"), LogFile.tailLines(log, 13));
  }

  @Test
  void metricRowsAreServedFromAnyRowAndFollowTheFile() throws Exception {
    Path run = Files.createDirectories(tmp.resolve("run/metrics"));
    Path f = run.resolve("eval.jsonl");
    Files.writeString(f, "{\"step\":0}\n{\"step\":1}\n{\"step\":2");
    MetricRows m = new MetricRows(new org.apache.hadoop.conf.Configuration());
    java.net.URI dir = tmp.resolve("run").toUri();
    MetricRows.Rows a = m.read(dir, "eval", 0, 100);
    assertEquals(List.of("{\"step\":0}", "{\"step\":1}"), a.lines());
    assertEquals(2, a.next());
    Files.writeString(f, "{\"step\":0}\n{\"step\":1}\n{\"step\":2}\n\n{\"step\":3}\n");
    MetricRows.Rows b = m.read(dir, "eval", a.next(), 100);
    assertEquals(List.of("{\"step\":2}", "{\"step\":3}"), b.lines());
    assertEquals(4, b.total());
    assertEquals(List.of("{\"step\":1}"), m.read(dir, "eval", 1, 1).lines());
    Files.writeString(f, "{\"step\":0}\n"); // truncated by a resume
    MetricRows.Rows c = m.read(dir, "eval", 0, 100);
    assertEquals(1, c.total());
    assertEquals(List.of(), m.read(dir, "steps", 0, 10).lines());
    assertThrows(ApiException.class, () -> m.read(dir, "../../etc/passwd", 0, 10));
  }
}

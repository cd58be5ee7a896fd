package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor's state of an ended launch, whose run directory view it keeps while {@code
 * status.json} is unchanged: a rewritten {@code status.json} (a new modification time) is read
 * again, a removed one makes the run failed, and a new launch is never answered from the view of
 * the old one.
 */
class RunSupervisorStateTest {

  @TempDir Path tmp;

  @Test
  void anEndedLaunchFollowsItsStatusFile() throws Exception {
    Instant launched = Instant.now().minusSeconds(60);
    Path runDir = Files.createDirectories(tmp.resolve("runs/r1"));
    RecordStore store = new RecordStore(tmp.resolve("state"));
    ServiceRecord r =
        new ServiceRecord(
            "r1",
            runDir.toUri().toString(),
            launched,
            "test",
            null,
            null,
            List.of(new ServiceRecord.Attempt(1, "train", launched, 0)),
            ServiceRecord.RUN);
    store.write(r);
    Files.writeString(store.dir("r1").resolve("driver-1.pid"), "2147483646\n");
    Files.writeString(store.dir("r1").resolve("driver-1.exit"), "0\n");
    Path status = runDir.resolve("status.json");
    Files.writeString(status, "{\"state\": \"finished\", \"reason\": \"steps\", \"step\": 10}");
    Files.setLastModifiedTime(status, FileTime.from(launched.plusSeconds(10)));
    Path launcher = Files.writeString(tmp.resolve("launcher"), "#!/bin/sh\nexit 0\n");
    RunSupervisor sup =
        new RunSupervisor(
            store,
            new RunSupervisor.Launch(launcher, List.of(), "local[2]", 1),
            new Configuration(),
            new AuditLog(tmp.resolve("state/audit.log")));
    assertEquals(RunState.State.FINISHED, sup.state(r).state());
    assertEquals(RunState.State.FINISHED, sup.state(r).state(), "from the kept view");

    Files.writeString(
        status, "{\"state\": \"finished\", \"reason\": \"stop-requested\", \"step\": 7}");
    Files.setLastModifiedTime(status, FileTime.from(launched.plusSeconds(20)));
    RunState s = sup.state(r);
    assertEquals(RunState.State.STOPPED, s.state(), "a rewritten status.json is read again");
    assertEquals("stop-requested", s.reason());

    Files.delete(status);
    assertEquals(
        RunState.State.FAILED, sup.state(r).state(), "an ended driver without status.json");

    // a second launch (alive or not, its own files): never the first launch's view
    Files.writeString(status, "{\"state\": \"finished\", \"reason\": \"steps\", \"step\": 10}");
    Files.setLastModifiedTime(status, FileTime.from(launched.plusSeconds(30)));
    assertEquals(RunState.State.FINISHED, sup.state(r).state());
    ServiceRecord again = r.withAttempt(new ServiceRecord.Attempt(2, "resume", Instant.now(), 10));
    Files.writeString(store.dir("r1").resolve("driver-2.exit"), "1\n");
    assertEquals(
        RunState.State.FAILED,
        sup.state(again).state(),
        "status.json is older than the second launch: its exit status decides");
    sup.close();
  }
}

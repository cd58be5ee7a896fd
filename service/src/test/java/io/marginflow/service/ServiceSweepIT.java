package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps through the service, with a real {@code marginflow sweep} (one Spark application on {@code
 * local[2]}, launched through {@code deploy/bin/marginflow}): validation before anything launches
 * (bad grid key, bad grid value, data and out outside the policy), submit with the client (a file
 * with {@code grid:} is a sweep), the sweep counted as one driver against {@code --max-concurrent}
 * (a run submitted meanwhile waits), state from the driver and sweep.json, stop (the running run
 * stops at its next step with a checkpoint, the next one never starts), resume to the end, the
 * sweep's JSON equal to its sweep.json, its runs' metrics equal to their files, the sweep report.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceSweepIT {

  private static final String SWEEP =
      "model: mlp:20-8-1\nsteps: 3000\nbatch: 50\neval-every: 100\ncheckpoint-every: 200\n"
          + "generator-rows: 1000\npartitions: 2\nparallel: 1\n"
          + "grid:\n  step: [0.1, 0.2]\nseeds: [1]\n";
  private static final int START_S = 300;

  @TempDir static Path tmp;
  static ServiceProcess svc;

  @BeforeAll
  static void start() throws Exception {
    svc = new ServiceProcess(tmp.resolve("svc"), List.of("--max-concurrent", "1")).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (svc != null) {
      svc.close();
    }
  }

  static String[] client(String... args) {
    return svc.client(args);
  }

  JsonNode awaitSweep(String id, Predicate<JsonNode> want, int seconds, String what)
      throws Exception {
    return svc.awaitSweep(id, want, seconds, what);
  }

  static void assertRefused(HttpResponse<String> r, String key, String inMessage) throws Exception {
    assertEquals(400, r.statusCode(), r.body());
    JsonNode n = ServiceProcess.JSON.readTree(r.body());
    assertEquals(key, n.path("key").asText(), r.body());
    assertTrue(n.path("message").asText().contains(inMessage), r.body());
  }

  @Test
  @Order(1)
  void aBadSweepIsRefusedBeforeAnythingLaunches() throws Exception {
    assertRefused(
        svc.post("/api/v1/sweeps", SWEEP.replace("  step:", "  bogus-key:")),
        "grid.bogus-key",
        "bogus-key");
    assertRefused(
        svc.post("/api/v1/sweeps", SWEEP.replace("[0.1, 0.2]", "[0.1, -1]")), "step", "step");
    assertRefused(
        svc.post(
            "/api/v1/sweeps",
            SWEEP.replace("grid:", "grid:\n  seed: [1, 2]\n  x:").replace("  x:\n", "")),
        "grid.seed",
        "seed");
    assertRefused(
        svc.post("/api/v1/sweeps", SWEEP + "data: /etc/passwd\n"), "data", "outside the data");
    assertRefused(svc.post("/api/v1/sweeps", SWEEP + "out: /tmp\n"), "out", "service root");
    assertRefused(
        svc.post("/api/v1/sweeps", SWEEP.replace("seeds: [1]", "seeds: 5-x")), "seeds", "seeds");
    assertRefused(svc.post("/api/v1/sweeps", SWEEP + "name: ../up\n"), "name", "run id");
    assertRefused(svc.post("/api/v1/sweeps", "- a list\n"), "body", "mapping");
    try (var s = Files.list(svc.root)) {
      assertEquals(
          List.of("_service"),
          s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList(),
          "nothing was created under the root");
    }
  }

  @Test
  @Order(2)
  void aSweepIsSubmittedStoppedResumedAndReported() throws Exception {
    Path cfg = Files.writeString(tmp.resolve("sweep.yaml"), SWEEP);
    String[] sub = client("submit", "--config", cfg.toString(), "--json"); // detected: grid/seeds
    assertEquals("0", sub[0], sub[2]);
    JsonNode created = ServiceProcess.JSON.readTree(sub[1]);
    String id = created.path("id").asText();
    assertTrue(id.startsWith("sweep-"), sub[1]);
    assertEquals(2, created.path("runs").asInt(), sub[1]);
    assertEquals("/api/v1/sweeps/" + id, created.path("url").asText());

    // running once its first run trains; then stop it
    JsonNode running =
        awaitSweep(
            id,
            n ->
                n.path("state").asText().equals("running")
                    && n.path("runs").path(0).path("status").asText().equals("running")
                    && Files.exists(
                        svc.root.resolve(id).resolve(runId(n, 0)).resolve("manifest.json")),
            START_S,
            "its first run training");
    String first = runId(running, 0);
    String second = runId(running, 1);
    JsonNode listed = ServiceProcess.JSON.readTree(svc.get("/api/v1/runs").body());
    assertTrue(
        listed.toString().contains("\"id\":\"" + id + "\",")
            && listed.toString().contains("\"kind\":\"sweep\""),
        listed.toString());
    // the sweep holds the one slot (--max-concurrent 1): a run submitted now waits
    HttpResponse<String> queued =
        svc.post(
            "/api/v1/runs",
            "model: mlp:20-8-1\nsteps: 100\nbatch: 50\neval-every: 50\ngenerator-rows: 300\n");
    assertEquals(201, queued.statusCode(), queued.body());
    String run = ServiceProcess.JSON.readTree(queued.body()).path("id").asText();
    assertEquals("queued", svc.run(run).path("state").asText(), "the sweep counts as one driver");
    JsonNode asRun = svc.run(id); // the driver's view: state, launches, log
    assertEquals("sweep", asRun.path("kind").asText(), asRun.toString());
    assertEquals("/api/v1/sweeps/" + id, asRun.path("links").path("sweep").asText());
    JsonNode log = ServiceProcess.JSON.readTree(svc.get("/api/v1/runs/" + id + "/log").body());
    assertTrue(log.path("lines").size() > 0, log.toString());
    String[] st = client("stop", id);
    assertEquals("0", st[0], st[2]);
    JsonNode stopped =
        awaitSweep(id, n -> n.path("state").asText().equals("stopped"), 180, "stopped");
    assertTrue(stopped.path("reason").asText().startsWith("stop-requested"), stopped.toString());
    Path sweepDir = svc.root.resolve(id);
    JsonNode file = ServiceProcess.JSON.readTree(Files.readString(sweepDir.resolve("sweep.json")));
    assertEquals("pending", file.path("runs").path(1).path("status").asText(), file.toString());
    assertFalse(Files.exists(sweepDir.resolve(second).resolve("manifest.json")), "never started");
    String firstStatus = file.path("runs").path(0).path("status").asText();
    if (firstStatus.equals("pending")) {
      // stopped at its next step, with a checkpoint at that step
      assertEquals("stop-requested", file.path("runs").path(0).path("reason").asText());
      long step = file.path("runs").path(0).path("step").asLong();
      assertEquals(
          step,
          Long.parseLong(
              Files.readString(sweepDir.resolve(first).resolve("checkpoints/LATEST")).strip()));
    } else {
      assertEquals("finished", firstStatus, "it ran its budget before the request reached it");
    }
    assertEquals(409, svc.post("/api/v1/sweeps/" + id + "/stop", "").statusCode());
    assertRefused(svc.post("/api/v1/sweeps/" + id + "/resume", "{\"steps\": 5}"), "steps", "sweep");

    // the queued run got the slot once the sweep's driver ended
    svc.awaitRun(run, ServiceProcess.state("finished"), START_S, "the queued run finished");

    // resume: both runs finish their budget
    HttpResponse<String> res = svc.post("/api/v1/sweeps/" + id + "/resume", "");
    assertEquals(202, res.statusCode(), res.body());
    JsonNode done =
        awaitSweep(id, n -> n.path("state").asText().equals("finished"), START_S * 2, "finished");
    assertFalse(Files.exists(sweepDir.resolve("STOP")), "the stop request was cleared");

    // the sweep's JSON is its sweep.json, with each run's last m(u)
    file = ServiceProcess.JSON.readTree(Files.readString(sweepDir.resolve("sweep.json")));
    assertEquals(file.path("grid"), done.path("sweep").path("grid"));
    assertEquals(file.path("seeds"), done.path("sweep").path("seeds"));
    assertEquals(file.path("runs").size(), done.path("runs").size());
    for (int i = 0; i < file.path("runs").size(); i++) {
      JsonNode f = file.path("runs").get(i);
      JsonNode s = done.path("runs").get(i);
      for (String k : new String[] {"id", "point", "seed", "status", "reason", "step", "wall_s"}) {
        assertEquals(f.path(k), s.path(k), k + " of run " + i);
      }
      assertEquals("finished", s.path("status").asText());
      assertEquals(3000, s.path("step").asLong());
      assertTrue(s.path("last_normalized_margin").isNumber(), s.toString());
    }

    // a run of the sweep: metrics equal to its file; hostile run ids refused
    Path eval = sweepDir.resolve(first).resolve("metrics/eval.jsonl");
    HttpResponse<String> m =
        svc.get("/api/v1/sweeps/" + id + "/runs/" + first + "/metrics?file=eval&from=2");
    assertEquals(200, m.statusCode(), m.body());
    List<String> rows = Files.readAllLines(eval);
    assertEquals(rows.subList(2, rows.size()), m.body().lines().toList());
    JsonNode one =
        ServiceProcess.JSON.readTree(svc.get("/api/v1/sweeps/" + id + "/runs/" + first).body());
    assertEquals(3000, one.path("steps_done").asLong(), one.toString());
    assertEquals(404, svc.get("/api/v1/sweeps/" + id + "/runs/00-not-a-run").statusCode());
    assertEquals(400, svc.get("/api/v1/sweeps/" + id + "/runs/..%2F..%2Fetc").statusCode());
    assertEquals(400, svc.get("/api/v1/sweeps/" + id + "/runs/%2Fetc/metrics").statusCode());

    // the sweep report, the run report, and the client's status
    HttpResponse<String> report = svc.get("/api/v1/sweeps/" + id + "/report");
    assertEquals(200, report.statusCode(), report.body());
    assertTrue(report.body().contains("<html") && report.body().contains(id));
    HttpResponse<String> runReport =
        svc.get("/api/v1/sweeps/" + id + "/runs/" + second + "/report");
    assertEquals(200, runReport.statusCode());
    String[] status = client("status");
    assertEquals("0", status[0], status[2]);
    assertTrue(status[1].contains(id) && status[1].contains(id + "/" + first), status[1]);
    String[] one1 = client("status", id);
    assertEquals("0", one1[0], one1[2]);
    assertTrue(one1[1].contains("sweep " + id + ": finished") && one1[1].contains(second), one1[1]);
    String audit = Files.readString(svc.root.resolve("_service/audit.log"));
    for (String action : new String[] {"\tsubmit\t" + id, "\tstop\t" + id, "\tresume\t" + id}) {
      assertTrue(audit.contains(action), action + " in\n" + audit);
    }
  }

  private static String runId(JsonNode sweep, int i) {
    return sweep.path("runs").path(i).path("id").asText();
  }
}

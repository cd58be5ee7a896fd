package io.marginflow.service;

import static io.marginflow.service.ServiceProcess.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as users meet it, with real runs (each its own Spark application on {@code local[2]},
 * launched through {@code deploy/bin/marginflow}) and {@code --max-concurrent 1}: submit (client
 * and API), queue, live metrics and log, SIGKILL and restart of the service mid-run (the run goes
 * on; the states are right at once after re-attach), stop at the next step with a checkpoint, the
 * queue moving on, resume to a new step budget, and a driver killed under the service reported
 * {@code failed} with the reason and never {@code running}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceLifecycleIT {

  private static final String LONG =
      "model: mlp:20-16-1\nsteps: 1000000\nbatch: 50\neval-every: 50\ncheckpoint-every: 100\n"
          + "generator-rows: 1000\npartitions: 2\n";
  private static final String SHORT =
      "{\"model\": \"mlp:20-8-1\", \"steps\": 150, \"batch\": 50, \"eval-every\": 50,"
          + " \"generator-rows\": 500, \"partitions\": 2}";
  private static final int START_S = 300;

  @TempDir static Path tmp;
  static ServiceProcess svc;
  static String a;
  static String b;

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

  static long lines(Path p) throws Exception {
    if (!Files.exists(p)) {
      return 0;
    }
    try (var s = Files.lines(p)) {
      return s.count();
    }
  }

  @Test
  @Order(1)
  void submitQueueKillAndRestartTheServiceStopAndResume() throws Exception {
    Path cfg = Files.writeString(tmp.resolve("long.yaml"), LONG);
    String[] sub = client("submit", "--config", cfg.toString(), "--json");
    assertEquals("0", sub[0], sub[2]);
    a = ServiceProcess.JSON.readTree(sub[1]).path("id").asText();
    HttpResponse<String> r = svc.post("/api/v1/runs", SHORT);
    assertEquals(201, r.statusCode(), r.body());
    b = ServiceProcess.JSON.readTree(r.body()).path("id").asText();
    assertEquals("/api/v1/runs/" + b, ServiceProcess.JSON.readTree(r.body()).path("url").asText());
    assertEquals("queued", svc.run(b).path("state").asText(), "one slot: the second run waits");

    JsonNode ra =
        svc.awaitRun(
            a,
            n ->
                n.path("state").asText().equals("running")
                    && n.path("progress").path("step").asLong() > 0
                    && n.path("last_eval").isObject(),
            START_S,
            "running, past step 0, with an evaluation");
    assertEquals("queued", svc.run(b).path("state").asText());
    JsonNode withApp = svc.awaitRun(a, n -> n.path("app_id").isTextual(), 60, "an application id");
    assertTrue(withApp.path("app_id").asText().startsWith("local-"), withApp.toString());

    // metrics from row N are the file's rows from N
    Path eval = svc.root.resolve(a).resolve("metrics/eval.jsonl");
    HttpResponse<String> m = svc.get("/api/v1/runs/" + a + "/metrics?file=eval&from=1");
    assertEquals(200, m.statusCode(), m.body());
    List<String> served = m.body().lines().toList();
    List<String> file = Files.readAllLines(eval);
    assertFalse(served.isEmpty());
    assertEquals(file.subList(1, 1 + served.size()), served);
    assertEquals(
        Long.toString(1 + served.size()),
        m.headers().firstValue("X-Marginflow-Next-Row").orElse(""));
    JsonNode log =
        ServiceProcess.JSON.readTree(svc.get("/api/v1/runs/" + a + "/log?from=0").body());
    assertTrue(log.path("lines").toString().contains("spark application"), log.toString());
    JsonNode queued = ServiceProcess.JSON.readTree(svc.get("/api/v1/runs?status=queued").body());
    assertEquals(1, queued.size(), queued.toString());
    assertEquals(b, queued.get(0).path("id").asText());

    // SIGKILL the service: the run goes on untouched
    long driver = svc.driverPid(a, 1);
    svc.kill9();
    Path steps = svc.root.resolve(a).resolve("metrics/steps.jsonl");
    long before = lines(steps);
    // metric rows reach the file in batches (at checkpoints): wait for the next batch
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (lines(steps) <= before && System.nanoTime() < deadline) {
      Thread.sleep(500);
    }
    assertTrue(ProcessHandle.of(driver).map(ProcessHandle::isAlive).orElse(false), "driver alive");
    assertTrue(lines(steps) > before, "the run kept training while the service was down");
    svc.start();
    assertEquals("running", svc.run(a).path("state").asText(), "right after re-attach");
    assertEquals("queued", svc.run(b).path("state").asText(), "the queue survived the restart");

    // stop at the next step, with a checkpoint; the queue moves on
    String[] st = client("stop", a);
    assertEquals("0", st[0], st[2]);
    JsonNode stopped = svc.awaitRun(a, state("stopped"), 120, "stopped");
    assertEquals("stop-requested", stopped.path("reason").asText());
    // status.json is written as the loop ends; the driver JVM then stops Spark and exits
    var h = ProcessHandle.of(driver);
    if (h.isPresent()) {
      h.get().onExit().get(120, TimeUnit.SECONDS);
    }
    assertEquals("stopped", svc.run(a).path("state").asText(), "still stopped once the JVM exited");
    long done = stopped.path("summary").path("steps_done").asLong();
    assertTrue(Files.exists(svc.root.resolve(a).resolve("checkpoints/LATEST")));
    assertEquals(
        done,
        Long.parseLong(Files.readString(svc.root.resolve(a).resolve("checkpoints/LATEST")).strip()),
        "the checkpoint is at the step the run stopped");
    JsonNode fb = svc.awaitRun(b, state("finished"), START_S, "b finished");
    assertEquals(150, fb.path("summary").path("steps_done").asLong());

    // a stopped run cannot be stopped again; resume continues it to a new budget
    assertEquals(409, svc.post("/api/v1/runs/" + a + "/stop", "").statusCode());
    HttpResponse<String> res =
        svc.post("/api/v1/runs/" + a + "/resume", "{\"steps\": " + (done + 60) + "}");
    assertEquals(202, res.statusCode(), res.body());
    JsonNode fa = svc.awaitRun(a, state("finished"), START_S, "a resumed and finished");
    assertEquals(done + 60, fa.path("summary").path("steps_done").asLong());
    assertEquals(2, fa.path("attempts").size());
    assertFalse(Files.exists(svc.root.resolve(a).resolve("STOP")));

    String[] status = client("status");
    assertEquals("0", status[0], status[2]);
    assertTrue(status[1].contains(a) && status[1].contains(b), status[1]);
    assertTrue(status[1].contains("finished"), status[1]);
    String audit = Files.readString(svc.root.resolve("_service/audit.log"));
    for (String action : new String[] {"\tsubmit\t" + a, "\tstop\t" + a, "\tresume\t" + a}) {
      assertTrue(audit.contains(action), action + " in\n" + audit);
    }
    HttpResponse<String> report = svc.get("/api/v1/runs/" + a + "/report");
    assertEquals(200, report.statusCode());
    assertTrue(report.body().contains("<html") && report.body().contains(a), "the HTML report");
  }

  @Test
  @Order(2)
  void aDriverKilledUnderTheServiceIsFailedNeverRunning() throws Exception {
    HttpResponse<String> r = svc.post("/api/v1/runs", LONG);
    assertEquals(201, r.statusCode(), r.body());
    String c = ServiceProcess.JSON.readTree(r.body()).path("id").asText();
    svc.awaitRun(c, state("running"), START_S, "running");
    ProcessHandle driver = ProcessHandle.of(svc.driverPid(c, 1)).orElseThrow();
    driver.destroyForcibly();
    driver.onExit().get(30, TimeUnit.SECONDS);
    JsonNode now = svc.run(c);
    assertNotEquals("running", now.path("state").asText(), "a dead driver is never running");
    // failed at once; the reason names the signal as soon as the wrapper has recorded the exit
    // status (until then: "gone without an exit status")
    JsonNode failed =
        svc.awaitRun(
            c,
            n ->
                n.path("state").asText().equals("failed")
                    && n.path("reason").asText().contains("SIGKILL"),
            30,
            "failed, killed by SIGKILL");
    assertTrue(failed.path("reason").asText().contains("signal 9"), failed.toString());
    assertEquals(409, svc.post("/api/v1/runs/" + c + "/stop", "").statusCode());
  }
}

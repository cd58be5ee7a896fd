package io.marginflow.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed metrics ({@code GET /runs/{id}/metrics?follow=true}, server-sent events) over loopback
 * against a real training run: the rows streamed across a disconnect and a reconnect with {@code
 * from=} equal the file's rows, with no duplicate and no gap, and the stream ends when the run
 * ends. The limits hold against hostile clients: streams beyond {@code --max-streams} get a 429, a
 * stream without rows ends after {@code --stream-idle-seconds}, freeing its slot.
 */
class ServiceStreamIT {

  private static final String RUN =
      "model: mlp:20-8-1\nsteps: 1500\nbatch: 50\neval-every: 25\ncheckpoint-every: 100\n"
          + "generator-rows: 500\npartitions: 2\n";

  @TempDir static Path tmp;
  static ServiceProcess svc;
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    svc =
        new ServiceProcess(
                tmp.resolve("svc"),
                List.of(
                    "--max-concurrent", "1", "--max-streams", "2", "--stream-idle-seconds", "3"))
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (svc != null) {
      svc.close();
    }
  }

  /** One server-sent event. */
  record Event(String name, Long id, String data) {}

  /** An open stream, read event by event. */
  static final class Stream implements AutoCloseable {
    final int status;
    final BufferedReader in;
    final InputStream raw;

    Stream(String path) throws Exception {
      HttpResponse<InputStream> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(svc.url() + path))
                  .header("Authorization", "Bearer " + svc.tokenText())
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      status = r.statusCode();
      raw = r.body();
      in = new BufferedReader(new InputStreamReader(raw, StandardCharsets.UTF_8));
      if (status == 200) {
        assertTrue(
            r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      }
    }

    /** The next event (comments skipped), or null at the end of the stream. */
    Event next() throws Exception {
      String name = "message";
      Long id = null;
      String data = null;
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            return new Event(name, id, data);
          }
          continue;
        }
        if (line.startsWith(":")) {
          continue;
        }
        if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("id: ")) {
          id = Long.parseLong(line.substring(4));
        } else if (line.startsWith("data: ")) {
          data = line.substring(6);
        }
      }
      return null;
    }

    @Override
    public void close() throws Exception {
      raw.close();
    }
  }

  @Test
  void streamedRowsEqualTheFileAcrossAReconnectAndTheLimitsHold() throws Exception {
    String a = submit(RUN);
    String b = submit(RUN); // queued behind a (one slot): its files get no rows

    // hostile: two streams on the queued run fill the slots; a third is refused
    try (Stream s1 = new Stream("/api/v1/runs/" + b + "/metrics?file=eval&follow=true");
        Stream s2 = new Stream("/api/v1/runs/" + b + "/metrics?file=steps&follow=true")) {
      assertEquals(200, s1.status);
      assertEquals(200, s2.status);
      try (Stream s3 = new Stream("/api/v1/runs/" + a + "/metrics?file=eval&follow=true")) {
        assertEquals(429, s3.status);
        assertTrue(new String(s3.raw.readAllBytes(), StandardCharsets.UTF_8).contains("follow"));
      }
      // idle streams end by themselves (no row for 3 s), freeing their slots
      long t0 = System.nanoTime();
      Event e1 = s1.next();
      Event e2 = s2.next();
      assertEquals("idle", e1.name(), e1.toString());
      assertEquals("idle", e2.name(), e2.toString());
      assertEquals(0, svc.JSON.readTree(e1.data()).path("next").asLong());
      double waited = (System.nanoTime() - t0) / 1e9;
      assertTrue(waited < 30, "idle streams ended after " + waited + " s");
      assertEquals(null, s1.next(), "closed after the idle event");
    }
    assertEquals(400, svc.get("/api/v1/runs/" + a + "/metrics?follow=yes").statusCode());
    assertEquals(400, svc.get("/api/v1/runs/" + a + "/metrics?file=x&follow=true").statusCode());

    // a client follows a while it trains, drops the connection after 5 rows, and continues with
    // from= (reconnecting whenever a stream ends idle: the run writes rows in batches)
    List<Event> got = new ArrayList<>();
    Event end = null;
    int connections = 0;
    while (end == null) {
      long from = got.isEmpty() ? 0 : got.get(got.size() - 1).id() + 1;
      assertTrue(++connections < 200, "too many reconnections");
      try (Stream s =
          new Stream("/api/v1/runs/" + a + "/metrics?file=eval&from=" + from + "&follow=true")) {
        assertEquals(200, s.status);
        boolean dropped = false;
        for (Event e = s.next(); e != null; e = s.next()) {
          if (e.name().equals("message")) {
            got.add(e);
            if (got.size() == 5) {
              dropped = true; // the client goes away mid-stream
              break;
            }
            continue;
          }
          if (e.name().equals("end")) {
            end = e;
            assertEquals(null, s.next(), "nothing after the end event");
          } else {
            assertEquals("idle", e.name(), e.toString());
          }
          break;
        }
        if (dropped) {
          continue;
        }
      }
    }
    assertTrue(end != null && end.name().equals("end"), "the stream ended with the run: " + end);
    JsonNode endData = svc.JSON.readTree(end.data());
    assertEquals("finished", endData.path("state").asText(), end.toString());
    assertEquals("finished", svc.run(a).path("state").asText());
    List<String> file = Files.readAllLines(svc.root.resolve(a).resolve("metrics/eval.jsonl"));
    for (int i = 0; i < got.size(); i++) {
      assertEquals(i, got.get(i).id(), "row numbers consecutive: no gap, no duplicate");
    }
    assertEquals(file, got.stream().map(Event::data).toList(), "the streamed rows are the file's");
    assertEquals(file.size(), endData.path("next").asLong());

    // a stream of an ended run: every row from N, then the end at once
    try (Stream s = new Stream("/api/v1/runs/" + a + "/metrics?file=steps&from=1000&follow=true")) {
      List<String> rows = new ArrayList<>();
      Event e;
      while ((e = s.next()) != null && e.name().equals("message")) {
        rows.add(e.data());
      }
      List<String> steps = Files.readAllLines(svc.root.resolve(a).resolve("metrics/steps.jsonl"));
      assertEquals(steps.subList(1000, steps.size()), rows);
      assertEquals("end", e.name());
    }
  }

  private static String submit(String yaml) throws Exception {
    HttpResponse<String> r = svc.post("/api/v1/runs", yaml);
    assertEquals(201, r.statusCode(), r.body());
    return ServiceProcess.JSON.readTree(r.body()).path("id").asText();
  }
}

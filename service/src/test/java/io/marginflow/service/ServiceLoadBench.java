package io.marginflow.service;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load benchmark of {@code marginflow serve} (not a test: run by {@code bench/bin/service-load}).
 * Starts a real service on loopback with two real runs training, measures the runs' step times for
 * a quiet window, then lets {@code CLIENTS} clients poll for {@code SECONDS} s — each client in a
 * loop: the run's detail ({@code GET /runs/{id}}), its new evaluation rows ({@code
 * /metrics?file=eval&from=N}, incremental like the page), every fifth round the listing, then waits
 * {@code POLL_MS} — and measures the step times again: the median {@code wall_ms} of the rows
 * appended to {@code steps.jsonl} in each window (row counts are only indicative: the job flushes
 * metric rows in batches, at checkpoints). Prints Markdown: requests, errors, latency percentiles,
 * and the runs' median step wall time in both windows.
 */
public final class ServiceLoadBench {

  private ServiceLoadBench() {}

  /** Arguments: [clients] [seconds] [poll-ms]. */
  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int pollMs = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    Path dir = Files.createTempDirectory("marginflow-service-load");
    String run =
        "model: mlp:20-32-1\nsteps: 10000000\nbatch: 100\neval-every: 100\n"
            + "checkpoint-every: 1000\ngenerator-rows: 2000\npartitions: 2\n";
    try (ServiceProcess svc = new ServiceProcess(dir, List.of("--max-concurrent", "2")).start()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r =
            svc.post("/api/v1/runs", run.replace("steps:", "seed: " + (i + 1) + "\nsteps:"));
        ids.add(ServiceProcess.JSON.readTree(r.body()).path("id").asText());
      }
      for (String id : ids) {
        svc.awaitRun(
            id,
            n ->
                n.path("state").asText().equals("running")
                    && n.path("progress").path("step").asLong() > 200,
            600,
            "running");
      }
      Thread.sleep(5000);
      Instant q0 = Instant.now();
      long[] c0 = counts(svc, ids);
      Thread.sleep(seconds * 1000L / 2);
      Instant q1 = Instant.now();
      long[] c1 = counts(svc, ids);

      ConcurrentLinkedQueue<Long> nanos = new ConcurrentLinkedQueue<>();
      AtomicLong errors = new AtomicLong();
      ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String token = svc.tokenText();
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      CountDownLatch done = new CountDownLatch(clients);
      Instant l0 = Instant.now();
      long[] c2 = counts(svc, ids);
      for (int c = 0; c < clients; c++) {
        String id = ids.get(c % ids.size());
        Thread t =
            new Thread(
                () -> {
                  long next = 0;
                  int round = 0;
                  try {
                    while (System.nanoTime() < end) {
                      List<String> paths = new ArrayList<>();
                      paths.add("/api/v1/runs/" + id);
                      paths.add("/api/v1/runs/" + id + "/metrics?file=eval&from=" + next);
                      if (round++ % 5 == 0) {
                        paths.add("/api/v1/runs");
                      }
                      for (String p : paths) {
                        long t0 = System.nanoTime();
                        try {
                          HttpResponse<String> r =
                              http.send(
                                  HttpRequest.newBuilder(URI.create(svc.url() + p))
                                      .header("Authorization", "Bearer " + token)
                                      .timeout(Duration.ofSeconds(30))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString());
                          nanos.add(System.nanoTime() - t0);
                          if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                            errorSamples.add(r.statusCode() + " " + p);
                          } else if (p.contains("metrics")) {
                            next =
                                Long.parseLong(
                                    r.headers().firstValue("X-Marginflow-Next-Row").orElse("0"));
                          }
                        } catch (Exception e) {
                          errors.incrementAndGet();
                          errorSamples.add(e.toString());
                        }
                      }
                      Thread.sleep(pollMs);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  } finally {
                    done.countDown();
                  }
                });
        t.start();
      }
      done.await();
      Instant l1 = Instant.now();
      long[] c3 = counts(svc, ids);

      List<Long> lat = new ArrayList<>(nanos);
      Collections.sort(lat);
      double wall = Duration.between(l0, l1).toMillis() / 1000.0;
      System.out.printf(
          Locale.ROOT,
          "| clients | poll | window | requests | req/s | errors | p50 ms | p90 ms | p99 ms | max ms |%n"
              + "|---|---|---|---|---|---|---|---|---|---|%n"
              + "| %d | %d ms | %.0f s | %d | %.0f | %d | %.1f | %.1f | %.1f | %.1f |%n%n",
          clients,
          pollMs,
          wall,
          lat.size(),
          lat.size() / wall,
          errors.get(),
          pct(lat, 0.50),
          pct(lat, 0.90),
          pct(lat, 0.99),
          lat.isEmpty() ? Double.NaN : lat.get(lat.size() - 1) / 1e6);
      errorSamples.stream().limit(5).forEach(e -> System.out.println("error: " + e));
      System.out.println(
          "| run | step rows quiet | under load | median step wall_ms quiet | under load |");
      System.out.println("|---|---|---|---|---|");
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        Path steps = svc.root.resolve(id).resolve("metrics/steps.jsonl");
        double[] quiet = window(steps, c0[i], c1[i], Duration.between(q0, q1).toMillis() / 1e3);
        double[] load = window(steps, c2[i], c3[i], Duration.between(l0, l1).toMillis() / 1e3);
        System.out.printf(
            Locale.ROOT,
            "| %s | %d | %d | %.2f | %.2f |%n",
            id,
            c1[i] - c0[i],
            c3[i] - c2[i],
            quiet[1],
            load[1]);
      }
    }
  }

  static double pct(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size()))) / 1e6;
  }

  /** The rows of each run's steps file now. */
  private static long[] counts(ServiceProcess svc, List<String> ids) throws Exception {
    long[] out = new long[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      try (var l = Files.lines(svc.root.resolve(ids.get(i)).resolve("metrics/steps.jsonl"))) {
        out[i] = l.count();
      }
    }
    return out;
  }

  /** Steps per second and the median step wall_ms of rows [a, b) written over {@code secs}. */
  private static double[] window(Path steps, long a, long b, double secs) throws Exception {
    List<String> lines = Files.readAllLines(steps);
    List<Double> wall = new ArrayList<>();
    for (long i = a; i < Math.min(b, lines.size()); i++) {
      wall.add(ServiceProcess.JSON.readTree(lines.get((int) i)).path("wall_ms").asDouble());
    }
    Collections.sort(wall);
    return new double[] {(b - a) / secs, wall.isEmpty() ? Double.NaN : wall.get(wall.size() / 2)};
  }
}

package io.marginflow.service;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Listing benchmark of {@code marginflow serve} (not a test: run by {@code
 * bench/bin/service-listing}): a real service with {@code RUNS} ended runs it launched (tiny real
 * runs, three at a time), then {@code REQUESTS} sequential {@code GET /runs} and as many {@code GET
 * /runs/{id}} over loopback, each timed by the client. The listing derives every managed run's
 * state at every call, which is what grows with the number of runs. Prints Markdown.
 */
public final class ServiceListingBench {

  private ServiceListingBench() {}

  /** Arguments: [runs] [requests]. */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 12;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Path dir = Files.createTempDirectory("marginflow-service-listing");
    String run = "model: mlp:20-8-1\nsteps: 20\nbatch: 50\neval-every: 10\ngenerator-rows: 200\n";
    try (ServiceProcess svc = new ServiceProcess(dir, List.of("--max-concurrent", "3")).start()) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        HttpResponse<String> r = svc.post("/api/v1/runs", run + "seed: " + (i + 1) + "\n");
        ids.add(ServiceProcess.JSON.readTree(r.body()).path("id").asText());
      }
      for (String id : ids) {
        svc.awaitRun(id, ServiceProcess.state("finished"), 1200, "finished");
      }
      List<Long> list = time(svc, requests, i -> "/api/v1/runs");
      List<Long> one = time(svc, requests, i -> "/api/v1/runs/" + ids.get(i % ids.size()));
      System.out.printf(
          Locale.ROOT,
          "%d ended runs, %d sequential requests each%n%n| request | p50 ms | p90 ms | p99 ms"
              + " | mean ms |%n|---|---|---|---|---|%n",
          runs,
          requests);
      row("GET /runs", list);
      row("GET /runs/{id}", one);
    }
  }

  private static List<Long> time(
      ServiceProcess svc, int n, java.util.function.IntFunction<String> path) throws Exception {
    for (int i = 0; i < 20; i++) {
      svc.get(path.apply(i)); // warm-up
    }
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      HttpResponse<String> r = svc.get(path.apply(i));
      out.add(System.nanoTime() - t0);
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path.apply(i) + ": " + r.statusCode() + " " + r.body());
      }
    }
    Collections.sort(out);
    return out;
  }

  private static void row(String what, List<Long> sorted) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f | %.1f |%n",
        what,
        ServiceLoadBench.pct(sorted, 0.5),
        ServiceLoadBench.pct(sorted, 0.9),
        ServiceLoadBench.pct(sorted, 0.99),
        sorted.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6);
  }
}

package io.marginflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.marginflow.common.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Locale;

/**
 * The small client of the service, so users need no curl: {@code marginflow submit --server URL
 * --config run.yaml}, {@code status --server URL [ID]}, {@code stop --server URL ID}, {@code resume
 * --server URL ID}. Returns 0 on success, 1 when the service refused (its message is printed).
 */
public final class ServiceClient {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ClientOptions options;
  private final PrintStream out;
  private final PrintStream err;

  /** A client for one command. */
  public ServiceClient(ClientOptions options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code command} (submit, status, stop, resume). */
  public int run(String command) throws IOException, InterruptedException {
    return switch (command) {
      case "submit" -> submit();
      case "status" -> status();
      case "stop" -> post("stop");
      case "resume" -> post("resume");
      default -> throw new ConfigException("unknown client command " + command);
    };
  }

  private int submit() throws IOException, InterruptedException {
    if (options.config() == null) {
      throw new ConfigException("submit: --config run.yaml (or --sweep sweep.yaml) is required");
    }
    String body = Files.readString(options.config());
    boolean sweep = options.sweep() || looksLikeSweep(body);
    HttpResponse<String> r =
        send(
            request(sweep ? "/api/v1/sweeps" : "/api/v1/runs")
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    if (r.statusCode() != 201) {
      return refused(r);
    }
    JsonNode n = JSON.readTree(r.body());
    out.println(
        options.json()
            ? r.body()
            : "submitted "
                + (sweep ? "sweep " : "")
                + n.path("id").asText()
                + (sweep ? " with " + n.path("runs").asText() + " run(s)" : "")
                + " ("
                + n.path("state").asText()
                + ")");
    return 0;
  }

  /** A YAML/JSON mapping with {@code grid} or {@code seeds} at its top is a sweep. */
  static boolean looksLikeSweep(String body) {
    try {
      JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(body);
      return n != null && n.isObject() && (n.has("grid") || n.has("seeds"));
    } catch (IOException e) {
      return false; // the service explains what is wrong with it
    }
  }

  private int status() throws IOException, InterruptedException {
    String path = options.positional().isEmpty() ? "" : "/" + options.positional().get(0);
    if (!path.isEmpty()) {
      HttpResponse<String> s = send(request("/api/v1/sweeps" + path).GET());
      if (s.statusCode() == 200) {
        sweep(JSON.readTree(s.body()));
        return 0;
      }
    }
    HttpResponse<String> r = send(request("/api/v1/runs" + path).GET());
    if (r.statusCode() != 200) {
      return refused(r);
    }
    JsonNode n = JSON.readTree(r.body());
    if (options.json()) {
      out.println(n.toPrettyString());
    } else if (n.isArray()) {
      out.printf(
          Locale.ROOT, "%-36s %-9s %8s %12s  %s%n", "id", "state", "steps", "last m(u)", "reason");
      for (JsonNode run : n) {
        if (!run.path("kind").asText().equals("sweep-run")) {
          line(run);
        }
      }
      for (JsonNode run : n) {
        if (run.path("kind").asText().equals("sweep-run")) {
          line(
              ((ObjectNode) run.deepCopy())
                  .put("id", run.path("sweep").asText() + "/" + run.path("id").asText()));
        }
      }
    } else {
      line(n.has("summary") ? merge(n) : n);
      JsonNode p = n.path("progress");
      if (p.isObject() && p.path("steps_per_second").isNumber()) {
        out.printf(
            Locale.ROOT,
            "  %.2f steps/s, ETA %.0f s, app %s%n",
            p.path("steps_per_second").asDouble(),
            p.path("eta_seconds").asDouble(Double.NaN),
            n.path("app_id").asText("?"));
      }
    }
    return 0;
  }

  /** A sweep: its state, then one line per run. */
  private void sweep(JsonNode n) {
    if (options.json()) {
      out.println(n.toPrettyString());
      return;
    }
    out.printf(
        Locale.ROOT,
        "sweep %s: %s %s%n",
        n.path("id").asText(),
        n.path("state").asText(),
        n.path("reason").asText(""));
    out.printf(
        Locale.ROOT, "%-36s %-9s %8s %12s  %s%n", "run", "status", "step", "last m(u)", "reason");
    for (JsonNode run : n.path("runs")) {
      row(
          run.path("id").asText(),
          run.path("status").asText(),
          run.path("step").asLong() >= 0 ? run.path("step").asText() : "—",
          run.path("last_normalized_margin"),
          run.path("reason").asText(""));
    }
  }

  private JsonNode merge(JsonNode detail) {
    var o = ((com.fasterxml.jackson.databind.node.ObjectNode) detail.get("summary")).deepCopy();
    o.set("state", detail.get("state"));
    o.set("reason", detail.get("reason"));
    return o;
  }

  private void line(JsonNode run) {
    row(
        run.path("id").asText(),
        run.path("state").asText(),
        run.path("steps_done").isNumber() ? run.path("steps_done").asText() : "—",
        run.path("last_normalized_margin"),
        run.path("reason").asText(""));
  }

  private void row(String id, String state, String steps, JsonNode margin, String reason) {
    out.printf(
        Locale.ROOT,
        "%-36s %-9s %8s %12s  %s%n",
        id,
        state,
        steps,
        margin.isNumber() ? String.format(Locale.ROOT, "%.6g", margin.asDouble()) : "—",
        reason);
  }

  private int post(String action) throws IOException, InterruptedException {
    if (options.positional().size() != 1) {
      throw new ConfigException(action + ": expected exactly one run ID");
    }
    String id = options.positional().get(0);
    HttpResponse<String> r =
        send(
            request("/api/v1/runs/" + id + "/" + action).POST(HttpRequest.BodyPublishers.noBody()));
    if (r.statusCode() / 100 != 2) {
      return refused(r);
    }
    JsonNode n = JSON.readTree(r.body());
    out.println(
        options.json()
            ? r.body()
            : id + ": " + n.path("state").asText() + " — " + n.path("message").asText(action));
    return 0;
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(options.server() + path))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + options.token())
        .header("X-Requested-By", "marginflow-cli");
  }

  private HttpResponse<String> send(HttpRequest.Builder b)
      throws IOException, InterruptedException {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int refused(HttpResponse<String> r) {
    String msg = r.body();
    try {
      JsonNode n = JSON.readTree(r.body());
      msg = n.path("key").asText() + ": " + n.path("message").asText();
    } catch (IOException e) {
      // not JSON: print it as it came
    }
    err.println("marginflow: the service answered " + r.statusCode() + ": " + msg);
    return 1;
  }
}

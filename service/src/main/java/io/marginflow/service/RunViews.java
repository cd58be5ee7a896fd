package io.marginflow.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.marginflow.common.format.Manifest;
import io.marginflow.spark.cli.RunsCommand;
import io.marginflow.spark.report.RunLister;
import io.marginflow.spark.report.RunSummary;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The JSON the API answers about runs: the listing ({@code marginflow runs --json} entries with the
 * service's state added, plus queued runs that have no directory yet) and one run's detail (state,
 * Spark application id, progress, the last evaluation row). Runs under the root that the service
 * did not launch are listed with {@code "managed": false} and the state of their {@code
 * status.json}.
 */
public final class RunViews {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How long summaries and the listing read from the run directories are reused (states are not): a
   * second, the pace at which the page polls, so any number of pollers cost one read per second.
   */
  static final long CACHE_MS = 1000;

  private final RunSupervisor supervisor;
  private final PathPolicy policy;
  private final MetricRows metrics;
  private final Configuration conf;
  private final ProgressMeter meter = new ProgressMeter();
  private final TtlCache<String, Facts> facts = new TtlCache<>(CACHE_MS);
  private final TtlCache<Boolean, ArrayNode> listing = new TtlCache<>(CACHE_MS);

  /** Views over the supervisor's runs and the root's directories. */
  public RunViews(
      RunSupervisor supervisor, PathPolicy policy, MetricRows metrics, Configuration conf) {
    this.supervisor = supervisor;
    this.policy = policy;
    this.metrics = metrics;
    this.conf = conf;
  }

  /** The listing, filtered by state label (null: all), paged. */
  public ArrayNode list(String status, int limit, int offset) throws IOException {
    ArrayNode listed = listing.get(Boolean.TRUE, this::readListing).deepCopy();
    List<ObjectNode> all = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (JsonNode n : listed) {
      ObjectNode o = (ObjectNode) n;
      String id = o.path("id").asText();
      String sweep = sweepOf(o.path("uri").asText());
      if (sweep != null) {
        // a run of a sweep: its id is unique within the sweep only
        o.put("kind", "sweep-run");
        o.put("sweep", sweep);
        o.put("managed", false);
        o.put("state", o.path("status").asText("unknown"));
        all.add(o);
        continue;
      }
      seen.add(id);
      decorate(o, id);
      all.add(o);
    }
    for (ServiceRecord r : supervisor.records()) {
      if (!seen.contains(r.id())) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.id());
        o.put("uri", r.runDir());
        decorate(o, r.id());
        all.add(o);
      }
    }
    ArrayNode out = JSON.createArrayNode();
    all.stream()
        .filter(o -> status == null || status.isEmpty() || status.equals(o.path("state").asText()))
        .skip(offset)
        .limit(limit)
        .forEach(out::add);
    return out;
  }

  /** The sweep id of a run directory one level below the root (its parent's name), or null. */
  private String sweepOf(String uri) {
    if (uri.isEmpty()) {
      return null;
    }
    Path parent = new Path(URI.create(uri)).getParent();
    Path root = new Path(policy.root());
    if (parent == null
        || parent
            .toUri()
            .getPath()
            .replaceAll("/+$", "")
            .equals(root.toUri().getPath().replaceAll("/+$", ""))) {
      return null;
    }
    return parent.getName();
  }

  private ArrayNode readListing() throws IOException {
    List<RunSummary> found;
    try {
      found = RunLister.list(policy.root().toString(), conf);
    } catch (FileNotFoundException e) {
      found = List.of();
    }
    return (ArrayNode) JSON.readTree(RunsCommand.json(found));
  }

  private void decorate(ObjectNode o, String id) {
    Optional<ServiceRecord> r = supervisor.record(id);
    o.put("kind", r.map(ServiceRecord::kind).orElse(ServiceRecord.RUN));
    o.put("managed", r.isPresent());
    if (r.isPresent()) {
      RunState s = supervisor.state(r.get());
      o.put("state", s.state().label());
      o.put("reason", s.reason());
      o.put("app_id", supervisor.applicationId(r.get()).orElse(null));
    } else {
      o.put("state", o.path("status").asText("unknown"));
    }
  }

  /** What is read from a run directory for its detail (cached briefly: it is costly to read). */
  private record Facts(RunSummary summary, JsonNode summaryJson, Long budget, JsonNode lastEval) {}

  /** One run's detail; the state is derived afresh at every call. */
  public ObjectNode detail(String id) throws IOException {
    RunIds.requireValid("id", id);
    Optional<ServiceRecord> rec = supervisor.record(id);
    URI dir = rec.map(r -> URI.create(r.runDir())).orElse(policy.runDir(id));
    RunState state = rec.map(supervisor::state).orElse(null);
    // keyed by the state too: a run that just ended is read afresh, not from before it ended
    String key = id + "|" + (state == null ? "?" : state.state().label());
    Facts read = facts.get(key, () -> readFacts(dir));
    RunSummary summary = read.summary();
    if (rec.isEmpty() && summary == null) {
      throw new ApiException(404, "id", "no run " + id + " under " + policy.root());
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("run_dir", dir.toString());
    o.put("managed", rec.isPresent());
    if (state != null) {
      o.put("state", state.state().label());
      o.put("reason", state.reason());
    } else {
      o.put("state", summary.statusLabel());
      o.put("reason", summary.status() == null ? summary.error() : summary.status().reason());
    }
    if (rec.isPresent()) {
      ServiceRecord r = rec.get();
      o.put("app_id", supervisor.applicationId(r).orElse(null));
      o.put("submitted_at", r.submittedAt().toString());
      o.put("submitted_by", r.submittedBy());
      ArrayNode attempts = o.putArray("attempts");
      for (ServiceRecord.Attempt a : r.attempts()) {
        attempts
            .addObject()
            .put("n", a.n())
            .put("kind", a.kind())
            .put("launched_at", a.launchedAt().toString());
      }
    }
    if (summary != null) {
      o.set("summary", read.summaryJson().deepCopy());
      o.set("progress", progress(summary, read.budget(), rec.orElse(null), state));
    }
    o.set("last_eval", read.lastEval() == null ? null : read.lastEval().deepCopy());
    if (rec.isPresent() && rec.get().sweep()) {
      // a sweep launched here: its state, driver log and launches; its runs are under /sweeps
      o.put("kind", ServiceRecord.SWEEP);
      o.putObject("links")
          .put("sweep", "/api/v1/sweeps/" + id)
          .put("log", "/api/v1/runs/" + id + "/log?from=0")
          .put("report", "/api/v1/sweeps/" + id + "/report");
      return o;
    }
    String base = "/api/v1/runs/" + id;
    o.putObject("links")
        .put("metrics", base + "/metrics?file=eval&from=0")
        .put("steps", base + "/metrics?file=steps&from=0")
        .put("log", base + "/log?from=0")
        .put("report", base + "/report");
    return o;
  }

  /** Forgets what was read of run {@code id} and the listing (after a change). */
  public void invalidate(String id) {
    for (RunState.State st : RunState.State.values()) {
      facts.invalidate(id + "|" + st.label());
    }
    listing.invalidate(Boolean.TRUE);
  }

  private Facts readFacts(URI dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(new Path(p, "manifest.json"))) {
      return new Facts(null, null, null, null);
    }
    RunSummary summary = RunLister.summarize(fs, p);
    JsonNode lastEval = null;
    MetricRows.Rows evals = metrics.read(dir, "eval", 0, 0);
    if (evals.total() > 0) {
      lastEval = JSON.readTree(metrics.read(dir, "eval", evals.total() - 1, 1).lines().get(0));
    }
    return new Facts(
        summary, JSON.readTree(RunsCommand.json(List.of(summary))).get(0), budget(fs, p), lastEval);
  }

  private ObjectNode progress(RunSummary s, Long budget, ServiceRecord r, RunState state) {
    ObjectNode p = JSON.createObjectNode();
    long done = Math.max(0, s.stepsDone());
    p.put("step", done);
    if (budget == null) {
      p.putNull("steps");
    } else {
      p.put("steps", budget);
    }
    Double rate = null;
    if (r != null && state != null && state.state() == RunState.State.RUNNING) {
      ServiceRecord.Attempt a = r.lastAttempt();
      rate = meter.rate(r.id(), a.n() + "@" + a.launchedAt(), done, System.nanoTime());
    } else if (r != null) {
      meter.forget(r.id());
    }
    if (rate == null) {
      p.putNull("steps_per_second");
      p.putNull("eta_seconds");
    } else {
      p.put("steps_per_second", rate);
      if (budget != null && budget > done) {
        p.put("eta_seconds", (budget - done) / rate);
      } else {
        p.putNull("eta_seconds");
      }
    }
    return p;
  }

  private static Long budget(FileSystem fs, Path dir) throws IOException {
    Path mp = new Path(dir, "manifest.json");
    try (var in = fs.open(mp)) {
      Manifest m = Manifest.fromJson(in.readAllBytes(), mp.toString());
      Map<String, Object> c = m.config();
      Object v = c.get("steps");
      return v == null ? null : Long.parseLong(v.toString());
    } catch (RuntimeException e) {
      return null;
    }
  }
}

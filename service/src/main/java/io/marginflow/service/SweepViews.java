package io.marginflow.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.report.RunLister;
import io.marginflow.spark.report.RunSummary;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The JSON the API answers about sweeps: one sweep ({@code sweep.json}'s grid, seeds and runs, each
 * with its status and last normalized margin, plus the service's state of the sweep) and the
 * directory of one of its runs. A run of a sweep is looked up in {@code sweep.json}, never built
 * from the request, so a request cannot name another directory.
 */
public final class SweepViews {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Run ids inside a sweep (SweepSpec: letters, digits and {@code . _ = + -}). */
  private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._=+-]{0,199}");

  private final RunSupervisor supervisor;
  private final PathPolicy policy;
  private final Configuration conf;
  private final TtlCache<String, Double> margins = new TtlCache<>(RunViews.CACHE_MS);

  /** Views over the supervisor's sweeps and the sweeps under the root. */
  public SweepViews(RunSupervisor supervisor, PathPolicy policy, Configuration conf) {
    this.supervisor = supervisor;
    this.policy = policy;
    this.conf = conf;
  }

  /** The sweep directory of {@code id} (launched here, or a sweep under the root). */
  public URI dir(String id) {
    RunIds.requireValid("id", id);
    return supervisor.record(id).map(r -> URI.create(r.runDir())).orElse(policy.runDir(id));
  }

  /** The sweep file of {@code id}, or a 404. */
  public SweepManifest manifest(String id) {
    SweepManifest m = SweepState.SweepFile.of(dir(id), conf).manifest();
    if (m == null) {
      throw new ApiException(404, "id", "no sweep.json for sweep " + id + " (yet)");
    }
    return m;
  }

  /** The directory of run {@code run} of sweep {@code id} (a run listed in its sweep.json). */
  public URI runDir(String id, String run) {
    if (run == null || !RUN_ID.matcher(run).matches() || run.contains("..")) {
      throw ApiException.badRequest("run", "expected a run id of the sweep, got '" + run + "'");
    }
    SweepManifest m = manifest(id);
    if (m.runs().stream().noneMatch(r -> r.id().equals(run))) {
      throw new ApiException(404, "run", "sweep " + id + " has no run " + run);
    }
    Path p = new Path(new Path(dir(id)), run);
    return p.toUri();
  }

  /** One sweep: the service's state (when launched here) and its sweep file with each run. */
  public ObjectNode detail(String id) throws IOException {
    URI dir = dir(id);
    Optional<ServiceRecord> rec = supervisor.record(id);
    if (rec.isPresent() && !rec.get().sweep()) {
      throw new ApiException(404, "id", id + " is a run, not a sweep: GET /api/v1/runs/" + id);
    }
    SweepManifest m = SweepState.SweepFile.of(dir, conf).manifest();
    if (rec.isEmpty() && m == null) {
      throw new ApiException(404, "id", "no sweep " + id + " under " + policy.root());
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("id", id);
    o.put("kind", ServiceRecord.SWEEP);
    o.put("sweep_dir", dir.toString());
    o.put("managed", rec.isPresent());
    if (rec.isPresent()) {
      RunState s = supervisor.state(rec.get());
      o.put("state", s.state().label());
      o.put("reason", s.reason());
      o.put("submitted_at", rec.get().submittedAt().toString());
      o.put("submitted_by", rec.get().submittedBy());
      o.put("attempts", rec.get().attempts().size());
    } else {
      o.put("state", "unmanaged");
      o.put("reason", "not launched by this service");
    }
    String base = "/api/v1/sweeps/" + id;
    o.putObject("links").put("report", base + "/report").put("self", base);
    if (m == null) {
      o.putNull("sweep");
      return o;
    }
    ObjectNode sw = o.putObject("sweep");
    sw.put("sweep_id", m.sweepId());
    sw.put("created_at", m.createdAt().toString());
    sw.set("grid", JSON.valueToTree(m.grid()));
    sw.set("seeds", JSON.valueToTree(m.seeds()));
    sw.put("parallel", m.parallel());
    ArrayNode runs = o.putArray("runs");
    for (SweepManifest.Run r : m.runs()) {
      ObjectNode x = runs.addObject();
      x.put("id", r.id());
      x.set("point", JSON.valueToTree(r.point()));
      x.put("seed", r.seed());
      x.put("status", r.status());
      x.put("reason", r.reason());
      x.put("step", r.step());
      x.put("wall_s", r.wallSeconds());
      Double mu = lastMargin(dir, r.id());
      if (mu == null) {
        x.putNull("last_normalized_margin");
      } else {
        x.put("last_normalized_margin", mu);
      }
      x.put("url", base + "/runs/" + r.id());
    }
    return o;
  }

  /** One run of a sweep: its {@code runs --json} entry and links to its metrics and report. */
  public ObjectNode run(String id, String run) throws IOException {
    URI dir = runDir(id, run);
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(new Path(p, "manifest.json"))) {
      throw new ApiException(404, "run", "run " + run + " of sweep " + id + " has not started");
    }
    RunSummary s = RunLister.summarize(fs, p);
    ObjectNode o =
        (ObjectNode)
            JSON.readTree(io.marginflow.spark.cli.RunsCommand.json(java.util.List.of(s))).get(0);
    o.put("sweep", id);
    String base = "/api/v1/sweeps/" + id + "/runs/" + run;
    o.putObject("links")
        .put("metrics", base + "/metrics?file=eval&from=0")
        .put("steps", base + "/metrics?file=steps&from=0")
        .put("report", base + "/report");
    return o;
  }

  private Double lastMargin(URI sweepDir, String run) throws IOException {
    return margins.get(
        sweepDir + "/" + run,
        () -> {
          Path p = new Path(new Path(sweepDir), run);
          FileSystem fs = p.getFileSystem(conf);
          if (!fs.exists(new Path(p, "manifest.json"))) {
            return null;
          }
          double v = RunLister.summarize(fs, p).lastNormalizedMargin();
          return Double.isFinite(v) ? v : null;
        });
  }
}

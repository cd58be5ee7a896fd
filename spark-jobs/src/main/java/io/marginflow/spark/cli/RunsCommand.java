package io.marginflow.spark.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.report.RunLister;
import io.marginflow.spark.report.RunSummary;
import io.marginflow.spark.report.SweepLister;
import io.marginflow.spark.report.TextTable;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code marginflow runs ROOT [--json]}: the runs under a root directory (any Hadoop URI) with id,
 * start time, model, loss, sampler, γ, n_b, steps done, last normalized margin and status, as an
 * aligned table or a JSON array; the table is followed by the sweeps found (each {@code sweep.json}
 * with its runs counted by status).
 */
public final class RunsCommand {

  static final String USAGE = "usage: marginflow runs ROOT [--json]";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final String[] HEADER = {
    "id", "started (UTC)", "model", "loss", "sampler", "γ", "n_b", "steps", "last m(u)", "status"
  };

  private RunsCommand() {}

  static int run(String[] args, PrintStream out) throws IOException {
    CommandArgs a = CommandArgs.parse("runs", args, Set.of(), Set.of("json", "help"));
    if (a.flag("help")) {
      out.println(USAGE);
      return 0;
    }
    if (a.positional().size() != 1) {
      throw new ConfigException("runs: expected exactly one ROOT directory\n" + USAGE);
    }
    Configuration conf = new Configuration();
    List<RunSummary> runs = RunLister.list(a.positional().get(0), conf);
    out.print(a.flag("json") ? json(runs) : table(runs));
    if (!a.flag("json")) {
      out.print(sweeps(SweepLister.list(a.positional().get(0), conf)));
    }
    out.flush();
    return 0;
  }

  /** The aligned text table (a header line, then one line per run; errors listed below). */
  static String table(List<RunSummary> runs) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    List<String> errors = new ArrayList<>();
    for (RunSummary r : runs) {
      if (r.error() != null) {
        errors.add(r.id() + ": " + r.error());
        rows.add(new String[] {r.id(), "?", "?", "?", "?", "?", "?", "?", "?", "unreadable"});
        continue;
      }
      String status =
          r.statusLabel()
              + (r.status().reason().isEmpty() || r.status().reason().equals("steps")
                  ? ""
                  : " (" + shorten(r.status().reason(), 40) + ")");
      rows.add(
          new String[] {
            r.id(),
            TIME.format(r.startedAt()),
            r.model(),
            r.loss(),
            r.sampler(),
            r.gamma(),
            r.batch(),
            Long.toString(r.stepsDone()),
            margin(r.lastNormalizedMargin()),
            status
          });
    }
    StringBuilder b = new StringBuilder(TextTable.format(rows));
    if (runs.isEmpty()) {
      b.append("(no runs)\n");
    }
    for (String e : errors) {
      b.append("unreadable: ").append(e).append('\n');
    }
    return b.toString();
  }

  /** The sweeps under the root: id, runs by status, grid and seeds (empty text when none). */
  static String sweeps(List<SweepLister.Entry> sweeps) {
    if (sweeps.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\nsweeps:\n");
    for (SweepLister.Entry e : sweeps) {
      b.append("  ").append(e.id()).append("  ");
      if (e.error() != null) {
        b.append("unreadable: ").append(e.error()).append('\n');
        continue;
      }
      SweepManifest m = e.manifest();
      Map<String, Long> counts = new java.util.TreeMap<>();
      for (SweepManifest.Run r : m.runs()) {
        counts.merge(r.status(), 1L, Long::sum);
      }
      b.append(m.runs().size())
          .append(" runs ")
          .append(counts)
          .append("  grid ")
          .append(m.grid())
          .append("  seeds ")
          .append(m.seeds())
          .append('\n');
    }
    return b.toString();
  }

  /** The JSON array (keys in snake_case; unknown values are null). */
  public static String json(List<RunSummary> runs) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode arr = mapper.createArrayNode();
    for (RunSummary r : runs) {
      ObjectNode o = arr.addObject();
      o.put("id", r.id());
      o.put("uri", r.uri().toString());
      o.put("run_id", r.runId());
      o.put("started_at", r.startedAt() == null ? null : r.startedAt().toString());
      o.put("model", r.model());
      o.put("loss", r.loss());
      o.put("sampler", r.sampler());
      o.put("gamma", r.gamma());
      o.put("batch", r.batch());
      if (r.stepsDone() >= 0) {
        o.put("steps_done", r.stepsDone());
      } else {
        o.putNull("steps_done");
      }
      if (Double.isFinite(r.lastNormalizedMargin())) {
        o.put("last_normalized_margin", r.lastNormalizedMargin());
      } else {
        o.putNull("last_normalized_margin");
      }
      o.put("status", r.statusLabel());
      o.put("reason", r.status() == null ? null : r.status().reason());
      o.put(
          "last_modified",
          r.lastModified() > 0 ? Instant.ofEpochMilli(r.lastModified()).toString() : null);
      o.put("error", r.error());
    }
    return mapper.writeValueAsString(arr) + "\n";
  }

  private static String margin(double m) {
    return Double.isNaN(m) ? "—" : String.format(Locale.ROOT, "%.6g", m);
  }

  private static String shorten(String s, int max) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 1) + "…";
  }
}

package io.marginflow.spark.sweep;

import io.marginflow.common.format.SweepManifest;
import io.marginflow.spark.report.TextTable;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The sweep's console: one line per run event ({@code started}, {@code separated}, {@code
 * evaluated}, {@code finished}, {@code failed}), written whole by one thread at a time, and the
 * closing table.
 */
public final class SweepProgress {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final PrintStream out;

  /** Progress written to {@code out}. */
  public SweepProgress(PrintStream out) {
    this.out = out;
  }

  /** One event line: time, run id, event, details. */
  public synchronized void event(String runId, String event, String details) {
    out.println(
        TIME.format(Instant.now())
            + "  "
            + runId
            + "  "
            + event
            + (details.isEmpty() ? "" : "  " + details));
    out.flush();
  }

  /** A line about the sweep itself. */
  public synchronized void note(String text) {
    out.println("marginflow sweep: " + text);
    out.flush();
  }

  /** The closing table: one line per run with its grid point, seed, status and final numbers. */
  public synchronized void table(SweepManifest m, Map<String, double[]> finals) {
    List<String> head = new ArrayList<>(List.of("run"));
    head.addAll(m.grid().keySet());
    head.addAll(List.of("seed", "status", "steps", "log loss", "m(u)", "wall s", "reason"));
    List<String[]> rows = new ArrayList<>();
    rows.add(head.toArray(String[]::new));
    for (SweepManifest.Run r : m.runs()) {
      List<String> row = new ArrayList<>(List.of(r.id()));
      for (String k : m.grid().keySet()) {
        row.add(r.point().getOrDefault(k, ""));
      }
      double[] f = finals.getOrDefault(r.id(), new double[] {Double.NaN, Double.NaN});
      row.add(Long.toString(r.seed()));
      row.add(r.status());
      row.add(r.step() < 0 ? "—" : Long.toString(r.step()));
      row.add(num(f[0]));
      row.add(num(f[1]));
      row.add(r.wallSeconds() < 0 ? "—" : String.format(Locale.ROOT, "%.1f", r.wallSeconds()));
      String reason = r.reason().replace('\n', ' ');
      row.add(reason.length() > 60 ? reason.substring(0, 59) + "…" : reason);
      rows.add(row.toArray(String[]::new));
    }
    String b = TextTable.format(rows);
    out.print(b);
    out.flush();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.6g", v);
  }
}

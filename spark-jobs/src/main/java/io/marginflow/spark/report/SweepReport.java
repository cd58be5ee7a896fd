package io.marginflow.spark.report;

import static io.marginflow.spark.report.Html.esc;
import static io.marginflow.spark.report.Html.num;

import io.marginflow.common.format.SweepManifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.spark.store.SweepStore;
import io.marginflow.spark.store.UserFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code marginflow report SWEEP_DIR}: the runs of one or more sweeps grouped by grid point. For
 * each grid point, the median over seeds and the min–max band of the main curves (normalized and
 * per-layer margin, log loss, ‖θ‖^L against ln k, alignment β, error) at the evaluation steps all
 * its seeds reached; a table of final values (median [min, max]); and the final values against each
 * grid key. A reference value (e.g. the SVM margin γ* of experiment E1) is drawn as a dashed line.
 *
 * @param groups the grid points, each with the runs of its seeds
 * @param gridKeys the grid keys over all sweeps, in order
 * @param sections the chart sections
 * @param html the document
 */
public record SweepReport(
    List<Group> groups, List<String> gridKeys, List<ReportCharts.Section> sections, String html) {

  /** One grid point of one sweep and the runs of its seeds (runs without a manifest left out). */
  public record Group(String sweep, Map<String, String> point, List<RunData> runs) {

    /** The point as {@code k=v k=v} (or the sweep id when the grid is empty). */
    public String label() {
      List<String> parts = new ArrayList<>();
      point.forEach((k, v) -> parts.add(k + "=" + v));
      return parts.isEmpty() ? sweep : String.join(" ", parts);
    }
  }

  /**
   * A curve over seeds: the steps every seed evaluated, the median and the min–max band there.
   *
   * @param steps the steps (ascending)
   * @param median the median over seeds at each step
   * @param min the minimum over seeds
   * @param max the maximum over seeds
   */
  public record Band(double[] steps, double[] median, double[] min, double[] max) {}

  /** A metric of a train (or test) evaluation row. */
  record Metric(String id, String title, String split, ToDoubleFunction<EvalRow> value) {}

  static final List<Metric> METRICS =
      List.of(
          new Metric(
              "normalized_margin",
              "normalized margin m(u)",
              EvalRow.TRAIN,
              EvalRow::normalizedMargin),
          new Metric(
              "layer_normalized_margin",
              "per-layer normalized margin m(w)/Π‖W_l‖",
              EvalRow.TRAIN,
              EvalRow::layerNormalizedMargin),
          new Metric("log_loss", "log 𝓛 (train)", EvalRow.TRAIN, EvalRow::logLoss),
          new Metric(
              "norm_pow_L_over_ln_k",
              "‖θ‖^L / ln k",
              EvalRow.TRAIN,
              r -> r.step() > 1 ? r.normPowL() / Math.log(r.step()) : Double.NaN),
          new Metric("alignment", "alignment β", EvalRow.TRAIN, EvalRow::alignment),
          new Metric("error_rate", "train error", EvalRow.TRAIN, EvalRow::errorRate),
          new Metric("test_error_rate", "test error", EvalRow.TEST, EvalRow::errorRate));

  /**
   * Reads the sweeps in {@code dirs} and builds the report; {@code references} maps a metric id
   * (e.g. {@code normalized_margin}) to a reference value drawn on its charts.
   */
  public static SweepReport of(
      List<String> dirs, Configuration conf, Map<String, Double> references, Instant now)
      throws IOException {
    List<Group> groups = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (String d : dirs) {
      URI uri = RunReader.qualify(d, conf).toUri();
      SweepStore store = SweepStore.open(uri, conf);
      SweepManifest m = store.read();
      for (String k : m.grid().keySet()) {
        if (!keys.contains(k)) {
          keys.add(k);
        }
      }
      Map<Map<String, String>, List<RunData>> byPoint = new LinkedHashMap<>();
      for (SweepManifest.Run r : m.runs()) {
        Path dir = new Path(store.runDir(r.id()));
        FileSystem fs = dir.getFileSystem(conf);
        List<RunData> list = byPoint.computeIfAbsent(r.point(), p -> new ArrayList<>());
        if (fs.exists(new Path(dir, RunReader.MANIFEST))) {
          list.add(RunReader.read(fs, conf, dir, new RunReader.Options(2_000, 0)));
        }
      }
      byPoint.forEach((p, runs) -> groups.add(new Group(m.sweepId(), p, runs)));
    }
    for (String id : references.keySet()) {
      if (METRICS.stream().noneMatch(x -> x.id().equals(id))) {
        throw new IllegalArgumentException(
            "report: --reference: unknown metric '"
                + id
                + "' (known: "
                + String.join(", ", METRICS.stream().map(Metric::id).toList())
                + ")");
      }
    }
    List<ReportCharts.Section> sections = sections(groups, keys, references);
    return new SweepReport(groups, keys, sections, html(groups, keys, sections, references, now));
  }

  /** The seed band of {@code metric} for a group (empty arrays when no run has rows). */
  static Band band(List<RunData> runs, Metric metric) {
    if (runs.isEmpty()) {
      return new Band(new double[0], new double[0], new double[0], new double[0]);
    }
    List<Map<Long, Double>> series = new ArrayList<>();
    TreeSet<Long> common = null;
    for (RunData r : runs) {
      Map<Long, Double> s = new LinkedHashMap<>();
      for (EvalRow e : r.evals(metric.split())) {
        double v = metric.value().applyAsDouble(e);
        if (Double.isFinite(v)) {
          s.put(e.step(), v);
        }
      }
      series.add(s);
      if (common == null) {
        common = new TreeSet<>(s.keySet());
      } else {
        common.retainAll(s.keySet());
      }
    }
    int n = common.size();
    double[] steps = new double[n];
    double[] med = new double[n];
    double[] lo = new double[n];
    double[] hi = new double[n];
    int i = 0;
    for (long k : common) {
      double[] v = new double[series.size()];
      for (int j = 0; j < v.length; j++) {
        v[j] = series.get(j).get(k);
      }
      Arrays.sort(v);
      steps[i] = k;
      med[i] = median(v);
      lo[i] = v[0];
      hi[i] = v[v.length - 1];
      i++;
    }
    return new Band(steps, med, lo, hi);
  }

  /** The median of sorted values (mean of the two middle ones for an even count). */
  static double median(double[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  }

  private static List<ReportCharts.Section> sections(
      List<Group> groups, List<String> keys, Map<String, Double> refs) {
    List<ChartSpec> curves = new ArrayList<>();
    for (Metric m : METRICS) {
      if (m.id().equals("norm_pow_L_over_ln_k")) {
        curves.add(normGrowth(groups));
        continue;
      }
      List<ChartSpec.Series> series = new ArrayList<>();
      double maxStep = 1;
      for (int g = 0; g < groups.size(); g++) {
        Band b = positive(band(groups.get(g).runs(), m));
        if (b.steps().length == 0) {
          continue;
        }
        maxStep = Math.max(maxStep, b.steps()[b.steps().length - 1]);
        series.add(
            new ChartSpec.Series(
                groups.get(g).label(),
                g,
                0,
                ChartSpec.Style.BAND,
                b.steps(),
                b.median(),
                b.min(),
                b.max()));
      }
      if (series.isEmpty()) {
        continue;
      }
      reference(series, refs.get(m.id()), 1, maxStep, groups.size());
      curves.add(
          new ChartSpec(
              "sweep-" + m.id(),
              m.title() + " — median and min–max over seeds",
              new ChartSpec.Axis("step k (log scale)", true),
              new ChartSpec.Axis(m.title() + " (" + m.split() + ")", false),
              series,
              "Line: the median over the seeds of each grid point; band: their minimum and maximum"
                  + " at the evaluation steps every seed reached."));
    }
    List<ReportCharts.Section> out = new ArrayList<>();
    out.add(
        new ReportCharts.Section(
            "curves",
            "Curves per grid point",
            "One colour per grid point; the band spans the seeds.",
            curves,
            List.of()));
    List<ChartSpec> finals = new ArrayList<>();
    for (String key : keys) {
      for (Metric m : METRICS) {
        ChartSpec c = finalAgainst(groups, key, m, refs.get(m.id()));
        if (c != null) {
          finals.add(c);
        }
      }
    }
    out.add(
        new ReportCharts.Section(
            "finals",
            "Final values against each grid key",
            "Final value of each run (its last evaluation): median over seeds with the min–max"
                + " band, one series per setting of the other grid keys.",
            finals,
            List.of()));
    return out;
  }

  private static ChartSpec normGrowth(List<Group> groups) {
    Metric norm = new Metric("norm_pow_L", "‖θ‖^L", EvalRow.TRAIN, EvalRow::normPowL);
    List<ChartSpec.Series> series = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      Band b = band(groups.get(g).runs(), norm);
      List<Integer> keep = new ArrayList<>();
      for (int i = 0; i < b.steps().length; i++) {
        if (b.steps()[i] >= 1) {
          keep.add(i);
        }
      }
      double[] lnk = new double[keep.size()];
      for (int i = 0; i < lnk.length; i++) {
        lnk[i] = Math.log(b.steps()[keep.get(i)]);
      }
      if (lnk.length > 0) {
        series.add(
            new ChartSpec.Series(
                groups.get(g).label(),
                g,
                0,
                ChartSpec.Style.BAND,
                lnk,
                pick(b.median(), keep),
                pick(b.min(), keep),
                pick(b.max(), keep)));
      }
    }
    return new ChartSpec(
        "sweep-norm-growth",
        "‖θ‖^L against ln k — median and min–max over seeds",
        new ChartSpec.Axis("ln k", false),
        new ChartSpec.Axis("‖θ‖^L", false),
        series,
        "Prop. 3: late in training ‖θ_k‖^L grows like ln k (between c₁ ln k and c₂ ln k).");
  }

  private static ChartSpec finalAgainst(List<Group> groups, String key, Metric m, Double ref) {
    boolean numeric = true;
    List<String> values = new ArrayList<>();
    for (Group g : groups) {
      String v = g.point().get(key);
      if (v == null) {
        continue;
      }
      if (!values.contains(v)) {
        values.add(v);
      }
      try {
        Double.parseDouble(v);
      } catch (NumberFormatException e) {
        numeric = false;
      }
    }
    if (values.isEmpty()) {
      return null;
    }
    // one series per setting of the other keys
    Map<String, List<double[]>> bySetting = new LinkedHashMap<>();
    for (Group g : groups) {
      String v = g.point().get(key);
      if (v == null) {
        continue;
      }
      double[] f = finals(g.runs(), m);
      if (f == null) {
        continue;
      }
      List<String> rest = new ArrayList<>();
      g.point().forEach((k, x) -> rest.add(k.equals(key) ? null : k + "=" + x));
      rest.removeIf(java.util.Objects::isNull);
      String setting = rest.isEmpty() ? "all" : String.join(" ", rest);
      double x = numeric ? Double.parseDouble(v) : values.indexOf(v);
      bySetting
          .computeIfAbsent(g.sweep() + " " + setting, s -> new ArrayList<>())
          .add(new double[] {x, f[0], f[1], f[2]});
    }
    if (bySetting.isEmpty()) {
      return null;
    }
    List<ChartSpec.Series> series = new ArrayList<>();
    int run = 0;
    double xmin = Double.POSITIVE_INFINITY;
    double xmax = Double.NEGATIVE_INFINITY;
    for (Map.Entry<String, List<double[]>> e : bySetting.entrySet()) {
      List<double[]> pts = e.getValue();
      pts.sort((a, b) -> Double.compare(a[0], b[0]));
      double[][] cols = new double[4][pts.size()];
      for (int i = 0; i < pts.size(); i++) {
        for (int c = 0; c < 4; c++) {
          cols[c][i] = pts.get(i)[c];
        }
        xmin = Math.min(xmin, cols[0][i]);
        xmax = Math.max(xmax, cols[0][i]);
      }
      series.add(
          new ChartSpec.Series(
              e.getKey(), run++, 0, ChartSpec.Style.BAND, cols[0], cols[1], cols[2], cols[3]));
    }
    reference(series, ref, xmin, xmax, run);
    boolean logX = numeric && xmin > 0 && xmax / xmin >= 100;
    String mapping = numeric ? "" : " Categories: " + categories(values) + ".";
    return new ChartSpec(
        "final-" + m.id() + "-vs-" + key,
        "final " + m.title() + " against " + key,
        new ChartSpec.Axis(
            key + (numeric ? "" : " (category index)") + (logX ? " (log)" : ""), logX),
        new ChartSpec.Axis(m.title(), false),
        series,
        "Median over seeds of each run's last value, band min–max." + mapping);
  }

  private static String categories(List<String> values) {
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      parts.add(i + " = " + values.get(i));
    }
    return String.join(", ", parts);
  }

  /** {median, min, max} over the runs of their last value of {@code m}, or null. */
  static double[] finals(List<RunData> runs, Metric m) {
    List<Double> v = new ArrayList<>();
    for (RunData r : runs) {
      List<EvalRow> rows = r.evals(m.split());
      for (int i = rows.size() - 1; i >= 0; i--) {
        double x = m.value().applyAsDouble(rows.get(i));
        if (Double.isFinite(x)) {
          v.add(x);
          break;
        }
      }
    }
    if (v.isEmpty()) {
      return null;
    }
    double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return new double[] {median(s), s[0], s[s.length - 1]};
  }

  private static void reference(
      List<ChartSpec.Series> series, Double ref, double x0, double x1, int run) {
    if (ref != null) {
      series.add(
          new ChartSpec.Series(
              "reference " + ref,
              run,
              0,
              ChartSpec.Style.DASHED,
              new double[] {x0, x1},
              new double[] {ref, ref},
              null,
              null));
    }
  }

  private static Band positive(Band b) {
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < b.steps().length; i++) {
      if (b.steps()[i] > 0) {
        keep.add(i);
      }
    }
    return new Band(
        pick(b.steps(), keep), pick(b.median(), keep), pick(b.min(), keep), pick(b.max(), keep));
  }

  private static double[] pick(double[] v, List<Integer> idx) {
    double[] out = new double[idx.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v[idx.get(i)];
    }
    return out;
  }

  private static String html(
      List<Group> groups,
      List<String> keys,
      List<ReportCharts.Section> sections,
      Map<String, Double> refs,
      Instant now) {
    StringBuilder b = new StringBuilder(1 << 20);
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"generator\" content=\"marginflow report (sweep)\">\n")
        .append("<title>marginflow sweep report</title>\n<style>")
        .append(HtmlReport.CSS)
        .append("</style>\n</head>\n<body>\n<h1>marginflow sweep report</h1>\n<p class=\"meta\">")
        .append(groups.size())
        .append(" grid point(s), ")
        .append(groups.stream().mapToInt(g -> g.runs().size()).sum())
        .append(" run(s). Generated ")
        .append(esc(now.toString()))
        .append(".</p>\n");
    if (!refs.isEmpty()) {
      b.append("<p>Reference values: ").append(esc(refs.toString())).append("</p>\n");
    }
    b.append("<section id=\"final-table\">\n<h2>Final values (median [min, max] over seeds)</h2>\n")
        .append("<table>\n<tr><th>sweep</th>");
    for (String k : keys) {
      b.append("<th>").append(esc(k)).append("</th>");
    }
    b.append("<th>seeds</th><th>steps</th>");
    for (Metric m : METRICS) {
      b.append("<th>").append(esc(m.title())).append("</th>");
    }
    b.append("</tr>\n");
    for (Group g : groups) {
      b.append("<tr><td>").append(esc(g.sweep())).append("</td>");
      for (String k : keys) {
        b.append("<td>").append(esc(g.point().getOrDefault(k, ""))).append("</td>");
      }
      b.append("<td>").append(g.runs().size()).append("</td><td>");
      b.append(g.runs().stream().mapToLong(RunData::stepsDone).max().orElse(0)).append("</td>");
      for (Metric m : METRICS) {
        double[] f = finals(g.runs(), m);
        b.append("<td>")
            .append(f == null ? "—" : num(f[0]) + " [" + num(f[1]) + ", " + num(f[2]) + "]")
            .append("</td>");
      }
      b.append("</tr>\n");
    }
    b.append("</table>\n</section>\n");
    for (ReportCharts.Section s : sections) {
      HtmlReport.section(b, s, ChartRenderer::png);
    }
    b.append("</body>\n</html>\n");
    return b.toString();
  }

  /** Writes the HTML to {@code out} (a URI or a local path), replacing it. */
  public Path write(String out, Configuration conf) throws IOException {
    Path p = RunReader.qualify(out, conf);
    try (OutputStream o = UserFiles.create(p, conf)) {
      o.write(html.getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }

  /** Number of charts drawn. */
  public int charts() {
    return sections.stream().mapToInt(s -> s.charts().size()).sum();
  }
}

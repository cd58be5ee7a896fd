package io.marginflow.spark.report;

import static io.marginflow.spark.report.Html.esc;
import static io.marginflow.spark.report.Html.num;
import static io.marginflow.spark.report.Html.nums;

import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.LateStageMonitor;
import io.marginflow.common.stats.StepRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Writes the self-contained HTML report: an overview of the runs, every chart section of {@link
 * ReportCharts} with its PNG embedded as a data URI (no external file, script or font), then the
 * final statistics, the flags raised and each run's manifest. Every figure carries {@code
 * data-points} and {@code data-series} attributes naming what it plots.
 */
public final class HtmlReport {

  private static final double LN10 = Math.log(10);

  /** What each flag of {@link LateStageMonitor} means. */
  static final Map<String, String> FLAG_MEANING =
      Map.of(
          LateStageMonitor.SEPARATED,
          "first evaluation with m(θ) > 0: the late stage starts here",
          LateStageMonitor.LEFT_LATE_STAGE,
          "m(θ) ≤ 0 again after separation: the run left the late-stage event",
          LateStageMonitor.NORM_DECREASE,
          "‖θ‖ decreased after separation (Prop. 3 says it increases)",
          LateStageMonitor.NON_FINITE,
          "NaN or ±∞ in the evaluation");

  static final String CSS =
      """
      body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
        max-width:1000px;padding:16px 24px;color:#222;line-height:1.45}
      h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #1f77b4;padding-bottom:2px;margin-top:2em}
      h3{margin-bottom:.3em} .meta{color:#555} nav a{margin-right:.8em;white-space:nowrap}
      table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em} th,td{border:1px solid #ccc;
        padding:3px 8px;text-align:left;vertical-align:top} th{background:#f2f5f9}
      td.n{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,monospace}
      figure{margin:1em 0 2em} figure img{max-width:100%;height:auto;border:1px solid #eee}
      figcaption{color:#444;font-size:.9em} .warn{background:#fff4e5;border-left:4px solid #ff7f0e;
        padding:6px 12px} .bad{color:#b00020;font-weight:600} .ok{color:#2ca02c;font-weight:600}
      code{font-size:.92em} td code{word-break:break-all} .note{color:#666;font-style:italic}
      """;

  private HtmlReport() {}

  /**
   * The report as an HTML document.
   *
   * @param runs the runs, in legend order
   * @param sections the chart sections of {@link ReportCharts#build}
   * @param png draws a chart (e.g. {@link ChartRenderer#png(ChartSpec)})
   * @param generatedAt the time shown as generation time
   */
  public static String html(
      List<RunData> runs,
      List<ReportCharts.Section> sections,
      Function<ChartSpec, byte[]> png,
      Instant generatedAt) {
    StringBuilder b = new StringBuilder(1 << 20);
    String names = String.join(", ", runs.stream().map(RunData::label).toList());
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<meta name=\"generator\" content=\"marginflow report\">\n")
        .append("<title>marginflow report: ")
        .append(esc(names))
        .append("</title>\n<style>")
        .append(CSS)
        .append("</style>\n</head>\n<body>\n");
    b.append("<h1>marginflow report</h1>\n<p class=\"meta\">")
        .append(runs.size() == 1 ? "Run " : runs.size() + " runs overlaid: ")
        .append(esc(names))
        .append(". Generated ")
        .append(esc(generatedAt.toString()))
        .append(
            " from the run directories as they were then (a running run shows the rows"
                + " written so far).</p>\n");
    warnings(b, runs);
    nav(b, sections);
    overview(b, runs);
    for (ReportCharts.Section s : sections) {
      section(b, s, png);
    }
    finalStatistics(b, runs);
    flags(b, runs);
    manifests(b, runs);
    b.append("</body>\n</html>\n");
    return b.toString();
  }

  private static void warnings(StringBuilder b, List<RunData> runs) {
    List<String> all = new ArrayList<>();
    for (RunData r : runs) {
      for (String w : r.warnings()) {
        all.add(r.label() + ": " + w);
      }
    }
    if (!all.isEmpty()) {
      b.append("<div class=\"warn\" id=\"warnings\"><strong>Read with warnings</strong><ul>\n");
      for (String w : all) {
        b.append("<li>").append(esc(w)).append("</li>\n");
      }
      b.append("</ul></div>\n");
    }
  }

  private static void nav(StringBuilder b, List<ReportCharts.Section> sections) {
    b.append("<nav><a href=\"#overview\">Runs</a>");
    for (ReportCharts.Section s : sections) {
      b.append("\n<a href=\"#").append(s.id()).append("\">").append(esc(s.title())).append("</a>");
    }
    b.append("\n<a href=\"#final\">Final statistics</a>\n<a href=\"#flags\">Flags</a>")
        .append("\n<a href=\"#manifest\">Manifest</a></nav>\n");
  }

  private static void overview(StringBuilder b, List<RunData> runs) {
    b.append("<section id=\"overview\">\n<h2>Runs</h2>\n<table>\n<tr><th>run</th><th>status</th>")
        .append("<th>steps done</th><th>last m(u)</th><th>model</th><th>loss</th><th>sampler</th>")
        .append("<th>γ</th><th>n_b</th><th>started</th><th>directory</th></tr>\n");
    for (RunData r : runs) {
      String status =
          r.status().state().label()
              + (r.status().reason().isEmpty() ? "" : " (" + r.status().reason() + ")");
      b.append("<tr><td>")
          .append(esc(r.label()))
          .append("</td><td class=\"")
          .append(r.status().state() == RunStatus.State.FAILED ? "bad" : "ok")
          .append("\">")
          .append(esc(status))
          .append("</td><td class=\"n\">")
          .append(r.stepsDone())
          .append("</td><td class=\"n\">")
          .append(num(r.lastEval(EvalRow.TRAIN).map(EvalRow::normalizedMargin).orElse(Double.NaN)))
          .append("</td><td><code>")
          .append(esc(r.config("resolved_model", r.config("model", "?"))))
          .append("</code></td><td>")
          .append(esc(r.config("loss", "?")))
          .append("</td><td>")
          .append(esc(r.manifest().conventions().sampler()))
          .append("</td><td class=\"n\">")
          .append(esc(r.config("step", "?")))
          .append("</td><td class=\"n\">")
          .append(esc(RunSummary.batchShown(r.manifest())))
          .append("</td><td>")
          .append(esc(r.manifest().startedAt().toString()))
          .append("</td><td><code>")
          .append(esc(r.uri().toString()))
          .append("</code></td></tr>\n");
    }
    b.append("</table>\n</section>\n");
  }

  static void section(StringBuilder b, ReportCharts.Section s, Function<ChartSpec, byte[]> png) {
    b.append("<section id=\"")
        .append(s.id())
        .append("\">\n<h2>")
        .append(esc(s.title()))
        .append("</h2>\n<p>")
        .append(esc(s.intro()))
        .append("</p>\n");
    for (ChartSpec c : s.charts()) {
      String series = String.join("|", c.series().stream().map(ChartSpec.Series::name).toList());
      b.append("<figure id=\"fig-")
          .append(c.id())
          .append("\" data-points=\"")
          .append(c.points())
          .append("\" data-series=\"")
          .append(esc(series))
          .append("\">\n<img alt=\"")
          .append(esc(c.title()))
          .append("\" width=\"")
          .append(ChartRenderer.WIDTH)
          .append("\" height=\"")
          .append(ChartRenderer.HEIGHT)
          .append("\" src=\"data:image/png;base64,")
          .append(Base64.getEncoder().encodeToString(png.apply(c)))
          .append("\">\n<figcaption>")
          .append(esc(c.caption()))
          .append("</figcaption>\n</figure>\n");
    }
    for (String note : s.notes()) {
      b.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
    }
    b.append("</section>\n");
  }

  private static void finalStatistics(StringBuilder b, List<RunData> runs) {
    b.append(
        "<section id=\"final\">\n<h2>Final statistics</h2>\n<p>The last evaluation of each"
            + " split and the last logged step (JSON keys of science.md §7).</p>\n");
    for (RunData r : runs) {
      b.append("<h3>").append(esc(r.label())).append("</h3>\n");
      Optional<EvalRow> train = r.lastEval(EvalRow.TRAIN);
      Optional<EvalRow> test = r.lastEval(EvalRow.TEST);
      if (train.isEmpty() && test.isEmpty()) {
        b.append("<p class=\"note\">No evaluation yet.</p>\n");
      } else {
        b.append("<table class=\"final-eval\">\n<tr><th>key</th>");
        train.ifPresent(e -> b.append("<th>train (step ").append(e.step()).append(")</th>"));
        test.ifPresent(e -> b.append("<th>test (step ").append(e.step()).append(")</th>"));
        b.append("</tr>\n");
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (EvalRow e : new EvalRow[] {train.orElse(null), test.orElse(null)}) {
          if (e != null) {
            evalFields(e).forEach((k, v) -> rows.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
          }
        }
        rows.forEach(
            (k, vs) -> {
              b.append("<tr><th><code>").append(esc(k)).append("</code></th>");
              for (String v : vs) {
                b.append("<td class=\"n\">").append(esc(v)).append("</td>");
              }
              b.append("</tr>\n");
            });
        b.append("</table>\n");
      }
      if (!r.steps().isEmpty()) {
        StepRow s = r.steps().get(r.steps().size() - 1);
        b.append("<table class=\"final-step\">\n<tr><th>key</th><th>last logged step</th></tr>\n");
        stepFields(s)
            .forEach(
                (k, v) ->
                    b.append("<tr><th><code>")
                        .append(esc(k))
                        .append("</code></th><td class=\"n\">")
                        .append(esc(v))
                        .append("</td></tr>\n"));
        b.append("</table>\n");
      }
    }
    b.append("</section>\n");
  }

  /** The fields of an evaluation row as (JSON key, formatted value). */
  static Map<String, String> evalFields(EvalRow e) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("step", Long.toString(e.step()));
    m.put("n", Long.toString(e.n()));
    m.put("log_loss", num(e.logLoss()));
    m.put("log₁₀ 𝓛", num(e.logLoss() / LN10));
    m.put("error_rate", num(e.errorRate()));
    m.put("norm", num(e.norm()));
    m.put("norm_pow_L", num(e.normPowL()));
    m.put("layer_norms", nums(e.layerNorms()));
    m.put("layer_norm_product", num(e.layerNormProduct()));
    m.put("layer_balance", nums(e.layerBalance()));
    m.put("min_margin", num(e.minMargin()));
    m.put("max_margin", num(e.maxMargin()));
    m.put("normalized_margin", num(e.normalizedMargin()));
    m.put("layer_normalized_margin", num(e.layerNormalizedMargin()));
    m.put("smoothed_margin", num(e.smoothedMargin()));
    m.put("margin_quantiles", nums(e.marginQuantiles().toArray()));
    long[] ns = e.nearSupport();
    double[] nd = new double[ns.length];
    for (int i = 0; i < ns.length; i++) {
      nd[i] = ns[i];
    }
    m.put("near_support", nums(nd));
    m.put("effective_support", num(e.effectiveSupport()));
    m.put("log_effective_step", num(e.logEffectiveStep()));
    m.put("ode_time", num(e.odeTime()));
    m.put("euler_residual", num(e.eulerResidual()));
    m.put("tangential_residual", num(e.tangentialResidual()));
    m.put("alignment", num(e.alignment()));
    m.put("direction_change", num(e.directionChange()));
    m.put("margin_change_sup", num(e.marginChangeSup()));
    m.put("flags", e.flags().isEmpty() ? "—" : String.join(", ", e.flags()));
    return m;
  }

  private static Map<String, String> stepFields(StepRow s) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("step", Long.toString(s.step()));
    m.put("gamma", num(s.gamma()));
    m.put("log_gamma", num(s.logGamma()));
    m.put("batch_log_loss", num(s.batchLogLoss()));
    m.put("batch_min_margin", num(s.batchMinMargin()));
    m.put("norm", num(s.norm()));
    m.put("radial_loss_term", num(s.radialLossTerm()));
    m.put("radial_step_term", num(s.radialStepTerm()));
    m.put("step_norm", num(s.stepNorm()));
    m.put("tangential_step", num(s.tangentialStep()));
    m.put("wall_ms", num(s.wallMs()));
    return m;
  }

  private static void flags(StringBuilder b, List<RunData> runs) {
    b.append(
        "<section id=\"flags\">\n<h2>Flags</h2>\n<p>Raised by the late-stage monitor at"
            + " evaluations (science.md §5 item 9), and how the run ended.</p>\n");
    for (RunData r : runs) {
      b.append("<h3>")
          .append(esc(r.label()))
          .append("</h3>\n<table class=\"flags\">\n")
          .append("<tr><th>step</th><th>split</th><th>flag</th><th>meaning</th></tr>\n");
      int n = 0;
      for (EvalRow e : r.evals()) {
        for (String f : e.flags()) {
          boolean bad = !f.equals(LateStageMonitor.SEPARATED);
          b.append("<tr><td class=\"n\">")
              .append(e.step())
              .append("</td><td>")
              .append(esc(e.split()))
              .append("</td><td class=\"")
              .append(bad ? "bad" : "ok")
              .append("\"><code>")
              .append(esc(f))
              .append("</code></td><td>")
              .append(esc(FLAG_MEANING.getOrDefault(f, "")))
              .append("</td></tr>\n");
          n++;
        }
      }
      if (r.status().state() == RunStatus.State.FAILED) {
        b.append("<tr><td class=\"n\">")
            .append(r.status().step() < 0 ? "—" : r.status().step())
            .append("</td><td>—</td><td class=\"bad\"><code>failed</code></td><td>")
            .append(esc(r.status().reason()))
            .append("</td></tr>\n");
        n++;
      }
      if (n == 0) {
        b.append("<tr><td colspan=\"4\" class=\"note\">no flag raised</td></tr>\n");
      }
      b.append("</table>\n<p>Ended: <strong>")
          .append(esc(r.status().state().label()))
          .append("</strong>")
          .append(r.status().reason().isEmpty() ? "" : " — " + esc(r.status().reason()))
          .append(".</p>\n");
    }
    b.append("</section>\n");
  }

  private static void manifests(StringBuilder b, List<RunData> runs) {
    b.append("<section id=\"manifest\">\n<h2>Manifest</h2>\n");
    for (RunData r : runs) {
      Manifest m = r.manifest();
      b.append("<h3>").append(esc(r.label())).append("</h3>\n<table class=\"manifest\">\n");
      row(b, "run_id", m.runId());
      row(b, "started_at", m.startedAt().toString());
      row(b, "host", m.host());
      row(b, "blas", m.blas());
      row(b, "versions.marginflow", m.versions().marginflow());
      row(b, "versions.git_commit", m.versions().gitCommit());
      row(b, "versions.spark", m.versions().spark());
      row(b, "versions.hadoop", m.versions().hadoop());
      row(b, "versions.java", m.versions().java());
      row(b, "conventions.risk", m.conventions().risk());
      row(b, "conventions.relu_derivative_at_zero", num(m.conventions().reluDerivativeAtZero()));
      row(b, "conventions.sampler", m.conventions().sampler());
      row(b, "conventions.algorithm", m.conventions().algorithm());
      b.append("</table>\n<h4>Data</h4>\n<table class=\"data\">\n<tr><th>uri</th><th>rows</th>")
          .append("<th>features</th><th>bytes</th><th>modified</th><th>sha256</th></tr>\n");
      for (Manifest.DataFile d : m.data()) {
        b.append("<tr><td><code>")
            .append(esc(d.uri()))
            .append("</code></td><td class=\"n\">")
            .append(d.rows())
            .append("</td><td class=\"n\">")
            .append(d.features())
            .append("</td><td class=\"n\">")
            .append(d.bytes())
            .append("</td><td>")
            .append(esc(d.modified().toString()))
            .append("</td><td><code>")
            .append(esc(d.sha256()))
            .append("</code></td></tr>\n");
      }
      if (m.data().isEmpty()) {
        b.append("<tr><td colspan=\"6\" class=\"note\">generated data (see config)</td></tr>\n");
      }
      b.append("</table>\n<h4>Config</h4>\n<table class=\"config\">\n");
      m.config().forEach((k, v) -> row(b, k, String.valueOf(v)));
      b.append("</table>\n");
    }
    b.append("</section>\n");
  }

  private static void row(StringBuilder b, String key, String value) {
    b.append("<tr><th><code>")
        .append(esc(key))
        .append("</code></th><td>")
        .append(esc(value))
        .append("</td></tr>\n");
  }
}

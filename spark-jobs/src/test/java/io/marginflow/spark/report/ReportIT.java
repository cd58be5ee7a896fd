package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import io.marginflow.spark.cli.CliRun;
import io.marginflow.spark.testing.ReportRunFixture;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report, the run listing and the snapshot export on a real short run (MNIST 0-vs-1, {@link
 * ReportRunFixture}): every chart is checked against the rows of the metric files, not only for the
 * presence of an image.
 */
class ReportIT {

  /**
   * Snapshot margins (per-sample pass) and evaluation minima (accumulator pass) are the same
   * products summed in the same order; they agree to rounding.
   */
  private static final double SNAPSHOT_TOLERANCE = 1e-12;

  /** λ = softmax over 1,500 samples: its sum is 1 up to accumulated rounding. */
  private static final double LAMBDA_SUM_TOLERANCE = 1e-9;

  private static final Configuration CONF = new Configuration();
  private static final double LN10 = Math.log(10);
  private static final Set<String> CHART_IDS =
      Set.of(
          "margin",
          "smoothed-margin",
          "layer-margin",
          "norm-growth",
          "loss",
          "effective-step",
          "ode-time",
          "alignment",
          "tangential-residual",
          "direction-change",
          "margin-quantiles",
          "near-support",
          "layer-norms",
          "layer-balance",
          "error-rate",
          "margin-ecdf");

  private static java.nio.file.Path dir;
  private static List<EvalRow> train;
  private static List<EvalRow> test;
  private static List<StepRow> steps;
  private static RunData run;
  private static Report report;

  @TempDir java.nio.file.Path tmp;

  @BeforeAll
  static void readTheRun() throws IOException {
    dir = ReportRunFixture.runDir();
    List<EvalRow> evals = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics/eval.jsonl"))) {
      evals.add(MetricsJson.parseEvalRow(line));
    }
    train = evals.stream().filter(e -> e.split().equals("train")).toList();
    test = evals.stream().filter(e -> e.split().equals("test")).toList();
    steps = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("metrics/steps.jsonl"))) {
      steps.add(MetricsJson.parseStepRow(line));
    }
    run = RunReader.read(dir.toString(), CONF, RunReader.Options.DEFAULTS);
    report = Report.of(List.of(run), Instant.parse("2026-01-01T00:00:00Z"));
  }

  private static Map<String, ChartSpec> charts() {
    Map<String, ChartSpec> m = new LinkedHashMap<>();
    report.sections().forEach(s -> s.charts().forEach(c -> m.put(c.id(), c)));
    return m;
  }

  /**
   * Expected (x, y) from evaluation rows with the chart's rules: k ≥ 1 (log x), finite, > 0 on log
   * y.
   */
  private static double[][] expect(List<EvalRow> rows, ToDoubleFunction<EvalRow> y, boolean yLog) {
    List<double[]> pts = new ArrayList<>();
    for (EvalRow r : rows) {
      double v = y.applyAsDouble(r);
      if (r.step() >= 1 && Double.isFinite(v) && (!yLog || v > 0)) {
        pts.add(new double[] {r.step(), v});
      }
    }
    return new double[][] {
      pts.stream().mapToDouble(p -> p[0]).toArray(), pts.stream().mapToDouble(p -> p[1]).toArray()
    };
  }

  private static void assertSeries(ChartSpec chart, String name, double[][] expected) {
    ChartSpec.Series s =
        chart
            .series(name)
            .orElseThrow(
                () ->
                    new AssertionError(
                        chart.id()
                            + ": no series '"
                            + name
                            + "' in "
                            + chart.series().stream().map(ChartSpec.Series::name).toList()));
    assertTrue(s.size() > 0, chart.id() + "/" + name + " is empty");
    assertArrayEquals(expected[0], s.x(), chart.id() + "/" + name + ": x");
    assertArrayEquals(expected[1], s.y(), chart.id() + "/" + name + ": y");
  }

  @Test
  void theRunIsLongEnoughToShowTheLateStage() {
    assertEquals(ReportRunFixture.STEPS, run.stepsDone());
    assertEquals(RunStatus.State.FINISHED, run.status().state());
    assertTrue(train.size() >= 20, "log-spaced evaluations: " + train.size());
    assertTrue(train.get(train.size() - 1).normalizedMargin() > 0, "the run separates");
    assertTrue(run.warnings().isEmpty(), run.warnings().toString());
    assertEquals(train.size() + test.size(), run.evals().size());
    assertEquals(steps.size(), run.steps().size());
  }

  @Test
  void everyChartHasDataAndTheNumbersOfTheMetricFiles() {
    Map<String, ChartSpec> c = charts();
    assertEquals(CHART_IDS, c.keySet());
    for (ChartSpec chart : c.values()) {
      for (ChartSpec.Series s : chart.series()) {
        assertTrue(s.size() > 0, chart.id() + "/" + s.name() + " has no point");
      }
    }
    assertSeries(c.get("margin"), "m(u), train", expect(train, EvalRow::normalizedMargin, false));
    assertSeries(
        c.get("margin"), "min over the test set", expect(test, EvalRow::normalizedMargin, false));
    assertSeries(
        c.get("smoothed-margin"),
        "smoothed margin, train",
        expect(train, EvalRow::smoothedMargin, false));
    assertSeries(
        c.get("smoothed-margin"), "m(u), train", expect(train, EvalRow::normalizedMargin, false));
    assertSeries(
        c.get("layer-margin"),
        "m(θ)/Π‖W_l‖, train",
        expect(train, EvalRow::layerNormalizedMargin, false));
    assertSeries(c.get("loss"), "train", expect(train, e -> e.logLoss() / LN10, false));
    assertSeries(c.get("loss"), "test", expect(test, e -> e.logLoss() / LN10, false));
    ChartSpec.Series mini = c.get("loss").series("minibatch").orElseThrow();
    assertEquals(steps.size() - 1, mini.size(), "every logged step k ≥ 1");
    assertEquals(steps.get(steps.size() - 1).batchLogLoss() / LN10, mini.y()[mini.size() - 1], 0);
    assertSeries(
        c.get("effective-step"), "γ̄_k", expect(train, e -> e.logEffectiveStep() / LN10, false));
    assertSeries(c.get("ode-time"), "τ_k", expect(train, EvalRow::odeTime, false));
    assertSeries(c.get("alignment"), "β", expect(train, EvalRow::alignment, false));
    assertSeries(
        c.get("tangential-residual"),
        "tangential residual",
        expect(train, EvalRow::tangentialResidual, true));
    assertSeries(
        c.get("direction-change"), "‖u_k − u_k′‖", expect(train, EvalRow::directionChange, true));
    assertSeries(c.get("error-rate"), "train", expect(train, EvalRow::errorRate, false));
    assertSeries(c.get("error-rate"), "test", expect(test, EvalRow::errorRate, false));
    for (int j = 1; j <= 7; j++) {
      int jj = j;
      assertSeries(
          c.get("near-support"), "j = " + j, expect(train, e -> e.nearSupport()[jj - 1], true));
    }
    assertSeries(
        c.get("near-support"),
        "effective support 1/Σλ²",
        expect(train, EvalRow::effectiveSupport, true));
    assertSeries(c.get("layer-norms"), "‖W_1‖", expect(train, e -> e.layerNorms()[0], true));
    assertSeries(c.get("layer-norms"), "‖W_2‖", expect(train, e -> e.layerNorms()[1], true));
    assertSeries(
        c.get("layer-balance"), "‖W_2‖² − ‖W_1‖²", expect(train, e -> e.layerBalance()[1], false));
    // Quantile bands: the 5–95 % band is q05…q95 around the median, the minimum line is q0 = m(u).
    ChartSpec q = c.get("margin-quantiles");
    ChartSpec.Series band = q.series("5–95 % (line: median)").orElseThrow();
    assertArrayEquals(expect(train, e -> e.marginQuantiles().q05(), false)[1], band.lower());
    assertArrayEquals(expect(train, e -> e.marginQuantiles().q95(), false)[1], band.upper());
    assertArrayEquals(expect(train, e -> e.marginQuantiles().q50(), false)[1], band.y());
    ChartSpec.Series inner = q.series("25–75 %").orElseThrow();
    assertArrayEquals(expect(train, e -> e.marginQuantiles().q25(), false)[1], inner.lower());
    assertSeries(q, "minimum q0 = m(u)", expect(train, EvalRow::normalizedMargin, false));
    assertSeries(q, "maximum q100", expect(train, e -> e.marginQuantiles().q100(), false));
  }

  @Test
  void normGrowthHasTheProp3BandFittedToTheLateStage() {
    ChartSpec c = charts().get("norm-growth");
    double[][] ev = expect(train, EvalRow::normPowL, false);
    double[] lnk = Arrays.stream(ev[0]).map(Math::log).toArray();
    ChartSpec.Series evs = c.series("‖θ_k‖^L, evaluations").orElseThrow();
    assertArrayEquals(lnk, evs.x());
    assertArrayEquals(ev[1], evs.y());
    ChartSpec.Series perStep = c.series("‖θ_k‖^L, every logged step").orElseThrow();
    assertEquals(steps.size() - 1, perStep.size());
    StepRow last = steps.get(steps.size() - 1);
    assertEquals(Math.pow(last.norm(), 2), perStep.y()[perStep.size() - 1], 0, "L = 2");
    long separated =
        train.stream().filter(e -> e.normalizedMargin() > 0).findFirst().orElseThrow().step();
    double c1 = Double.POSITIVE_INFINITY;
    double c2 = 0;
    for (EvalRow e : train) {
      if (e.step() >= Math.max(2, separated)) {
        c1 = Math.min(c1, e.normPowL() / Math.log(e.step()));
        c2 = Math.max(c2, e.normPowL() / Math.log(e.step()));
      }
    }
    ChartSpec.Series lower =
        c.series().stream().filter(s -> s.name().startsWith("c₁ ln k")).findFirst().orElseThrow();
    ChartSpec.Series upper =
        c.series().stream().filter(s -> s.name().startsWith("c₂ ln k")).findFirst().orElseThrow();
    assertEquals(c1, lower.y()[0] / lower.x()[0], 1e-12 * c1);
    assertEquals(c2, upper.y()[1] / upper.x()[1], 1e-12 * c2);
    assertEquals(Math.log(separated), lower.x()[0], 1e-15, "the band starts at the separation");
    assertTrue(
        c.caption().contains("evaluations of the late stage, k = " + separated), c.caption());
  }

  @Test
  void snapshotsAreReadExportedAndAgreeWithTheEvaluations() throws IOException {
    org.apache.hadoop.fs.Path runPath = new org.apache.hadoop.fs.Path(dir.toUri());
    org.apache.hadoop.fs.FileSystem fs = runPath.getFileSystem(CONF);
    assertEquals(List.of(0L, 100L, 300L), MarginSnapshotReader.steps(fs, runPath));
    MarginSnapshot s = MarginSnapshotReader.read(fs, CONF, runPath, 300);
    assertEquals(ReportRunFixture.TRAIN_ROWS, s.size());
    for (int i = 0; i < s.size(); i++) {
      assertEquals(i, s.row()[i]);
      assertTrue(s.label()[i] == 1 || s.label()[i] == -1);
    }
    EvalRow at300 = train.get(train.size() - 1);
    assertEquals(300, at300.step());
    double min = Arrays.stream(s.margin()).min().orElseThrow();
    assertEquals(
        at300.normalizedMargin(), min, SNAPSHOT_TOLERANCE * Math.abs(min), "min p_i(u) = m(u)");
    assertEquals(1.0, Arrays.stream(s.lambda()).sum(), LAMBDA_SUM_TOLERANCE, "Σλ = 1");
    // The chart of the snapshots is their empirical distribution.
    ChartSpec ecdf = charts().get("margin-ecdf");
    assertEquals(
        List.of("step 0", "step 100", "step 300"),
        ecdf.series().stream().map(ChartSpec.Series::name).toList());
    assertArrayEquals(s.sortedMargins(), ecdf.series("step 300").orElseThrow().x());
    // Export as JSON lines and as CSV; both read back to the same doubles.
    java.nio.file.Path jsonl = tmp.resolve("m.jsonl");
    java.nio.file.Path csv = tmp.resolve("m.csv");
    assertEquals(0, cli("export-margins", dir.toString(), "--out", jsonl.toString()).code());
    assertEquals(
        0, cli("export-margins", dir.toString(), "--step", "300", "--out", csv.toString()).code());
    List<String> jl = Files.readAllLines(jsonl);
    List<String> cl = Files.readAllLines(csv);
    assertEquals(s.size(), jl.size());
    assertEquals("row,label,margin,lambda", cl.get(0));
    ObjectMapper mapper = new ObjectMapper();
    for (int i = 0; i < s.size(); i++) {
      JsonNode o = mapper.readTree(jl.get(i));
      assertEquals(s.row()[i], o.get("row").asLong());
      assertEquals(s.margin()[i], o.get("margin").asDouble(), 0);
      assertEquals(s.lambda()[i], o.get("lambda").asDouble(), 0);
      String[] f = cl.get(i + 1).split(",");
      assertEquals(s.label()[i], Double.parseDouble(f[1]), 0);
      assertEquals(s.margin()[i], Double.parseDouble(f[2]), 0);
    }
    CliRun bad = cli("export-margins", dir.toString(), "--step", "7", "--out", csv.toString());
    assertEquals(1, bad.code());
    assertTrue(
        bad.err().contains("no margin snapshot at step 7") && bad.err().contains("[0, 100, 300]"),
        bad.err());
  }

  @Test
  void theHtmlIsSelfContainedWithEverySectionAndRealImages() throws IOException {
    String html = report.html();
    for (String id :
        List.of(
            "overview",
            "margins",
            "norm-growth",
            "loss",
            "clock",
            "stationarity",
            "quantiles",
            "near-support",
            "layers",
            "error",
            "snapshots",
            "final",
            "flags",
            "manifest")) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), "section " + id);
    }
    assertFalse(
        html.contains("<script") || html.contains("<link") || html.contains("src=\"http"),
        "no external resource");
    Matcher m =
        Pattern.compile(
                "<figure id=\"fig-([a-z-]+)\" data-points=\"(\\d+)\"[^>]*>\\s*<img[^>]*"
                    + "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")
            .matcher(html);
    Map<String, ChartSpec> c = charts();
    Set<String> seen = new HashSet<>();
    while (m.find()) {
      ChartSpec chart = c.get(m.group(1));
      assertNotNull(chart, m.group(1));
      assertEquals(chart.points(), Integer.parseInt(m.group(2)), "data-points of " + chart.id());
      BufferedImage img =
          ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(3))));
      assertEquals(ChartRenderer.WIDTH, img.getWidth());
      assertEquals(ChartRenderer.HEIGHT, img.getHeight());
      assertTrue(Images.colouredFraction(img) > 0.003, chart.id() + " has drawn lines");
      seen.add(chart.id());
    }
    assertEquals(CHART_IDS, seen);
    EvalRow last = train.get(train.size() - 1);
    assertTrue(html.contains(Html.num(last.normalizedMargin())), "final m(u) in the tables");
    assertTrue(
        html.contains(run.manifest().runId())
            && html.contains(run.manifest().data().get(0).sha256()),
        "manifest table");
    long sep =
        train.stream()
            .filter(e -> e.flags().contains("separated"))
            .findFirst()
            .orElseThrow()
            .step();
    assertTrue(
        html.contains(
            "<tr><td class=\"n\">"
                + sep
                + "</td><td>train</td><td class=\"ok\"><code>separated</code>"),
        "the separated flag at step " + sep);
  }

  @Test
  void theRunsCommandListsTheRunAsTableAndJson() throws IOException {
    java.nio.file.Path root = dir.getParent();
    CliRun table = cli("runs", root.toString());
    assertEquals(0, table.code(), table.err());
    String[] lines = table.out().split("\n");
    assertTrue(
        lines[0].startsWith("id") && lines[0].contains("last m(u)") && lines[0].contains("status"),
        lines[0]);
    String row = Stream.of(lines).filter(l -> l.startsWith("mnist01")).findFirst().orElseThrow();
    for (String cell :
        new String[] {"mlp:784-16-1", " exp ", " iid ", " 0.1 ", " 50 ", " 300 ", "finished"}) {
      assertTrue(row.contains(cell), "'" + cell + "' in " + row);
    }
    CliRun json = cli("runs", root.toString(), "--json");
    JsonNode arr = new ObjectMapper().readTree(json.out());
    JsonNode r = arr.get(0);
    assertEquals("mnist01", r.get("id").asText());
    assertEquals(300, r.get("steps_done").asLong());
    assertEquals(
        train.get(train.size() - 1).normalizedMargin(),
        r.get("last_normalized_margin").asDouble(),
        0);
    assertEquals("finished", r.get("status").asText());
  }

  @Test
  void aRunStillGoingAndSeveralRunsOverlaid() throws IOException {
    // A copy of the run as it looked mid-write: no status.json, the last eval row cut in half.
    java.nio.file.Path live = tmp.resolve("runs/live");
    Files.createDirectories(live.resolve("metrics"));
    Files.copy(dir.resolve("manifest.json"), live.resolve("manifest.json"));
    Files.copy(dir.resolve("metrics/steps.jsonl"), live.resolve("metrics/steps.jsonl"));
    byte[] eval = Files.readAllBytes(dir.resolve("metrics/eval.jsonl"));
    Files.write(live.resolve("metrics/eval.jsonl"), Arrays.copyOf(eval, eval.length - 300));
    java.nio.file.Path out = tmp.resolve("both.html");
    CliRun r = cli("report", dir.toString(), live.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("report of 2 run(s), " + CHART_IDS.size() + " charts"), r.out());
    String html = Files.readString(out);
    assertTrue(
        html.contains("incomplete last line") && html.contains(">running<"), "live run marked");
    Report both =
        Report.of(List.of(dir.toString(), live.toString()), CONF, RunReader.Options.DEFAULTS);
    ChartSpec margin = both.sections().get(0).charts().get(0);
    assertEquals(
        List.of(
            "mnist01 · m(u), train",
            "live · m(u), train",
            "mnist01 · min over the test set",
            "live · min over the test set"),
        margin.series().stream().map(ChartSpec.Series::name).toList());
    assertEquals(margin.series().get(0).size(), margin.series().get(1).size());
    assertEquals(
        run.evals().size() - 1,
        both.runs().get(1).evals().size(),
        "the live copy lacks the last (test) evaluation");
    CliRun listing = cli("runs", tmp.resolve("runs").toString());
    assertTrue(listing.out().contains("running"), listing.out());
  }

  private static CliRun cli(String... args) {
    return CliRun.of(args);
  }
}

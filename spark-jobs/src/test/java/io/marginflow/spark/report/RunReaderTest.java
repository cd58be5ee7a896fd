package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.format.FormatException;
import io.marginflow.common.stats.EvalRow;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading run directories: good, still running, and damaged ones (local file system, no Spark). */
class RunReaderTest {

  private static final Configuration CONF = new Configuration();
  private static final int STEPS = 60;

  @TempDir Path tmp;

  private RunData read(Path dir) throws IOException {
    return RunReader.read(dir.toString(), CONF, RunReader.Options.DEFAULTS);
  }

  @Test
  void readsEveryRowTheStatusAndTheCheckpoint() throws IOException {
    Path dir = tmp.resolve("r1");
    SyntheticRun.write(dir, "run-1", STEPS, true);
    RunData r = read(dir);
    assertEquals("r1", r.label());
    assertEquals("run-1", r.manifest().runId());
    assertEquals(STEPS, r.steps().size());
    assertEquals(2 * SyntheticRun.evalSteps(STEPS).size(), r.evals().size());
    assertEquals(SyntheticRun.eval(50, EvalRow.TRAIN, List.of()), r.evals(EvalRow.TRAIN).get(6));
    assertEquals(RunStatus.State.FINISHED, r.status().state());
    assertEquals(STEPS, r.latestCheckpoint().getAsLong());
    assertEquals(STEPS, r.stepsDone());
    assertEquals(2, r.degree());
    assertTrue(r.warnings().isEmpty(), r.warnings().toString());
  }

  @Test
  void aTruncatedLastLineIsSkippedWithAWarningAndTheRunIsRunning() throws IOException {
    Path dir = tmp.resolve("live");
    SyntheticRun.write(dir, "live", STEPS, false);
    Path eval = dir.resolve("metrics/eval.jsonl");
    String whole = Files.readString(eval);
    String cut = whole.substring(0, whole.length() - 200); // last row loses its end and its newline
    Files.writeString(eval, cut);
    RunData r = read(dir);
    assertEquals(2 * SyntheticRun.evalSteps(STEPS).size() - 1, r.evals().size());
    assertEquals(RunStatus.State.RUNNING, r.status().state());
    assertEquals(1, r.warnings().size(), r.warnings().toString());
    String w = r.warnings().get(0);
    assertTrue(
        w.contains("eval.jsonl line " + (2 * SyntheticRun.evalSteps(STEPS).size()))
            && w.contains("incomplete last line")
            && w.contains("skipped"),
        w);
    // The report is still made, and says what it skipped.
    Report report = Report.of(List.of(r), java.time.Instant.EPOCH);
    assertTrue(report.html().contains("incomplete last line"), "warning shown in the report");
    assertTrue(report.charts() >= 10);
  }

  @Test
  void aMissingManifestIsAClearError() throws IOException {
    Path dir = tmp.resolve("nomanifest");
    SyntheticRun.write(dir, "x", 5, true);
    Files.delete(dir.resolve("manifest.json"));
    FileNotFoundException e = assertThrows(FileNotFoundException.class, () -> read(dir));
    assertTrue(
        e.getMessage().contains("not a marginflow run directory")
            && e.getMessage().contains("manifest.json is missing")
            && e.getMessage().contains("nomanifest"),
        e.getMessage());
    e = assertThrows(FileNotFoundException.class, () -> read(tmp.resolve("absent")));
    assertTrue(
        e.getMessage().startsWith("no such run directory") && e.getMessage().contains("absent"),
        e.getMessage());
  }

  @Test
  void anUnknownSchemaVersionIsRejectedNamingFileLineAndVersion() throws IOException {
    Path dir = tmp.resolve("schema");
    SyntheticRun.write(dir, "x", 5, true);
    Path steps = dir.resolve("metrics/steps.jsonl");
    List<String> lines = Files.readAllLines(steps);
    lines.set(2, lines.get(2).replace("\"schema\":1", "\"schema\":2"));
    Files.write(steps, lines);
    FormatException e = assertThrows(FormatException.class, () -> read(dir));
    assertTrue(
        e.getMessage().contains("steps.jsonl line 3")
            && e.getMessage().contains("unsupported version 2")
            && e.getMessage().contains("supports 1"),
        e.getMessage());
    // Also on the last line: a complete line with an unknown schema is not "truncated".
    lines.set(2, lines.get(2).replace("\"schema\":2", "\"schema\":1"));
    lines.set(
        lines.size() - 1, lines.get(lines.size() - 1).replace("\"schema\":1", "\"schema\":3"));
    Files.write(steps, lines);
    e = assertThrows(FormatException.class, () -> read(dir));
    assertTrue(
        e.getMessage().contains("line 5") && e.getMessage().contains("unsupported version 3"),
        e.getMessage());
    Files.writeString(
        dir.resolve("manifest.json"),
        Files.readString(dir.resolve("manifest.json")).replace("\"schema\" : 1", "\"schema\" : 9"));
    e = assertThrows(FormatException.class, () -> read(dir));
    assertTrue(e.getMessage().contains("manifest.json"), e.getMessage());
  }

  @Test
  void aBrokenLineBeforeTheEndIsAnError() throws IOException {
    Path dir = tmp.resolve("broken");
    SyntheticRun.write(dir, "x", 5, true);
    Path eval = dir.resolve("metrics/eval.jsonl");
    List<String> lines = Files.readAllLines(eval);
    lines.set(1, lines.get(1).substring(0, 40));
    Files.write(eval, lines);
    FormatException e = assertThrows(FormatException.class, () -> read(dir));
    assertTrue(
        e.getMessage().contains("eval.jsonl line 2") && e.getMessage().contains("malformed"),
        e.getMessage());
  }

  @Test
  void theCommandLineReportsBadDirectoriesWithExitCode1() throws IOException {
    Path dir = tmp.resolve("cli");
    SyntheticRun.write(dir, "x", 5, true);
    Files.delete(dir.resolve("manifest.json"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        io.marginflow.spark.cli.MarginflowCli.run(
            new String[] {"report", dir.toString(), "--out", tmp.resolve("r.html").toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, code);
    String msg = err.toString(StandardCharsets.UTF_8);
    assertTrue(msg.startsWith("marginflow: ") && msg.contains("manifest.json is missing"), msg);
    assertTrue(Files.notExists(tmp.resolve("r.html")), "no report written");
  }

  @Test
  void theListingReadsTailsAndMarksBrokenDirectories() throws IOException {
    Path root = tmp.resolve("runs");
    SyntheticRun.write(root.resolve("a"), "run-a", STEPS, true);
    SyntheticRun.write(root.resolve("group/b"), "run-b", 7, false);
    Files.writeString(
        root.resolve("group/b/metrics/eval.jsonl"),
        "{\"schema\":1,\"step\":9",
        StandardOpenOption.APPEND);
    SyntheticRun.write(root.resolve("c"), "run-c", 5, true);
    Files.delete(root.resolve("c/manifest.json"));
    List<RunSummary> runs = RunLister.list(root.toString(), CONF);
    assertEquals(List.of("a", "b", "c"), runs.stream().map(RunSummary::id).toList());
    RunSummary a = runs.get(0);
    assertEquals(STEPS, a.stepsDone());
    assertEquals(SyntheticRun.margin(STEPS), a.lastNormalizedMargin(), 0);
    assertEquals("finished", a.statusLabel());
    assertEquals("8", a.batch());
    RunSummary b = runs.get(1);
    assertEquals("running", b.statusLabel());
    assertEquals(
        SyntheticRun.margin(7), b.lastNormalizedMargin(), 0, "incomplete last line passed over");
    assertEquals("unreadable", runs.get(2).statusLabel());
    assertTrue(runs.get(2).error().contains("manifest.json is missing"), runs.get(2).error());
  }

  @Test
  void flagsAndTheFailureOfARunAreListedInTheReport() throws IOException {
    Path dir = tmp.resolve("failed");
    SyntheticRun.write(dir, "x", STEPS, false);
    EvalRow bad =
        SyntheticRun.eval(
            STEPS + 1, EvalRow.TRAIN, List.of("non_finite", "left_late_stage", "norm_decrease"));
    Files.writeString(
        dir.resolve("metrics/eval.jsonl"),
        io.marginflow.common.stats.MetricsJson.toJsonLine(bad) + "\n",
        StandardOpenOption.APPEND);
    Files.writeString(
        dir.resolve("status.json"),
        "{\"state\":\"failed\",\"reason\":\"step 61: θ is NaN/Inf\",\"step\":-1}\n");
    RunData r = read(dir);
    assertEquals(RunStatus.State.FAILED, r.status().state());
    String html = Report.of(List.of(r), java.time.Instant.EPOCH).html();
    String flags =
        html.substring(
            html.indexOf("<section id=\"flags\">"), html.indexOf("<section id=\"manifest\">"));
    for (String f : List.of("separated", "non_finite", "left_late_stage", "norm_decrease")) {
      assertTrue(flags.contains("<code>" + f + "</code>"), f + " in " + flags);
      assertTrue(flags.contains(Html.esc(HtmlReport.FLAG_MEANING.get(f))), "meaning of " + f);
    }
    assertTrue(
        flags.contains("step 61: θ is NaN/Inf") && flags.contains("<code>failed</code>"), flags);
  }

  @Test
  void aFullBatchRunShowsNInsteadOfTheUnusedBatchSizeInBothRunsTables() throws IOException {
    Path root = tmp.resolve("batches");
    SyntheticRun.write(root.resolve("full"), SyntheticRun.manifest("run-full", "full"), 5, true);
    SyntheticRun.write(root.resolve("iid"), "run-iid", 5, true);
    List<RunSummary> runs = RunLister.list(root.toString(), CONF);
    assertEquals(List.of("full", "iid"), runs.stream().map(RunSummary::id).toList());
    // SyntheticRun's manifests hold batch = 8 and train_rows = 40.
    assertEquals("40 (full)", runs.get(0).batch());
    assertEquals("8", runs.get(1).batch());

    String html =
        Report.of(
                List.of(read(root.resolve("full")), read(root.resolve("iid"))),
                java.time.Instant.EPOCH)
            .html();
    String overview =
        html.substring(html.indexOf("<section id=\"overview\">"), html.indexOf("</section>"));
    assertTrue(overview.contains("<th>n_b</th>"), overview);
    assertTrue(overview.contains("<td class=\"n\">40 (full)</td>"), overview);
    assertTrue(overview.contains("<td class=\"n\">8</td>"), overview);
    assertEquals(1, overview.split("<td class=\"n\">8</td>", -1).length - 1, overview);
  }
}

package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.spark.cli.MarginflowCli;
import io.marginflow.spark.store.SweepStore;
import io.marginflow.spark.sweep.SweepProgress;
import io.marginflow.spark.sweep.SweepRunner;
import io.marginflow.spark.sweep.SweepSpec;
import io.marginflow.spark.testing.ReportRunFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executes {@code notebooks/margin-dynamics.ipynb} headless ({@code jupyter nbconvert --execute},
 * Debian's jupyter-nbconvert, python3-ipykernel, python3-pandas, python3-matplotlib) against the
 * run the tests produce; any failing cell fails the build. The margin snapshot reaches pandas as
 * the JSON-lines export of {@code marginflow export-margins} (no Parquet reader in Debian). The
 * numbers the notebook prints are compared with the Java reader's.
 */
class NotebookIT {

  private static final Path NOTEBOOK = Path.of("..", "notebooks", "margin-dynamics.ipynb");

  @TempDir Path tmp;

  @Test
  void theNotebookRunsAgainstARealRunAndAgreesWithTheJavaReader() throws Exception {
    String jupyter = ExternalCommand.which("jupyter");
    assertNotNull(
        jupyter,
        "jupyter not found on PATH: install jupyter-nbconvert python3-ipykernel"
            + " python3-pandas python3-matplotlib (.ci/run does)");
    assertTrue(Files.isRegularFile(NOTEBOOK), NOTEBOOK.toAbsolutePath() + " missing");
    Path run = ReportRunFixture.runDir();
    Path margins = tmp.resolve("margins-300.jsonl");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        MarginflowCli.run(
            new String[] {
              "export-margins", run.toString(), "--step", "300", "--out", margins.toString()
            },
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

    Path sweepDir = smallSweep();

    Path outDir = tmp.resolve("out");
    ExternalCommand.Result r =
        ExternalCommand.run(
            List.of(
                jupyter,
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "--ExecutePreprocessor.timeout=240",
                "--output-dir",
                outDir.toString(),
                "--output",
                "executed.ipynb",
                NOTEBOOK.getFileName().toString()),
            Map.of(
                "MARGINFLOW_RUN_DIRS",
                run.toString(),
                "MARGINFLOW_MARGINS",
                margins.toString(),
                "MARGINFLOW_SWEEP_DIR",
                sweepDir.toString(),
                "MPLBACKEND",
                "Agg",
                "MPLCONFIGDIR",
                tmp.resolve("mpl").toString(),
                "PYDEVD_DISABLE_FILE_VALIDATION",
                "1",
                "JUPYTER_RUNTIME_DIR",
                tmp.resolve("jupyter-runtime").toString(),
                "IPYTHONDIR",
                tmp.resolve("ipython").toString()),
            NOTEBOOK.toAbsolutePath().getParent(),
            Duration.ofSeconds(300));
    assertEquals(0, r.code(), "a notebook cell failed:\n" + ExternalCommand.tail(r.output()));

    JsonNode nb = new ObjectMapper().readTree(outDir.resolve("executed.ipynb").toFile());
    StringBuilder printed = new StringBuilder();
    int images = 0;
    for (JsonNode cell : nb.get("cells")) {
      for (JsonNode o : cell.path("outputs")) {
        assertTrue(!o.path("output_type").asText().equals("error"), "error output: " + o);
        if (o.path("output_type").asText().equals("stream")) {
          o.path("text").forEach(t -> printed.append(t.asText()));
          if (o.path("text").isTextual()) {
            printed.append(o.path("text").asText());
          }
        }
        if (o.path("data").has("image/png")) {
          images++;
        }
      }
    }
    assertTrue(images >= 6, "plots drawn: " + images);
    List<EvalRow> train = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics/eval.jsonl"))) {
      EvalRow e = MetricsJson.parseEvalRow(line);
      if (e.split().equals("train")) {
        train.add(e);
      }
    }
    EvalRow last = train.get(train.size() - 1);
    Matcher m =
        Pattern.compile(
                "CHECK mnist01 last_step=(\\d+) last_normalized_margin=(\\S+) "
                    + "evaluations=(\\d+)")
            .matcher(printed);
    assertTrue(m.find(), "the notebook prints its check line:\n" + printed);
    assertEquals(last.step(), Long.parseLong(m.group(1)));
    assertEquals(
        last.normalizedMargin(), Double.parseDouble(m.group(2)), 0, "same double in Python");
    assertEquals(train.size(), Integer.parseInt(m.group(3)));
    Matcher s =
        Pattern.compile("CHECK snapshot_step=300 samples=(\\d+) min_margin=(\\S+)")
            .matcher(printed);
    assertTrue(s.find(), "the snapshot cell ran:\n" + printed);
    assertEquals(ReportRunFixture.TRAIN_ROWS, Integer.parseInt(s.group(1)));

    // the sweep section: the same grouping and seed median as the Java sweep report
    SweepReport sweep =
        SweepReport.of(
            List.of(sweepDir.toString()),
            new org.apache.hadoop.conf.Configuration(),
            Map.of(),
            java.time.Instant.now());
    double[] f = SweepReport.finals(sweep.groups().get(0).runs(), SweepReport.METRICS.get(0));
    Matcher w =
        Pattern.compile("CHECK sweep points=(\\d+) runs=(\\d+) first_median_final=(\\S+)")
            .matcher(printed);
    assertTrue(w.find(), "the sweep cell ran:\n" + printed);
    assertEquals(2, Integer.parseInt(w.group(1)));
    assertEquals(4, Integer.parseInt(w.group(2)));
    assertEquals(f[0], Double.parseDouble(w.group(3)), 0, "seed median of the first grid point");
  }

  /** Two grid points × two seeds of small generated-data runs, in one sweep. */
  private Path smallSweep() throws java.io.IOException {
    SweepSpec spec =
        SweepSpec.parse(
            new String[] {
              "--partitions",
              "2",
              "--batch",
              "40",
              "--steps",
              "30",
              "--eval-every",
              "10",
              "--generator-rows",
              "400",
              "--generator-features",
              "10",
              "--model",
              "mlp:10-8-1",
              "--grid",
              "step=0.5,1",
              "--seeds",
              "1-2"
            });
    Path dir = tmp.resolve("sweeps").resolve("nb");
    SweepStore store = SweepStore.create(dir.toUri(), new org.apache.hadoop.conf.Configuration());
    new SweepRunner(
            SparkFixture.spark(),
            store,
            new SweepProgress(new PrintStream(new ByteArrayOutputStream())))
        .run(spec.plan("nb", java.time.Instant.now()));
    return dir;
  }
}

package io.marginflow.service;

import static io.marginflow.service.ServiceProcess.state;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page in a real headless browser (Debian's {@code chromium}) against a real running run:
 * the run page's screenshot is not blank and shows the plot lines; the normalized-margin plot's
 * data are the run's train evaluation rows (a prefix of them while it runs, all of them at the
 * end); the state shown changes from running to stopped when the run ends. Fails if chromium is
 * missing. The sweep page of a finished sweep shows each run of its sweep.json (status, step) with
 * its last m(u), links to each run's page, whose plot is that run's rows.
 */
class ServiceBrowserIT {

  private static final String RUN =
      "model: mlp:20-16-1\nsteps: 1000000\nbatch: 50\neval-every: 50\ncheckpoint-every: 300\n"
          + "generator-rows: 800\npartitions: 2\n";

  /** A blank page has no ink; the run page has text, tables and two plots. */
  private static final double MIN_INKED = 0.02;

  /** The plot lines (blue margin, red loss) cover more than this share of the screenshot. */
  private static final double MIN_COLOURED = 0.001;

  @TempDir static Path tmp;
  static ServiceProcess svc;

  @BeforeAll
  static void start() throws Exception {
    svc = new ServiceProcess(tmp.resolve("svc"), List.of()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (svc != null) {
      svc.close();
    }
  }

  static String chromium() {
    for (String name : new String[] {"chromium", "chromium-browser", "google-chrome"}) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.isFile() && f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
    }
    return null;
  }

  /** Runs chromium on the run page; returns its stdout (the DOM with --dump-dom). */
  static String browse(String id, String what, String... more) throws Exception {
    return browsePage("runs/" + id, what, more);
  }

  /** Runs chromium on page {@code #/PAGE}; returns its stdout (the DOM with --dump-dom). */
  static String browsePage(String page, String what, String... more) throws Exception {
    String chromium = chromium();
    assertNotNull(chromium, "chromium not found on PATH: install Debian's chromium (.ci/run does)");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + tmp.resolve("profile-" + what),
                "--hide-scrollbars",
                "--window-size=1200,900",
                "--virtual-time-budget=8000"));
    cmd.addAll(List.of(more));
    cmd.add(svc.url() + "/#/" + page + "?token=" + svc.tokenText());
    Path out = tmp.resolve(what + ".out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(tmp.resolve(what + ".err").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 180 s");
    }
    assertEquals(0, p.exitValue(), Files.readString(tmp.resolve(what + ".err")));
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  static String attr(String dom, String elementId, String name) {
    Matcher tag = Pattern.compile("<[a-z]+ [^>]*id=\"" + elementId + "\"[^>]*>").matcher(dom);
    assertTrue(tag.find(), "#" + elementId + " in the page");
    Matcher a = Pattern.compile(" " + name + "=\"([^\"]*)\"").matcher(tag.group());
    return a.find() ? a.group(1) : null;
  }

  /** The page's margin plot as (step, m(u)) pairs. */
  static List<double[]> plotted(String dom) {
    String steps = attr(dom, "plot-margin", "data-steps");
    String values = attr(dom, "plot-margin", "data-values");
    assertNotNull(steps, "the plot carries its data");
    List<double[]> out = new ArrayList<>();
    if (steps.isEmpty()) {
      return out;
    }
    String[] s = steps.split(",");
    String[] v = values.split(",");
    assertEquals(s.length, v.length);
    for (int i = 0; i < s.length; i++) {
      out.add(new double[] {Double.parseDouble(s[i]), Double.parseDouble(v[i])});
    }
    return out;
  }

  /** The run's train evaluation rows as (step, normalized_margin). */
  static List<double[]> rows(String id) throws Exception {
    List<double[]> out = new ArrayList<>();
    for (String line : Files.readAllLines(svc.root.resolve(id).resolve("metrics/eval.jsonl"))) {
      JsonNode n = ServiceProcess.JSON.readTree(line);
      if (n.path("split").asText().equals("train") && n.path("normalized_margin").isNumber()) {
        out.add(new double[] {n.path("step").asDouble(), n.path("normalized_margin").asDouble()});
      }
    }
    return out;
  }

  static void assertPrefix(List<double[]> page, List<double[]> file) {
    assertTrue(
        page.size() <= file.size(), page.size() + " plotted, " + file.size() + " in the file");
    for (int i = 0; i < page.size(); i++) {
      assertEquals(file.get(i)[0], page.get(i)[0], "step of point " + i);
      assertEquals(file.get(i)[1], page.get(i)[1], "m(u) of point " + i);
    }
  }

  @Test
  void theRunPageFollowsARealRun() throws Exception {
    var r = svc.post("/api/v1/runs", RUN);
    assertEquals(201, r.statusCode(), r.body());
    String id = ServiceProcess.JSON.readTree(r.body()).path("id").asText();
    svc.awaitRun(
        id,
        n ->
            n.path("state").asText().equals("running")
                && n.path("progress").path("step").asLong() > 100,
        300,
        "running past step 100");

    String dom = browse(id, "running", "--dump-dom");
    List<double[]> page = plotted(dom);
    assertTrue(page.size() >= 2, "at least two evaluations plotted: " + page.size());
    assertPrefix(page, rows(id));
    assertEquals("running", attr(dom, "run-state", "data-state"));

    Path shot = tmp.resolve("shot.png");
    browse(id, "shot", "--screenshot=" + shot);
    BufferedImage img = ImageIO.read(shot.toFile());
    assertEquals(1200, img.getWidth());
    double[] ink = ink(img);
    assertTrue(ink[0] > MIN_INKED, "screenshot is not blank: inked fraction " + ink[0]);
    assertTrue(ink[1] > MIN_COLOURED, "plot lines drawn: coloured fraction " + ink[1]);
    Path keep = Path.of(System.getProperty("marginflow.service.screenshot", ""));
    if (!keep.toString().isEmpty()) {
      Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // the run ends (stopped through the API, so the test does not depend on the machine's speed)
    assertEquals(202, svc.post("/api/v1/runs/" + id + "/stop", "").statusCode());
    svc.awaitRun(id, state("stopped"), 300, "stopped");
    String end = browse(id, "stopped", "--dump-dom");
    assertEquals("stopped", attr(end, "run-state", "data-state"), "the state changed on the page");
    List<double[]> all = rows(id);
    List<double[]> plottedAll = plotted(end);
    assertEquals(all.size(), plottedAll.size(), "every train evaluation is plotted at the end");
    assertPrefix(plottedAll, all);
  }

  @Test
  void theSweepPageShowsTheSweepFile() throws Exception {
    String sweep =
        "model: mlp:20-8-1\nsteps: 200\nbatch: 50\neval-every: 50\ngenerator-rows: 400\n"
            + "partitions: 2\nparallel: 2\ngrid:\n  step: [0.5, 1.0]\nseeds: [3]\n";
    var r = svc.post("/api/v1/sweeps", sweep);
    assertEquals(201, r.statusCode(), r.body());
    String id = ServiceProcess.JSON.readTree(r.body()).path("id").asText();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(400);
    JsonNode d = null;
    while (System.nanoTime() < deadline) {
      d = ServiceProcess.JSON.readTree(svc.get("/api/v1/sweeps/" + id).body());
      if (d.path("state").asText().equals("finished")) {
        break;
      }
      Thread.sleep(1000);
    }
    assertEquals("finished", d.path("state").asText(), d + "\n" + svc.driverLog(id));

    String dom = browsePage("sweeps/" + id, "sweep", "--dump-dom");
    assertEquals("finished", attr(dom, "sweep-state", "data-state"));
    JsonNode file =
        ServiceProcess.JSON.readTree(Files.readString(svc.root.resolve(id).resolve("sweep.json")));
    assertEquals(Integer.toString(file.path("runs").size()), attr(dom, "sweep-runs", "data-runs"));
    for (JsonNode run : file.path("runs")) {
      String rid = run.path("id").asText();
      Matcher row =
          Pattern.compile("<tr [^>]*data-id=\"" + Pattern.quote(rid) + "\"[^>]*>").matcher(dom);
      assertTrue(row.find(), "row of " + rid + " on the sweep page");
      String tr = row.group();
      assertTrue(tr.contains("data-status=\"" + run.path("status").asText() + "\""), tr);
      assertTrue(tr.contains("data-step=\"" + run.path("step").asLong() + "\""), tr);
      List<String> evals =
          Files.readAllLines(svc.root.resolve(id).resolve(rid).resolve("metrics/eval.jsonl"));
      double last = Double.NaN;
      for (String line : evals) {
        JsonNode n = ServiceProcess.JSON.readTree(line);
        if (n.path("split").asText().equals("train") && n.path("normalized_margin").isNumber()) {
          last = n.path("normalized_margin").asDouble();
        }
      }
      Matcher m = Pattern.compile("data-margin=\"([^\"]*)\"").matcher(tr);
      assertTrue(m.find(), tr);
      assertEquals(last, Double.parseDouble(m.group(1)), "last m(u) of " + rid);
    }
    for (JsonNode run : file.path("runs")) {
      String href = "#/sweeps/" + id + "/runs/" + run.path("id").asText().replace("=", "%3D");
      assertTrue(dom.contains("href=\"" + href + "\""), "link to the page of " + href);
    }

    Path shot = tmp.resolve("sweep.png");
    browsePage("sweeps/" + id, "sweep-shot", "--screenshot=" + shot);
    double[] ink = ink(ImageIO.read(shot.toFile()));
    assertTrue(ink[0] > MIN_INKED / 4, "sweep page screenshot is not blank: " + ink[0]);
    Path keep = Path.of(System.getProperty("marginflow.service.sweep-screenshot", ""));
    if (!keep.toString().isEmpty()) {
      Files.copy(shot, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // a run of the sweep on its own page: the plot is its rows
    String rid = file.path("runs").get(1).path("id").asText();
    String runDom = browsePage("sweeps/" + id + "/runs/" + rid, "sweep-run", "--dump-dom");
    List<double[]> page = plotted(runDom);
    List<double[]> rows = new ArrayList<>();
    for (String line :
        Files.readAllLines(svc.root.resolve(id).resolve(rid).resolve("metrics/eval.jsonl"))) {
      JsonNode n = ServiceProcess.JSON.readTree(line);
      if (n.path("split").asText().equals("train") && n.path("normalized_margin").isNumber()) {
        rows.add(new double[] {n.path("step").asDouble(), n.path("normalized_margin").asDouble()});
      }
    }
    assertEquals(rows.size(), page.size());
    assertPrefix(page, rows);
  }

  /** Fractions of pixels that are not near-white, and that are saturated (plot colours). */
  static double[] ink(BufferedImage img) {
    long inked = 0;
    long coloured = 0;
    long n = (long) img.getWidth() * img.getHeight();
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        if (max < 235) {
          inked++;
        }
        if (max - min > 80) {
          coloured++;
        }
      }
    }
    return new double[] {(double) inked / n, (double) coloured / n};
  }
}

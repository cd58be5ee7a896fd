package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.testing.ReportRunFixture;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report of the real run ({@link ReportRunFixture}) opens in a real headless browser (Debian's
 * {@code chromium}, installed by {@code .ci/run}) and the screenshot shows the page: mostly text on
 * white with coloured chart lines, not a blank or an error page. Fails if chromium is missing.
 */
class ReportBrowserIT {

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 3000;

  /** A blank page has no ink; the report's first screen is tables, text and two charts. */
  private static final double MIN_INKED = 0.02;

  /** The chart lines (palette colours) cover well over this share of the first screen. */
  private static final double MIN_COLOURED = 0.002;

  @TempDir Path tmp;

  @Test
  void theReportRendersInHeadlessChromium() throws Exception {
    String chromium = ExternalCommand.which("chromium", "chromium-browser", "google-chrome");
    assertNotNull(chromium, "chromium not found on PATH: install Debian's chromium (.ci/run does)");
    Path html = tmp.resolve("report.html");
    Report.of(
            List.of(ReportRunFixture.runDir().toString()),
            new Configuration(),
            RunReader.Options.DEFAULTS)
        .write(html.toString(), new Configuration());
    Path shot = tmp.resolve("shot.png");
    ExternalCommand.Result r =
        ExternalCommand.run(
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
                "--user-data-dir=" + tmp.resolve("profile"),
                "--hide-scrollbars",
                "--window-size=" + WIDTH + "," + HEIGHT,
                "--screenshot=" + shot,
                html.toUri().toString()),
            Map.of(),
            tmp,
            Duration.ofSeconds(120));
    assertEquals(0, r.code(), "chromium failed:\n" + ExternalCommand.tail(r.output()));
    assertTrue(Files.size(shot) > 10_000, "screenshot written: " + Files.size(shot) + " bytes");
    BufferedImage img = ImageIO.read(shot.toFile());
    assertEquals(WIDTH, img.getWidth());
    assertEquals(HEIGHT, img.getHeight());
    double inked = Images.inkedFraction(img);
    double coloured = Images.colouredFraction(img);
    assertTrue(inked > MIN_INKED, "screenshot is not blank: inked fraction " + inked);
    assertTrue(coloured > MIN_COLOURED, "charts are drawn: coloured fraction " + coloured);
  }
}

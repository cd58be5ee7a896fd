package io.marginflow.bench.suite;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Collects the suite's Markdown output, logs it as it grows and writes it to a file at the end. */
public final class Report {
  private static final Logger LOG = LoggerFactory.getLogger(Report.class);
  private final StringBuilder text = new StringBuilder();

  /** Appends a Markdown line (or block) and logs it. */
  public void line(String s) {
    text.append(s).append('\n');
    LOG.info("{}", s);
  }

  /** Appends a formatted line. */
  public void linef(String fmt, Object... args) {
    line(String.format(Locale.ROOT, fmt, args));
  }

  /** Appends a table header and its separator line. */
  public void tableHeader(String header) {
    line(header);
    line(header.replaceAll("[^|]+", "---"));
  }

  /** The one-minute load average, as a string. */
  public static String loadAverage() {
    return String.format(
        Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** The text so far. */
  public String text() {
    return text.toString();
  }

  /** Writes the text to {@code file}. */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}

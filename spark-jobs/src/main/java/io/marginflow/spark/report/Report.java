package io.marginflow.spark.report;

import io.marginflow.spark.store.UserFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code marginflow report}: reads run directories ({@link RunReader}), builds the charts ({@link
 * ReportCharts}), draws them ({@link ChartRenderer}) and writes one self-contained HTML file
 * ({@link HtmlReport}).
 *
 * @param runs the runs read, with unique labels
 * @param sections the chart sections
 * @param html the document
 */
public record Report(List<RunData> runs, List<ReportCharts.Section> sections, String html) {

  /** Builds the report of the given run directories (URIs or local paths), in order. */
  public static Report of(List<String> dirs, Configuration conf, RunReader.Options options)
      throws IOException {
    if (dirs.isEmpty()) {
      throw new IllegalArgumentException("report: expected at least one run directory");
    }
    List<RunData> runs = new ArrayList<>();
    for (String d : dirs) {
      runs.add(RunReader.read(d, conf, options));
    }
    return of(runs, Instant.now());
  }

  /** Builds the report of runs already read; labels are made unique ("name #2"). */
  public static Report of(List<RunData> runs, Instant generatedAt) {
    List<RunData> labelled = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (RunData r : runs) {
      int k = seen.merge(r.label(), 1, Integer::sum);
      labelled.add(k == 1 ? r : r.withLabel(r.label() + " #" + k));
    }
    List<ReportCharts.Section> sections = ReportCharts.build(labelled);
    String html = HtmlReport.html(labelled, sections, ChartRenderer::png, generatedAt);
    return new Report(labelled, sections, html);
  }

  /** Number of charts drawn. */
  public int charts() {
    return sections.stream().mapToInt(s -> s.charts().size()).sum();
  }

  /**
   * Writes the HTML to {@code out} (a URI or a local path), replacing it. Returns the full path.
   */
  public Path write(String out, Configuration conf) throws IOException {
    Path p = RunReader.qualify(out, conf);
    try (OutputStream o = UserFiles.create(p, conf)) {
      o.write(html.getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }
}

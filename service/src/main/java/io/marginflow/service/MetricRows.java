package io.marginflow.service;

import io.marginflow.spark.report.RunReader;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Serves a run's metric files ({@code metrics/eval.jsonl}, {@code metrics/steps.jsonl}) by row
 * number for live plots. Keeps, per file, the byte offset of every complete row seen so far and
 * extends it from where it stopped, so that polling from row N reads only the new bytes. Only
 * complete lines (ending in a newline) are rows; a file that shrank (a resumed run truncated its
 * metrics to the checkpoint) is indexed again.
 */
public final class MetricRows {

  /** The two files, by API name. */
  public static final Map<String, String> FILES =
      Map.of("eval", "metrics/eval.jsonl", "steps", "metrics/steps.jsonl");

  /** Rows returned by one call at most. */
  public static final int MAX_ROWS = 20_000;

  private final Configuration conf;
  private final Map<String, Index> indexes = new ConcurrentHashMap<>();

  /**
   * Rows {@code [from, next)} of a file.
   *
   * @param from the first row asked for
   * @param next the row to ask for next
   * @param total complete rows in the file now
   * @param lines the rows' JSON lines
   */
  public record Rows(long from, long next, long total, List<String> lines) {}

  /** A reader using {@code conf} for the run directories' file systems. */
  public MetricRows(Configuration conf) {
    this.conf = conf;
  }

  /** Rows from {@code from} (at most {@code limit}) of {@code file} ("eval" or "steps"). */
  public Rows read(URI runDir, String file, long from, int limit) throws IOException {
    String rel = FILES.get(file);
    if (rel == null) {
      throw ApiException.badRequest("file", "expected eval or steps, got '" + file + "'");
    }
    if (from < 0) {
      throw ApiException.badRequest("from", "expected a row number ≥ 0, got " + from);
    }
    Path p = new Path(new Path(runDir), rel);
    Index idx = indexes.computeIfAbsent(p.toString(), k -> new Index());
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      return new Rows(from, from, 0, List.of());
    }
    synchronized (idx) {
      long len = RunReader.visibleLength(fs, p, fs.getFileStatus(p).getLen());
      idx.extend(fs, p, len);
      long total = idx.rows();
      long end = Math.min(total, from + Math.max(0, Math.min(limit, MAX_ROWS)));
      if (from >= end) {
        return new Rows(from, from, total, List.of());
      }
      long a = idx.starts[(int) from];
      long b = idx.ends[(int) end - 1];
      byte[] buf = new byte[(int) (b - a)];
      try (FSDataInputStream in = fs.open(p)) {
        in.readFully(a, buf);
      }
      List<String> lines = new ArrayList<>((int) (end - from));
      for (int i = (int) from; i < end; i++) {
        lines.add(
            new String(
                buf,
                (int) (idx.starts[i] - a),
                (int) (idx.ends[i] - idx.starts[i]),
                StandardCharsets.UTF_8));
      }
      return new Rows(from, end, total, lines);
    }
  }

  /** Offsets of the complete rows of one file. */
  private static final class Index {
    long[] starts = new long[64];
    long[] ends = new long[64];
    int count;
    long scanned; // bytes of the file indexed (up to the end of the last complete row)

    long rows() {
      return count;
    }

    void extend(FileSystem fs, Path p, long len) throws IOException {
      if (len < scanned) {
        count = 0;
        scanned = 0;
      }
      if (len == scanned) {
        return;
      }
      byte[] buf = new byte[(int) Math.min(Integer.MAX_VALUE - 16, len - scanned)];
      try (FSDataInputStream in = fs.open(p)) {
        in.readFully(scanned, buf);
      }
      long lineStart = scanned;
      for (int i = 0; i < buf.length; i++) {
        if (buf[i] == '\n') {
          long end = scanned + i;
          if (end > lineStart) {
            add(lineStart, end);
          }
          lineStart = end + 1;
        }
      }
      scanned = lineStart;
    }

    private void add(long start, long end) {
      if (count == starts.length) {
        starts = java.util.Arrays.copyOf(starts, count * 2);
        ends = java.util.Arrays.copyOf(ends, count * 2);
      }
      starts[count] = start;
      ends[count] = end;
      count++;
    }
  }
}

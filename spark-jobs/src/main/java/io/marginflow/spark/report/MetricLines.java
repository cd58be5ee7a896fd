package io.marginflow.spark.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marginflow.common.format.FormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads a JSONL metric file ({@code metrics/steps.jsonl}, {@code metrics/eval.jsonl}) that may
 * still be growing: only the first {@code length} bytes are read (a consistent prefix even while
 * the job appends), and a last line that is not complete JSON — the writer was interrupted or is
 * still writing it — is skipped with a warning instead of failing. Any other bad line (malformed
 * JSON before the end, a missing field, an unsupported {@code schema}) is an error naming the file
 * and line.
 *
 * <p>Files with more than {@code maxRows} lines are thinned while parsing: the first quarter of the
 * budget is kept whole (the early steps a log axis spreads out), then every {@code s}-th line, and
 * always the last line.
 */
public final class MetricLines {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private MetricLines() {}

  /** Opens the file from its start (called twice: once to count lines, once to parse). */
  @FunctionalInterface
  public interface Source {
    /** A fresh stream positioned at byte 0. */
    InputStream open() throws IOException;
  }

  /**
   * Parsed rows and the warnings raised while reading them.
   *
   * @param rows the rows, in file order
   * @param lines the number of lines in the file prefix (before thinning)
   * @param warnings human-readable warnings (e.g. a skipped incomplete last line)
   */
  public record Parsed<T>(List<T> rows, long lines, List<String> warnings) {

    /** Copies the lists. */
    public Parsed {
      rows = List.copyOf(rows);
      warnings = List.copyOf(warnings);
    }
  }

  /**
   * Reads and parses the first {@code length} bytes.
   *
   * @param name the file's name in messages (e.g. {@code hdfs://nn/runs/r1/metrics/eval.jsonl})
   * @param parser parses one line; throws IllegalArgumentException on a bad line
   * @param maxRows the most rows to keep (≥ 16)
   * @throws FormatException for a bad line that is not an incomplete last line
   */
  public static <T> Parsed<T> read(
      Source source, long length, String name, Function<String, T> parser, int maxRows)
      throws IOException {
    if (length < 0 || maxRows < 16) {
      throw new IllegalArgumentException(
          "length ≥ 0 and maxRows ≥ 16 expected, got " + length + ", " + maxRows);
    }
    LineCount count = count(source, length);
    long stride = 1;
    long head = count.lines;
    if (count.lines > maxRows) {
      head = maxRows / 4;
      stride = (count.lines - head + (maxRows - head) - 1) / (maxRows - head); // ceil
    }
    List<T> rows = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    if (stride > 1) {
      warnings.add(
          name
              + ": "
              + count.lines
              + " lines; every "
              + stride
              + "th line after the first "
              + head
              + " is used");
    }
    try (InputStream in = source.open();
        BufferedReader r =
            new BufferedReader(
                new InputStreamReader(new Prefix(in, length), StandardCharsets.UTF_8), 1 << 16)) {
      String line;
      long index = 0;
      while ((line = r.readLine()) != null) {
        long i = index++;
        boolean last = i == count.lines - 1;
        if (line.isBlank() || !(i < head || (i - head) % stride == 0 || last)) {
          continue;
        }
        try {
          rows.add(parser.apply(line));
        } catch (IllegalArgumentException e) {
          if (last && !isJson(line)) {
            warnings.add(
                name
                    + " line "
                    + (i + 1)
                    + ": incomplete last line ("
                    + (count.terminated ? "" : "no newline, ")
                    + line.length()
                    + " characters) skipped; the run may still be writing it");
          } else {
            throw new FormatException(name + " line " + (i + 1) + ": " + e.getMessage(), e);
          }
        }
      }
    }
    return new Parsed<>(rows, count.lines, warnings);
  }

  /** Reads and parses a whole in-memory file (tests, small files). */
  public static <T> Parsed<T> read(byte[] content, String name, Function<String, T> parser)
      throws IOException {
    return read(
        () -> new java.io.ByteArrayInputStream(content),
        content.length,
        name,
        parser,
        Integer.MAX_VALUE);
  }

  private static boolean isJson(String line) {
    try {
      MAPPER.readTree(line);
      return true;
    } catch (JsonProcessingException e) {
      return false;
    }
  }

  private record LineCount(long lines, boolean terminated) {}

  private static LineCount count(Source source, long length) throws IOException {
    long newlines = 0;
    int lastByte = -1;
    try (InputStream in = new Prefix(source.open(), length)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            newlines++;
          }
        }
        lastByte = buf[n - 1];
      }
    }
    boolean terminated = lastByte == -1 || lastByte == '\n';
    return new LineCount(newlines + (terminated ? 0 : 1), terminated);
  }

  /** At most the first {@code limit} bytes of a stream. */
  private static final class Prefix extends java.io.FilterInputStream {
    private long left;

    Prefix(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        left--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}

package io.marginflow.spark.report;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes a {@link MarginSnapshot} as JSON lines ({@code {"row":…,"label":…,"margin":…,"lambda":…}},
 * one sample per line) or CSV (header {@code row,label,margin,lambda}), sorted by row index, so
 * that tools without a Parquet reader (pandas without pyarrow) can load it. Doubles are written
 * with {@link Double#toString} digits, which read back to the same double; a non-finite value is
 * {@code null} in JSON lines and {@code NaN}/{@code Infinity}/{@code -Infinity} in CSV.
 */
public final class MarginExport {

  /** The output formats. */
  public enum Format {
    /** One JSON object per line. */
    JSONL,
    /** Comma-separated values with a header. */
    CSV;

    /** The format named {@code jsonl} or {@code csv}. */
    public static Format parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "jsonl", "json" -> JSONL;
        case "csv" -> CSV;
        default ->
            throw new IllegalArgumentException("format: expected jsonl|csv, got '" + name + "'");
      };
    }

    /** CSV for a name ending in {@code .csv} (also {@code .csv.gz} etc.), else JSON lines. */
    public static Format forFileName(String name) {
      return name.toLowerCase(Locale.ROOT).matches(".*\\.csv(\\.[a-z0-9]+)?") ? CSV : JSONL;
    }
  }

  private MarginExport() {}

  /** Writes the snapshot to {@code out} (which is flushed, not closed). */
  public static void write(MarginSnapshot s, Format format, OutputStream out) throws IOException {
    Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
    if (format == Format.CSV) {
      w.write("row,label,margin,lambda\n");
    }
    for (int i = 0; i < s.size(); i++) {
      if (format == Format.CSV) {
        w.write(Long.toString(s.row()[i]));
        w.write(',');
        w.write(Double.toString(s.label()[i]));
        w.write(',');
        w.write(Double.toString(s.margin()[i]));
        w.write(',');
        w.write(Double.toString(s.lambda()[i]));
      } else {
        w.write("{\"row\":");
        w.write(Long.toString(s.row()[i]));
        w.write(",\"label\":");
        w.write(json(s.label()[i]));
        w.write(",\"margin\":");
        w.write(json(s.margin()[i]));
        w.write(",\"lambda\":");
        w.write(json(s.lambda()[i]));
        w.write('}');
      }
      w.write('\n');
    }
    w.flush();
  }

  private static String json(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "null";
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.io.CsvLineParser;
import io.marginflow.common.io.LibsvmLineParser;
import io.marginflow.common.io.ParsedRow;
import java.io.Serializable;

/**
 * An input format as shipped to executors: LIBSVM or CSV, with the declared feature count (LIBSVM:
 * 0 during the scan pass means "accept any index"), and how many header lines to skip; or Parquet
 * (not line-oriented: read by {@link ParquetIngest}) with its label and feature columns.
 *
 * @param kind {@code libsvm}, {@code csv} or {@code parquet}
 * @param features declared features (libsvm; 0 = unknown yet) or CSV feature columns
 * @param csvLabelColumn CSV label column (−1: last)
 * @param headerLines lines to skip at the top of each file
 * @param parquet Parquet: the label and feature columns (ignored by the line formats)
 */
public record LineFormat(
    String kind, int features, int csvLabelColumn, int headerLines, ParquetColumns parquet)
    implements Serializable {

  /** Largest index accepted while the feature count is still unknown (scan pass). */
  static final int UNBOUNDED_FEATURES = Integer.MAX_VALUE - 8;

  /** Validates the fields. */
  public LineFormat {
    if (!kind.equals("libsvm") && !kind.equals("csv") && !kind.equals("parquet")) {
      throw new IllegalArgumentException(
          "format: expected libsvm, csv or parquet, got '" + kind + "'");
    }
    if (parquet == null) {
      throw new IllegalArgumentException("parquet columns must not be null");
    }
    if (features < 0 || headerLines < 0) {
      throw new IllegalArgumentException("features and headerLines must be ≥ 0");
    }
  }

  /** A line format (LIBSVM or CSV); Parquet columns at their defaults. */
  public LineFormat(String kind, int features, int csvLabelColumn, int headerLines) {
    this(kind, features, csvLabelColumn, headerLines, ParquetColumns.DEFAULT);
  }

  /** The input format of a run's data settings with {@code features} declared (0: unknown). */
  public static LineFormat of(
      io.marginflow.common.config.TrainConfig.DataSettings data, int features) {
    return new LineFormat(
        data.format(),
        features,
        data.csvLabelColumn(),
        data.csvHeader() ? 1 : 0,
        new ParquetColumns(data.labelColumn(), data.featureColumns()));
  }

  /** True for Parquet input (not line-oriented). */
  public boolean isParquet() {
    return kind.equals("parquet");
  }

  /** The same format with the feature count fixed. */
  public LineFormat withFeatures(int f) {
    return new LineFormat(kind, f, csvLabelColumn, headerLines, parquet);
  }

  /** A parser for this format (one per task). */
  public Parser parser() {
    if (isParquet()) {
      throw new IllegalStateException("parquet is not a line format");
    }
    if (kind.equals("libsvm")) {
      LibsvmLineParser p = new LibsvmLineParser(features == 0 ? UNBOUNDED_FEATURES : features);
      return p::parse;
    }
    if (features == 0) {
      CsvProbe probe = new CsvProbe(csvLabelColumn);
      return probe::parse;
    }
    CsvLineParser p = new CsvLineParser(features, csvLabelColumn, ',');
    return p::parse;
  }

  /**
   * A parser for the scan pass: it accepts and refuses exactly as {@link #parser} and gives the
   * same labels, indices and counts, but LIBSVM feature values are only checked, not all converted.
   */
  public Parser validator() {
    if (kind.equals("libsvm")) {
      LibsvmLineParser p =
          LibsvmLineParser.validator(features == 0 ? UNBOUNDED_FEATURES : features);
      return p::parse;
    }
    return parser();
  }

  /** Parses one line; false for a blank line. */
  @FunctionalInterface
  public interface Parser {
    /** Parses {@code line} of {@code file} into {@code out}. */
    boolean parse(CharSequence line, String file, long lineNumber, ParsedRow out);
  }

  /** CSV with the column count taken from the first data line of each file (scan pass only). */
  private static final class CsvProbe {
    private final int labelColumn;
    private CsvLineParser parser;

    CsvProbe(int labelColumn) {
      this.labelColumn = labelColumn;
    }

    boolean parse(CharSequence line, String file, long lineNumber, ParsedRow out) {
      if (parser == null) {
        if (line.toString().isBlank()) {
          return false;
        }
        int cols = line.toString().split(",", -1).length;
        parser = new CsvLineParser(Math.max(1, cols - 1), labelColumn, ',');
      }
      return parser.parse(line, file, lineNumber, out);
    }
  }
}

package io.marginflow.common.io;

import java.io.Serializable;

/**
 * Parses one delimited text line (CSV, TSV) holding {@code features} numeric columns and one label
 * column into a {@link ParsedRow}. Header lines are the reader's business, not this parser's.
 *
 * <p>Each field may carry surrounding spaces or tabs (unless the separator is a tab, then spaces
 * only); a trailing {@code \r} is ignored. The label uses the tokens of {@link LabelParser}.
 * Feature j (0-based, counting columns left to right without the label column) is stored only when
 * it is non-zero, so the row is sparse like a LIBSVM row. Quoted fields are not supported.
 *
 * <p>Refused with a {@link DataFormatException}: a wrong number of columns, an empty field, a bad
 * label, a non-numeric, NaN or infinite value. Stateless apart from its configuration.
 */
public final class CsvLineParser implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int features;
  private final int labelColumn;
  private final char sep;

  /**
   * @param features number of feature columns p (the line has p + 1 columns)
   * @param labelColumn 0-based column of the label in [0, p], or −1 for the last column
   * @param sep field separator, e.g. {@code ','} or {@code '\t'}
   */
  public CsvLineParser(int features, int labelColumn, char sep) {
    if (features <= 0) {
      throw new IllegalArgumentException("features must be > 0, got " + features);
    }
    if (labelColumn < -1 || labelColumn > features) {
      throw new IllegalArgumentException(
          "labelColumn must be -1 (last) or in [0, " + features + "], got " + labelColumn);
    }
    CsvOptions.checkSeparator(sep);
    this.features = features;
    this.labelColumn = labelColumn == -1 ? features : labelColumn;
    this.sep = sep;
  }

  /** Number of feature columns. */
  public int features() {
    return features;
  }

  /** 0-based label column (resolved: never −1). */
  public int labelColumn() {
    return labelColumn;
  }

  /**
   * Parses {@code line} into {@code out} (cleared first).
   *
   * @return false for a blank or whitespace-only line (skip it), true when {@code out} holds a row
   * @throws DataFormatException on any malformed content
   */
  public boolean parse(CharSequence line, String file, long lineNumber, ParsedRow out) {
    out.clear();
    int n = line.length();
    int first = skipBlank(line, 0, n);
    if (first == n) {
      return false;
    }
    int column = 0;
    int feature = 0;
    int start = 0;
    boolean labelSeen = false;
    while (true) {
      int end = start;
      while (end < n && line.charAt(end) != sep) {
        end++;
      }
      if (column > features) {
        throw new DataFormatException(
            file,
            lineNumber,
            "expected "
                + (features + 1)
                + " columns, got more"
                + DataFormatException.got(line, 0, n));
      }
      int a = skipBlank(line, start, end);
      int b = end;
      while (b > a && isBlank(line.charAt(b - 1))) {
        b--;
      }
      if (a == b) {
        throw new DataFormatException(
            file,
            lineNumber,
            "empty field in column " + (column + 1) + DataFormatException.got(line, 0, n));
      }
      if (column == labelColumn) {
        double label = LabelParser.parse(line, a, b, file, lineNumber);
        out.setLabel(label, LabelParser.isZeroToken(line, a, b));
        labelSeen = true;
      } else {
        double v;
        try {
          v = DecimalParser.parseFinite(line, a, b, file, lineNumber, "value", a, b);
        } catch (DataFormatException e) {
          throw new DataFormatException(
              file, lineNumber, "column " + (column + 1) + ": " + e.detail());
        }
        if (v != 0.0) {
          out.append(feature, v);
        }
        feature++;
      }
      column++;
      if (end == n) {
        break;
      }
      start = end + 1;
    }
    if (column != features + 1 || !labelSeen) {
      throw new DataFormatException(
          file,
          lineNumber,
          "expected "
              + (features + 1)
              + " columns, got "
              + column
              + DataFormatException.got(line, 0, n));
    }
    return true;
  }

  private boolean isBlank(char c) {
    return c != sep && LibsvmLineParser.isSpace(c);
  }

  private int skipBlank(CharSequence s, int i, int n) {
    while (i < n && isBlank(s.charAt(i))) {
      i++;
    }
    return i;
  }
}

package io.marginflow.common.io;

import java.io.Serializable;

/**
 * Parses one LIBSVM text line, {@code label idx:value idx:value ...}, into a {@link ParsedRow}.
 *
 * <p>Accepted: any label token of {@link LabelParser}; 1-based strictly increasing indices in
 * {@code [1, declaredFeatures]}, stored 0-based; decimal values including exponent form ({@code
 * 9.86E-02}); tokens separated by spaces or tabs; leading and trailing whitespace (and a trailing
 * {@code \r}); a label with no features (an all-zero row). Explicit zeros ({@code 13:0.0}) are kept
 * as stored entries, as in the file.
 *
 * <p>Refused with a {@link DataFormatException} naming file, line and token: a bad label, index 0,
 * a negative index, an index above the declared count, repeated or decreasing indices, NaN or
 * infinite values (and values overflowing double), and anything else that is not {@code
 * digits:number} ({@code abc}, {@code 3:}, {@code :4}, {@code 3:x}, {@code qid:1}, comments).
 *
 * <p>Line-level and file-independent so that a Spark partition can reuse it; stateless apart from
 * the declared feature count, so one instance may be shared by threads (each with its own {@link
 * ParsedRow}). Allocates nothing on well-formed lines except for rare numbers outside the fast path
 * of the decimal parser.
 */
public final class LibsvmLineParser implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int declaredFeatures;
  private final boolean exactValues;

  /**
   * @param declaredFeatures number of features p; indices must lie in [1, p]
   */
  public LibsvmLineParser(int declaredFeatures) {
    this(declaredFeatures, true);
  }

  private LibsvmLineParser(int declaredFeatures, boolean exactValues) {
    if (declaredFeatures <= 0) {
      throw new IllegalArgumentException("declaredFeatures must be > 0, got " + declaredFeatures);
    }
    this.declaredFeatures = declaredFeatures;
    this.exactValues = exactValues;
  }

  /**
   * A parser that validates exactly as this one (the same lines accepted, the same errors, the same
   * label, indices and non-zero count) but leaves out the exact decimal-to-double conversion of
   * values outside the fast path (such values come out as 0.0): for a scan pass that only checks
   * and counts, at about half the cost on full-precision data.
   */
  public static LibsvmLineParser validator(int declaredFeatures) {
    return new LibsvmLineParser(declaredFeatures, false);
  }

  /** The declared feature count. */
  public int declaredFeatures() {
    return declaredFeatures;
  }

  /**
   * Parses {@code line} into {@code out} (cleared first).
   *
   * @param file source name for error messages
   * @param lineNumber 1-based line number for error messages
   * @return false for a blank or whitespace-only line (skip it; {@code out} is left cleared), true
   *     when {@code out} holds a row
   * @throws DataFormatException on any malformed content
   */
  public boolean parse(CharSequence line, String file, long lineNumber, ParsedRow out) {
    out.clear();
    int n = line.length();
    int i = skipSpace(line, 0, n);
    if (i == n) {
      return false;
    }
    int labelEnd = skipToken(line, i, n);
    double label = LabelParser.parse(line, i, labelEnd, file, lineNumber);
    out.setLabel(label, LabelParser.isZeroToken(line, i, labelEnd));
    int previous = 0; // last 1-based index
    i = skipSpace(line, labelEnd, n);
    while (i < n) {
      int tokenEnd = skipToken(line, i, n);
      int colon = -1;
      for (int k = i; k < tokenEnd; k++) {
        if (line.charAt(k) == ':') {
          colon = k;
          break;
        }
      }
      if (colon < 0) {
        throw bad(line, file, lineNumber, "expected index:value", i, tokenEnd);
      }
      int index = parseIndex(line, i, colon, tokenEnd, file, lineNumber);
      if (index <= previous) {
        String what =
            index == previous
                ? "repeated index " + index
                : "indices must increase strictly, " + index + " after " + previous;
        throw bad(line, file, lineNumber, what, i, tokenEnd);
      }
      if (colon + 1 == tokenEnd) {
        throw bad(line, file, lineNumber, "missing value after ':'", i, tokenEnd);
      }
      double value =
          exactValues
              ? DecimalParser.parseFinite(
                  line, colon + 1, tokenEnd, file, lineNumber, "feature value", i, tokenEnd)
              : DecimalParser.checkFinite(
                  line, colon + 1, tokenEnd, file, lineNumber, "feature value", i, tokenEnd);
      out.append(index - 1, value);
      previous = index;
      i = skipSpace(line, tokenEnd, n);
    }
    return true;
  }

  private int parseIndex(
      CharSequence line, int start, int colon, int tokenEnd, String file, long lineNumber) {
    if (start == colon) {
      throw bad(line, file, lineNumber, "missing index before ':'", start, tokenEnd);
    }
    if (line.charAt(start) == '-') {
      throw bad(line, file, lineNumber, "negative index", start, tokenEnd);
    }
    long index = 0;
    for (int k = start; k < colon; k++) {
      char c = line.charAt(k);
      if (c < '0' || c > '9') {
        throw bad(line, file, lineNumber, "index is not a positive integer", start, tokenEnd);
      }
      if (index <= declaredFeatures) { // stop growing once too large; cannot overflow
        index = index * 10 + (c - '0');
      }
    }
    if (index == 0) {
      throw bad(
          line, file, lineNumber, "index 0 is not allowed, indices are 1-based", start, tokenEnd);
    }
    if (index > declaredFeatures) {
      throw bad(
          line,
          file,
          lineNumber,
          "index above the declared feature count " + declaredFeatures,
          start,
          tokenEnd);
    }
    return (int) index;
  }

  private static DataFormatException bad(
      CharSequence line, String file, long lineNumber, String what, int start, int end) {
    return new DataFormatException(
        file, lineNumber, what + DataFormatException.got(line, start, end));
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\u000B';
  }

  private static int skipSpace(CharSequence s, int i, int n) {
    while (i < n && isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int skipToken(CharSequence s, int i, int n) {
    while (i < n && !isSpace(s.charAt(i))) {
      i++;
    }
    return i;
  }
}

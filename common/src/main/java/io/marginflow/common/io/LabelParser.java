package io.marginflow.common.io;

/**
 * Turns a label token into −1.0 or +1.0. Accepted tokens, and nothing else:
 *
 * <ul>
 *   <li>positive: {@code +1}, {@code 1}, {@code 1.0}, {@code +1.0};
 *   <li>negative: {@code -1}, {@code -1.0}, and the 0 of the 0/1 convention: {@code 0}, {@code
 *       0.0}.
 * </ul>
 *
 * <p>{@code 0.0}/{@code 1.0} are what Spark's {@code saveAsLibSVMFile} writes. Any other token
 * ({@code 2}, {@code -0}, {@code 1e0}, {@code yes}) raises a {@link DataFormatException} naming the
 * token, so that a multi-class file is never read silently as binary.
 */
public final class LabelParser {

  private LabelParser() {}

  /** The label of {@code token}; throws {@link DataFormatException} for any other token. */
  public static double parse(String token, String file, long line) {
    return parse(token, 0, token.length(), file, line);
  }

  /** The label of the token {@code s[start, end)}; allocates nothing unless it throws. */
  public static double parse(CharSequence s, int start, int end, String file, long line) {
    double v = labelOrNaN(s, start, end);
    if (Double.isNaN(v)) {
      throw new DataFormatException(
          file,
          line,
          "bad label, expected one of +1, 1, 1.0, +1.0, -1, -1.0, 0, 0.0"
              + DataFormatException.got(s, start, end));
    }
    return v;
  }

  /**
   * The label of a numeric label value (a Parquet label column): the values of the accepted tokens
   * map as the tokens do, 1 → +1, −1 → −1 and the 0 of the 0/1 convention → −1; any other value (2,
   * 0.5, NaN) raises a {@link DataFormatException} naming {@code file} and 1-based {@code row}.
   */
  public static double ofValue(double v, String file, long row, String column) {
    if (v == 1.0 || v == -1.0) {
      return v;
    }
    if (v == 0.0) {
      return -1.0;
    }
    throw new DataFormatException(
        file,
        row,
        "bad label in column '" + column + "', expected one of 1, -1, 0 (got " + v + ")");
  }

  /** True when {@code s[start, end)} is the token {@code 0} or {@code 0.0}. */
  static boolean isZeroToken(CharSequence s, int start, int end) {
    return s.charAt(start) == '0';
  }

  private static double labelOrNaN(CharSequence s, int start, int end) {
    int i = start;
    double sign = 1.0;
    boolean explicitSign = false;
    if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      sign = s.charAt(i) == '-' ? -1.0 : 1.0;
      explicitSign = true;
      i++;
    }
    if (i >= end) {
      return Double.NaN;
    }
    char d = s.charAt(i);
    if (d != '0' && d != '1') {
      return Double.NaN;
    }
    i++;
    // optional ".0"
    if (i < end) {
      if (end - i != 2 || s.charAt(i) != '.' || s.charAt(i + 1) != '0') {
        return Double.NaN;
      }
    }
    if (d == '1') {
      return sign;
    }
    // "0" or "0.0": the 0/1 convention, never signed
    return explicitSign ? Double.NaN : -1.0;
  }
}

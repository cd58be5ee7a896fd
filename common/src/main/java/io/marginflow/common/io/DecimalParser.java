package io.marginflow.common.io;

/**
 * Strict, allocation-free parsing of decimal numbers inside a character sequence.
 *
 * <p>Grammar: {@code [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?}. Hexadecimal
 * floats, Java's {@code d}/{@code f} suffixes, {@code NaN} and {@code Infinity} are refused.
 *
 * <p>Values whose significant digits fit in 2^53 and whose decimal exponent is within ±22 are
 * computed with one correctly rounded IEEE operation (Clinger's fast path), which gives the same
 * bits as {@link Double#parseDouble}; up to 18 significant digits with other exponents by {@link
 * EiselLemire} (the same bits again); all others fall back to {@link Double#parseDouble} on the
 * token.
 */
final class DecimalParser {

  private static final double[] POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  private static final long MAX_EXACT = 1L << 53;

  /** Digits beyond this are not accumulated (the slow path handles such tokens). */
  private static final int MAX_DIGITS = 18;

  private DecimalParser() {}

  /**
   * The finite value of {@code s[start, end)}. {@code what} names the field in error messages (e.g.
   * "feature value"); {@code token*} give the wider token to quote (e.g. the whole {@code
   * idx:value}).
   */
  static double parseFinite(
      CharSequence s,
      int start,
      int end,
      String file,
      long line,
      String what,
      int tokenStart,
      int tokenEnd) {
    return parse(s, start, end, file, line, what, tokenStart, tokenEnd, true);
  }

  /**
   * Checks {@code s[start, end)} as {@link #parseFinite} does — the same tokens accepted, the same
   * errors — without computing values outside the fast path exactly: such a value is returned as
   * 0.0 when its decimal exponent shows it is finite (it is not needed; only validation is). Falls
   * back to {@link Double#parseDouble} only at the edge of double's range.
   */
  static double checkFinite(
      CharSequence s,
      int start,
      int end,
      String file,
      long line,
      String what,
      int tokenStart,
      int tokenEnd) {
    return parse(s, start, end, file, line, what, tokenStart, tokenEnd, false);
  }

  private static double parse(
      CharSequence s,
      int start,
      int end,
      String file,
      long line,
      String what,
      int tokenStart,
      int tokenEnd,
      boolean exact) {
    int i = start;
    boolean negative = false;
    if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0; // significant digits accumulated
    int dropped = 0; // significant integer digits not accumulated (beyond MAX_DIGITS)
    int fractionDigits = 0; // fraction digits accumulated
    boolean anyDigit = false;
    boolean truncated = false;
    while (i < end && isDigit(s.charAt(i))) {
      anyDigit = true;
      int d = s.charAt(i) - '0';
      if (digits < MAX_DIGITS) {
        if (mantissa != 0 || d != 0) {
          mantissa = mantissa * 10 + d;
          digits++;
        }
      } else {
        dropped++;
        truncated |= d != 0;
      }
      i++;
    }
    if (i < end && s.charAt(i) == '.') {
      i++;
      while (i < end && isDigit(s.charAt(i))) {
        anyDigit = true;
        int d = s.charAt(i) - '0';
        if (digits < MAX_DIGITS) {
          if (mantissa != 0 || d != 0) {
            digits++;
          }
          mantissa = mantissa * 10 + d;
          fractionDigits++;
        } else {
          truncated |= d != 0;
        }
        i++;
      }
    }
    if (!anyDigit) {
      throw notANumber(s, file, line, what, tokenStart, tokenEnd, start, end);
    }
    int exponent = 0;
    if (i < end && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      boolean expNegative = false;
      if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        expNegative = s.charAt(i) == '-';
        i++;
      }
      if (i >= end || !isDigit(s.charAt(i))) {
        throw notANumber(s, file, line, what, tokenStart, tokenEnd, start, end);
      }
      while (i < end && isDigit(s.charAt(i))) {
        if (exponent < 100_000) {
          exponent = exponent * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      if (expNegative) {
        exponent = -exponent;
      }
    }
    if (i != end) {
      throw notANumber(s, file, line, what, tokenStart, tokenEnd, start, end);
    }
    double value;
    int e10 = exponent - fractionDigits + dropped;
    if (!truncated && mantissa <= MAX_EXACT && e10 >= -22 && e10 <= 22) {
      value = e10 >= 0 ? mantissa * POW10[e10] : mantissa / POW10[-e10];
      if (negative) {
        value = -value;
      }
    } else if (mantissa == 0 && !truncated) {
      value = negative ? -0.0 : 0.0;
    } else if (!exact && digits + e10 <= 308) {
      value = 0.0; // |value| < 10^(digits + e10) ≤ 1e308 < Double.MAX_VALUE: finite, not needed
    } else if (!truncated && !Double.isNaN(value = EiselLemire.toDouble(mantissa, e10, negative))) {
      // correctly rounded by Eisel–Lemire (17–18 significant digits, as Java prints doubles)
    } else {
      value = Double.parseDouble(s.subSequence(start, end).toString());
    }
    if (!Double.isFinite(value)) {
      throw new DataFormatException(
          file,
          line,
          what + " overflows double" + DataFormatException.got(s, tokenStart, tokenEnd));
    }
    return value;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static DataFormatException notANumber(
      CharSequence s,
      String file,
      long line,
      String what,
      int tokenStart,
      int tokenEnd,
      int start,
      int end) {
    String problem = isNonFiniteWord(s, start, end) ? " is not finite" : " is not a decimal number";
    return new DataFormatException(
        file, line, what + problem + DataFormatException.got(s, tokenStart, tokenEnd));
  }

  /** nan, inf, infinity (any case, optional sign). */
  private static boolean isNonFiniteWord(CharSequence s, int start, int end) {
    int i = start;
    if (i < end && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    String word = s.subSequence(i, end).toString();
    return word.equalsIgnoreCase("nan")
        || word.equalsIgnoreCase("inf")
        || word.equalsIgnoreCase("infinity");
  }
}

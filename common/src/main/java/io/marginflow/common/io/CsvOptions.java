package io.marginflow.common.io;

/**
 * How to read a delimited text file of numeric features and one label column.
 *
 * @param labelColumn 0-based label column, or −1 for the last column
 * @param header true to skip the first line of the file (e.g. scikit-learn's {@code
 *     569,30,malignant,benign})
 * @param separator field separator; not a digit, sign, point, exponent letter, space or line break
 * @param features number of feature columns, or null to infer it from the first data line (its
 *     column count minus one)
 */
public record CsvOptions(int labelColumn, boolean header, char separator, Integer features) {

  /** Validates every field. */
  public CsvOptions {
    if (labelColumn < -1) {
      throw new IllegalArgumentException(
          "labelColumn must be -1 (last column) or >= 0, got " + labelColumn);
    }
    checkSeparator(separator);
    if (features != null) {
      if (features < 1) {
        throw new IllegalArgumentException(
            "features must be >= 1 or null (infer), got " + features);
      }
      if (labelColumn > features) {
        throw new IllegalArgumentException(
            "labelColumn must be <= features (" + features + "), got " + labelColumn);
      }
    }
  }

  /** Comma-separated, label in the last column, feature count inferred. */
  public static CsvOptions labelLast(boolean header) {
    return new CsvOptions(-1, header, ',', null);
  }

  static void checkSeparator(char sep) {
    if ((sep >= '0' && sep <= '9')
        || sep == '+'
        || sep == '-'
        || sep == '.'
        || sep == 'e'
        || sep == 'E'
        || sep == ' '
        || sep == '\r'
        || sep == '\n') {
      throw new IllegalArgumentException(
          "separator must not be a digit, sign, '.', 'e', space or line break, got '" + sep + "'");
    }
  }
}

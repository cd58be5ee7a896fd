package io.marginflow.common.io;

/**
 * Refuses files whose negative labels use both the {@code 0} token (0/1 convention) and the {@code
 * -1} token (±1 convention): such a file is most likely three-class.
 */
public final class LabelConventionCheck {

  private final String file;
  private long firstZero;
  private long firstMinusOne;

  public LabelConventionCheck(String file) {
    this.file = file;
  }

  /** Records the label token style of {@code row}, read at {@code line}. */
  public void check(ParsedRow row, long line) {
    if (row.label() != -1.0) {
      return;
    }
    if (row.zeroLabelToken()) {
      if (firstZero == 0) {
        firstZero = line;
      }
    } else if (firstMinusOne == 0) {
      firstMinusOne = line;
    }
    if (firstZero != 0 && firstMinusOne != 0) {
      throw new DataFormatException(
          file,
          line,
          "file mixes negative label tokens '0' (first at line "
              + firstZero
              + ") and '-1' (first at line "
              + firstMinusOne
              + "); is it multi-class?");
    }
  }
}

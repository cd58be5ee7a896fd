package io.marginflow.common.io;

import java.io.Serializable;

/**
 * Which MNIST digits become label −1 and which +1; digits in neither set are dropped. Bit d of a
 * mask stands for digit d.
 *
 * <p>Specs accepted by {@link #parse}:
 *
 * <ul>
 *   <li>{@code "A vs B"}: comma-separated digits, the first list → −1, the second → +1, e.g. {@code
 *       0vs1} (0 → −1, 1 → +1) or {@code 3,5vs8};
 *   <li>{@code odd-even}: odd digits → +1, even digits (0 included) → −1, all 10 digits kept.
 * </ul>
 *
 * @param negativeMask digits labelled −1 (bits 0–9)
 * @param positiveMask digits labelled +1 (bits 0–9), disjoint from {@code negativeMask}
 */
public record DigitLabels(int negativeMask, int positiveMask) implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final int ALL = (1 << 10) - 1;
  private static final int ODD = 0b10_1010_1010;
  private static final int EVEN = 0b01_0101_0101;

  /** Odd digits → +1, even digits → −1. */
  public static final DigitLabels ODD_EVEN = new DigitLabels(EVEN, ODD);

  /** Validates the masks. */
  public DigitLabels {
    if (negativeMask <= 0 || (negativeMask & ~ALL) != 0) {
      throw new IllegalArgumentException(
          "negativeMask must be a non-empty set of digits 0-9 (bits 0-9), got 0x"
              + Integer.toHexString(negativeMask));
    }
    if (positiveMask <= 0 || (positiveMask & ~ALL) != 0) {
      throw new IllegalArgumentException(
          "positiveMask must be a non-empty set of digits 0-9 (bits 0-9), got 0x"
              + Integer.toHexString(positiveMask));
    }
    if ((negativeMask & positiveMask) != 0) {
      throw new IllegalArgumentException(
          "a digit cannot be both -1 and +1: overlap " + digits(negativeMask & positiveMask));
    }
  }

  /** Parses {@code "0vs1"}, {@code "3,5vs8"} or {@code "odd-even"} (see the class comment). */
  public static DigitLabels parse(String spec) {
    if (spec == null) {
      throw new IllegalArgumentException("digit labels spec must not be null");
    }
    String s = spec.strip();
    if (s.equals("odd-even")) {
      return ODD_EVEN;
    }
    String[] sides = s.split("vs", -1);
    if (sides.length != 2) {
      throw refuse(spec, "expected exactly one 'vs'");
    }
    int negative = digitSet(sides[0], spec);
    int positive = digitSet(sides[1], spec);
    if ((negative & positive) != 0) {
      throw refuse(spec, "digits on both sides: " + digits(negative & positive));
    }
    return new DigitLabels(negative, positive);
  }

  /** −1.0 or +1.0 for a kept digit, 0.0 for a dropped one; {@code digit} must be in [0, 9]. */
  public double label(int digit) {
    if (digit < 0 || digit > 9) {
      throw new IllegalArgumentException("digit must be in [0, 9], got " + digit);
    }
    int bit = 1 << digit;
    if ((positiveMask & bit) != 0) {
      return 1.0;
    }
    return (negativeMask & bit) != 0 ? -1.0 : 0.0;
  }

  /**
   * The canonical spec, e.g. {@code 3,5vs8} or {@code odd-even}; {@code parse(spec())} equals this.
   */
  public String spec() {
    if (this.equals(ODD_EVEN)) {
      return "odd-even";
    }
    return digits(negativeMask) + "vs" + digits(positiveMask);
  }

  private static int digitSet(String list, String spec) {
    String[] parts = list.split(",", -1);
    int mask = 0;
    for (String part : parts) {
      String p = part.strip();
      if (p.length() != 1 || p.charAt(0) < '0' || p.charAt(0) > '9') {
        throw refuse(
            spec, "each side must list single digits 0-9 separated by commas, got '" + p + "'");
      }
      int bit = 1 << (p.charAt(0) - '0');
      if ((mask & bit) != 0) {
        throw refuse(spec, "digit " + p + " listed twice");
      }
      mask |= bit;
    }
    return mask;
  }

  private static IllegalArgumentException refuse(String spec, String why) {
    return new IllegalArgumentException(
        "digit labels spec must be 'A vs B' with comma-separated digits (e.g. 0vs1, 3,5vs8; first"
            + " list -> -1, second -> +1) or 'odd-even' (odd -> +1, even -> -1): "
            + why
            + ", got '"
            + spec
            + "'");
  }

  private static String digits(int mask) {
    StringBuilder sb = new StringBuilder();
    for (int d = 0; d <= 9; d++) {
      if ((mask & (1 << d)) != 0) {
        if (sb.length() > 0) {
          sb.append(',');
        }
        sb.append(d);
      }
    }
    return sb.toString();
  }
}

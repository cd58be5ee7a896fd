package io.marginflow.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LibsvmLineParserTest {

  private final LibsvmLineParser parser = new LibsvmLineParser(10);
  private final ParsedRow row = new ParsedRow(2); // small: forces growth

  private void parseOk(String line) {
    assertTrue(parser.parse(line, "f", 1, row), line);
  }

  @Test
  void parsesLabelIndicesAndValues() {
    parseOk("+1 1:0.5 3:-2 10:9.86E-02");
    assertEquals(1.0, row.label());
    assertEquals(3, row.nnz());
    assertArrayEquals(new int[] {0, 2, 9}, Arrays.copyOf(row.indices(), 3));
    assertArrayEquals(new double[] {0.5, -2.0, 0.0986}, Arrays.copyOf(row.values(), 3));
    assertEquals(9, row.maxIndex());
  }

  @Test
  void toleratesTabsTrailingWhitespaceAndCarriageReturn() {
    parseOk("  -1\t2:1  4:1 \t \r");
    assertEquals(-1.0, row.label());
    assertArrayEquals(new int[] {1, 3}, Arrays.copyOf(row.indices(), row.nnz()));
  }

  @Test
  void labelWithoutFeaturesIsAnAllZeroRow() {
    parseOk("-1 ");
    assertEquals(-1.0, row.label());
    assertEquals(0, row.nnz());
    assertEquals(-1, row.maxIndex());
  }

  @Test
  void zeroOneLabelsAreRecognized() {
    parseOk("0 1:3");
    assertEquals(-1.0, row.label());
    assertTrue(row.zeroLabelToken());
    parseOk("-1.0 1:3");
    assertFalse(row.zeroLabelToken());
  }

  @Test
  void keepsExplicitZeros() {
    parseOk("1.0 6:1 7:0.0 8:0.00027");
    assertEquals(3, row.nnz());
    assertEquals(0.0, row.values()[1]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t \r", "\r"})
  void blankLinesAreSkipped(String line) {
    assertFalse(parser.parse(line, "f", 1, row));
    assertEquals(0, row.nnz());
  }

  @Test
  void reusesTheHolderAcrossLines() {
    parseOk("1 1:1 2:1 3:1 4:1 5:1");
    parseOk("-1 7:2");
    assertEquals(1, row.nnz());
    assertEquals(6, row.indices()[0]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2 1:1             | bad label                          | 2",
        "1 0:1             | index 0 is not allowed             | 0:1",
        "1 -3:1            | negative index                     | -3:1",
        "1 11:1            | index above the declared feature count 10 | 11:1",
        "1 99999999999:1   | index above the declared feature count 10 | 99999999999:1",
        "1 3:1 2:1         | indices must increase strictly, 2 after 3 | 2:1",
        "1 3:1 3:2         | repeated index 3                   | 3:2",
        "1 2:NaN           | feature value is not finite        | 2:NaN",
        "1 2:inf           | feature value is not finite        | 2:inf",
        "1 2:-Infinity     | feature value is not finite        | 2:-Infinity",
        "1 2:1e999         | feature value overflows double     | 2:1e999",
        "1 abc             | expected index:value               | abc",
        "1 3:              | missing value after ':'            | 3:",
        "1 :4              | missing index before ':'           | :4",
        "1 3:x             | feature value is not a decimal number | 3:x",
        "1 qid:3 1:1       | index is not a positive integer    | qid:3",
        "1 3:4:5           | feature value is not a decimal number | 3:4:5",
        "# comment         | bad label                          | #",
      })
  void malformedLinesNameFileLineAndToken(String line, String what, String token) {
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> parser.parse(line, "data.svm", 42, row));
    assertEquals("data.svm", e.file());
    assertEquals(42, e.line());
    assertTrue(e.getMessage().startsWith("data.svm:42: " + what), e.getMessage());
    assertTrue(e.getMessage().endsWith("(got '" + token + "')"), e.getMessage());
  }

  @Test
  void refusesNonPositiveDeclaredCount() {
    assertThrows(IllegalArgumentException.class, () -> new LibsvmLineParser(0));
  }

  /** Label, indices, non-zeros and which line is blank, or the error message. */
  private static String outcome(LibsvmLineParser p, String line) {
    ParsedRow r = new ParsedRow();
    try {
      if (!p.parse(line, "f", 7, r)) {
        return "blank";
      }
      return r.label()
          + " "
          + r.zeroLabelToken()
          + " "
          + Arrays.toString(Arrays.copyOf(r.indices(), r.nnz()))
          + " max "
          + r.maxIndex();
    } catch (DataFormatException e) {
      return e.getMessage();
    }
  }

  @Test
  void theValidatorAcceptsRefusesAndCountsExactlyAsTheParser() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    String[] tokens = {
      "0.1234567890123456789",
      "-6.008930517190877E-4",
      "1e309",
      "1e308",
      "nan",
      "x",
      "",
      "1:",
      "-3.5",
      "0",
      "2.5e-400",
      "36303077283030194",
      "1.8e308",
      "+.5",
      "1e"
    };
    for (int t = 0; t < 20_000; t++) {
      StringBuilder line =
          new StringBuilder(rnd.nextInt(10) == 0 ? "2" : rnd.nextBoolean() ? "+1" : "0");
      int index = 0;
      for (int k = rnd.nextInt(6); k > 0; k--) {
        index += rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(4);
        line.append(' ').append(index).append(':');
        line.append(
            rnd.nextBoolean()
                ? Double.toString(rnd.nextGaussian())
                : tokens[rnd.nextInt(tokens.length)]);
      }
      if (rnd.nextInt(20) == 0) {
        line.setLength(0);
        line.append("   ");
      }
      String l = line.toString();
      assertEquals(
          outcome(new LibsvmLineParser(20), l), outcome(LibsvmLineParser.validator(20), l), l);
    }
  }
}

package io.marginflow.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LabelParserTest {

  @ParameterizedTest
  @ValueSource(strings = {"+1", "1", "1.0", "+1.0"})
  void positiveTokens(String token) {
    assertEquals(1.0, LabelParser.parse(token, "f", 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "-1.0", "0", "0.0"})
  void negativeTokens(String token) {
    assertEquals(-1.0, LabelParser.parse(token, "f", 1));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2", "-2", "+0", "-0", "-0.0", "1.00", "1.", "1e0", "01", "yes", "", "+", "1.5", "10", "-"
      })
  void otherTokensAreRefusedNamingFileLineAndToken(String token) {
    DataFormatException e =
        assertThrows(DataFormatException.class, () -> LabelParser.parse(token, "data.txt", 17));
    assertEquals("data.txt", e.file());
    assertEquals(17, e.line());
    assertTrue(e.getMessage().startsWith("data.txt:17: bad label"), e.getMessage());
    assertTrue(e.getMessage().endsWith("(got '" + token + "')"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "0.0"})
  void zeroTokensAreRecognized(String token) {
    assertTrue(LabelParser.isZeroToken(token, 0, token.length()));
  }
}

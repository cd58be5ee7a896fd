package io.marginflow.common.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DigitLabelsTest {

  @Test
  void zeroVsOne() {
    DigitLabels d = DigitLabels.parse("0vs1");
    assertEquals(-1.0, d.label(0));
    assertEquals(1.0, d.label(1));
    for (int digit = 2; digit <= 9; digit++) {
      assertEquals(0.0, d.label(digit), "digit " + digit + " is dropped");
    }
    assertEquals("0vs1", d.spec());
  }

  @Test
  void listsAndSpaces() {
    DigitLabels d = DigitLabels.parse(" 5, 3 vs 8 ");
    assertEquals(-1.0, d.label(3));
    assertEquals(-1.0, d.label(5));
    assertEquals(1.0, d.label(8));
    assertEquals(0.0, d.label(0));
    assertEquals("3,5vs8", d.spec());
    assertEquals(d, DigitLabels.parse(d.spec()));
  }

  @Test
  void oddEvenKeepsEveryDigit() {
    DigitLabels d = DigitLabels.parse("odd-even");
    for (int digit = 0; digit <= 9; digit++) {
      assertEquals(digit % 2 == 1 ? 1.0 : -1.0, d.label(digit), "digit " + digit);
    }
    assertEquals("odd-even", d.spec());
    assertEquals(DigitLabels.ODD_EVEN, d);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "0",
        "vs1",
        "0vs",
        "0vs0",
        "0,1vs1",
        "10vs1",
        "avs1",
        "0vs1vs2",
        "0,0vs1",
        "0;1vs2",
        "even-odd",
        "-1vs1",
        "0 vs 1,",
        "ODD-EVEN"
      })
  void refusesBadSpecs(String spec) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DigitLabels.parse(spec));
    assertTrue(e.getMessage().contains("got '" + spec + "'"), e.getMessage());
  }

  @Test
  void refusesBadMasksAndDigits() {
    assertThrows(IllegalArgumentException.class, () -> new DigitLabels(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new DigitLabels(1, 1 << 10));
    assertThrows(IllegalArgumentException.class, () -> new DigitLabels(3, 2));
    assertThrows(IllegalArgumentException.class, () -> DigitLabels.parse("0vs1").label(10));
    assertThrows(IllegalArgumentException.class, () -> DigitLabels.parse(null));
  }
}

package io.marginflow.common.step;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StepRuleConfigTest {

  private static final List<StepRuleConfig> CONFIGS =
      List.of(
          new ConstantStep(0.01),
          new VanishingStep(0.5, 0.5),
          new VanishingStep(2.0, 1.0),
          new VanishingStep(1.0, 1.0 / 3),
          LossBasedStep.defaults(),
          new LossBasedStep(0.3),
          new LossBasedStep(0.1, 1.5, 1.25),
          new LossBasedStep(0.1, 1.0, LossBasedStep.DEFAULT_DECREASE));

  @Test
  void describeParsesBackToAnEqualConfig() {
    for (StepRuleConfig c : CONFIGS) {
      assertEquals(c, StepRuleConfig.parse(c.describe(), c.baseStep()), c.describe());
    }
  }

  @Test
  void parsesTheDocumentedForms() {
    assertEquals(new ConstantStep(0.1), StepRuleConfig.parse(" Constant ", 0.1));
    assertEquals(new VanishingStep(0.1, 0.5), StepRuleConfig.parse("vanishing:0.5", 0.1));
    assertEquals(new VanishingStep(0.1, 1), StepRuleConfig.parse("vanishing: 1", 0.1));
    assertEquals(LossBasedStep.defaults(), StepRuleConfig.parse("loss-based", Double.NaN));
    assertEquals(0.1, LossBasedStep.DEFAULT_ALPHA0);
    assertEquals(new LossBasedStep(0.2), StepRuleConfig.parse("loss-based", 0.2));
    assertEquals(
        new LossBasedStep(0.2, 1.5, LossBasedStep.DEFAULT_DECREASE),
        StepRuleConfig.parse("loss-based:up=1.5", 0.2));
    assertEquals("constant", new ConstantStep(3).describe());
    assertEquals("vanishing:0.5", new VanishingStep(3, 0.5).describe());
    assertEquals("loss-based", LossBasedStep.defaults().describe());
    assertEquals(Math.pow(2, 0.2), LossBasedStep.DEFAULT_INCREASE);
    assertEquals(Math.pow(2, 0.1), LossBasedStep.DEFAULT_DECREASE);
    assertTrue(LossBasedStep.defaults().lossBased());
    assertFalse(new ConstantStep(1).lossBased());
    assertFalse(new VanishingStep(1, 1).lossBased());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "adam",
        "vanishing",
        "vanishing:",
        "vanishing:abc",
        "vanishing:0",
        "vanishing:-0.5",
        "vanishing:1.5",
        "vanishing:nan",
        "loss-based:up",
        "loss-based:left=2",
        "loss-based:up=x",
        "loss-based:down=1",
        "loss-based:up=0.5"
      })
  void refusesBadSchedulesNamingTheKey(String schedule) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StepRuleConfig.parse(schedule, 0.1));
    assertTrue(e.getMessage().startsWith("schedule:"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY})
  void refusesBadStepsNamingTheKey(double gamma) {
    for (String schedule : new String[] {"constant", "vanishing:0.5"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> StepRuleConfig.parse(schedule, gamma));
      assertTrue(e.getMessage().startsWith("step:"), e.getMessage());
      assertTrue(e.getMessage().contains(String.valueOf(gamma)), e.getMessage());
    }
    if (!Double.isNaN(gamma)) { // NaN means "default" for loss-based
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> StepRuleConfig.parse("loss-based", gamma));
      assertTrue(e.getMessage().startsWith("step:"), e.getMessage());
    }
  }

  @Test
  void nullScheduleIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> StepRuleConfig.parse(null, 0.1));
  }

  @Test
  void configsSurviveJavaSerialization() throws Exception {
    for (StepRuleConfig c : CONFIGS) {
      assertEquals(c, roundTrip(c));
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}

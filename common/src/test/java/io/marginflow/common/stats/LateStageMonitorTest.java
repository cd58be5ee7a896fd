package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LateStageMonitorTest {

  @Test
  void typicalRunSeparatesOnceThenGrows() {
    LateStageMonitor m = new LateStageMonitor();
    assertEquals(List.of(), m.observe(0, -1.0, 1.0, false));
    assertEquals(List.of(), m.observe(10, -0.1, 0.9, false)); // norm may shrink before separation
    assertEquals(OptionalLong.empty(), m.firstSeparatedStep());
    assertEquals(List.of("separated"), m.observe(20, 0.01, 1.2, false));
    assertEquals(List.of(), m.observe(40, 0.02, 1.3, false));
    assertEquals(List.of(), m.observe(80, 0.03, 1.3, false)); // equal norm is not a decrease
    assertEquals(OptionalLong.of(20), m.firstSeparatedStep());
  }

  @Test
  void leavingTheLateStageAndShrinkingAreFlaggedEachTime() {
    LateStageMonitor m = new LateStageMonitor();
    m.observe(1, 0.5, 2.0, false);
    assertEquals(List.of("norm_decrease"), m.observe(2, 0.4, 1.9, false));
    assertEquals(List.of("left_late_stage"), m.observe(3, 0.0, 2.5, false)); // m ≤ 0
    assertEquals(List.of("left_late_stage", "norm_decrease"), m.observe(4, -0.3, 2.4, false));
    assertEquals(List.of(), m.observe(5, 0.2, 2.6, false)); // "separated" is raised once
    assertEquals(OptionalLong.of(1), m.firstSeparatedStep());
  }

  @Test
  void nonFiniteIsFlaggedFromTheArgumentOrTheValues() {
    LateStageMonitor m = new LateStageMonitor();
    assertEquals(List.of("non_finite"), m.observe(1, -1, 1, true));
    assertEquals(List.of("non_finite"), m.observe(2, Double.NaN, 1, false));
    assertEquals(
        List.of("non_finite", "separated"), m.observe(3, 1, Double.POSITIVE_INFINITY, false));
    // An infinite norm is not remembered, so 1.0 afterwards is no decrease.
    assertEquals(List.of("non_finite", "left_late_stage"), m.observe(4, Double.NaN, 1, false));
    assertEquals(List.of("norm_decrease"), m.observe(5, 1, 0.5, false));
  }

  @Test
  void stateRestoresTheMonitor() throws Exception {
    LateStageMonitor m = new LateStageMonitor();
    m.observe(5, 0.1, 3.0, false);
    LateStageMonitor restored = LateStageMonitor.fromState(m.state());
    assertEquals(m, restored);
    assertEquals(List.of("norm_decrease"), restored.observe(6, 0.1, 2.0, false));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(m);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      LateStageMonitor copy = (LateStageMonitor) in.readObject();
      assertEquals(m, copy);
      assertEquals(List.of("norm_decrease"), copy.observe(6, 0.1, 2.0, false));
    }
  }

  @Test
  void rejectsStepsOutOfOrderAndBadStates() {
    LateStageMonitor m = new LateStageMonitor();
    m.observe(10, 1, 1, false);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> m.observe(10, 1, 1, false));
    assertEquals("step: expected > 10 (the previous evaluation), got 10", e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> new LateStageMonitor.State(-1, 0, 0, false, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new LateStageMonitor.State(0, 0, 0, true, 0));
  }
}

package io.marginflow.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The executor-to-driver encoding of {@link ExecutorProbe.Sample}. */
class ExecutorProbeTest {

  @Test
  void sampleSurvivesTheTripAsText() {
    ExecutorProbe.Sample s =
        new ExecutorProbe.Sample(
            "1", "host-a", 4242L, 812_000L, 640_500L, 80L << 20, 434L << 20, 1L << 30, 12.75);
    assertEquals(s, ExecutorProbe.Sample.decode(s.encode()));
  }

  @Test
  void unsupportedFiguresStayMinusOneOrNaN() {
    ExecutorProbe.Sample s =
        new ExecutorProbe.Sample("driver", "", 1L, -1L, -1L, 0L, 0L, 1L, Double.NaN);
    assertEquals(s, ExecutorProbe.Sample.decode(s.encode()));
  }
}

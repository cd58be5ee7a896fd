package io.marginflow.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.stats.EvalRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pieces behind the charts: Prop. 3 band fit, tick values, downsampling, status parsing. */
class ChartPartsTest {

  /** The band constants are ratios of doubles computed the same way: equal to rounding. */
  private static final double FIT_TOLERANCE = 1e-12;

  @Test
  void normBandIsTheTightestBandOverTheLateStage() {
    List<EvalRow> rows = new ArrayList<>();
    for (long k : SyntheticRun.evalSteps(1000)) {
      rows.add(SyntheticRun.eval(k, EvalRow.TRAIN, List.of()));
    }
    NormBand b = NormBand.fit(rows).orElseThrow();
    assertTrue(b.lateStage());
    assertEquals(
        10, b.fromStep(), "m(u) = 0.1 − 1/(k+1) is first positive at the evaluation k = 10");
    assertEquals(1000, b.toStep());
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    for (EvalRow r : rows) {
      if (r.step() >= 10) {
        lo = Math.min(lo, r.normPowL() / Math.log(r.step()));
        hi = Math.max(hi, r.normPowL() / Math.log(r.step()));
      }
    }
    assertEquals(lo, b.c1(), FIT_TOLERANCE);
    assertEquals(hi, b.c2(), FIT_TOLERANCE);
    assertTrue(b.c1() < b.slope() && b.slope() < b.c2());
    assertTrue(NormBand.fit(rows.subList(0, 2)).isEmpty(), "k = 0, 1 cannot be fitted");
  }

  @Test
  void logTicksAreRoundValues() {
    assertEquals(List.of(1.0, 10.0, 100.0, 1000.0), NiceLogAxis.values(1, 1000));
    assertEquals(List.of(1.0, 2.0, 5.0, 10.0, 20.0), NiceLogAxis.values(0.9, 25));
    assertEquals(List.of(0.45, 0.5, 0.55), NiceLogAxis.values(0.44, 0.57));
    List<Double> wide = NiceLogAxis.values(1e-30, 1);
    assertTrue(wide.size() >= 4 && wide.size() <= 10 && wide.contains(1.0), wide.toString());
    for (double v : wide) {
      assertEquals(Math.rint(Math.log10(v)), Math.log10(v), 1e-12, "whole decades: " + wide);
    }
    assertEquals("10⁻³⁰", ChartRenderer.TickFormat.text(1e-30));
    assertEquals("2.5·10⁶", ChartRenderer.TickFormat.text(2.5e6));
    assertEquals("1,000", ChartRenderer.TickFormat.text(1000));
  }

  @Test
  void downsamplingKeepsEndsAndAtMostTheBudget() {
    double[] x = new double[100_000];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    int[] keep = Downsample.byAbscissa(x, 500, true);
    assertTrue(keep.length <= 501, "kept " + keep.length);
    assertEquals(0, keep[0]);
    assertEquals(x.length - 1, keep[keep.length - 1]);
    for (int i = 0; i < 40; i++) {
      assertEquals(i, keep[i], "a log axis keeps every early step");
    }
  }

  @Test
  void statusFileStates() throws Exception {
    assertEquals(
        RunStatus.State.FINISHED,
        RunStatus.parse("{\"state\":\"finished\",\"reason\":\"steps\",\"step\":3}".getBytes(), "s")
            .state());
    assertEquals(
        RunStatus.State.STOPPED,
        RunStatus.parse(
                "{\"state\":\"finished\",\"reason\":\"max-wall\",\"step\":3}".getBytes(), "s")
            .state());
    RunStatus failed =
        RunStatus.parse(
            "{\"state\":\"failed\",\"reason\":\"NaN at step 7\",\"step\":-1}".getBytes(), "s");
    assertEquals(RunStatus.State.FAILED, failed.state());
    assertEquals("NaN at step 7", failed.reason());
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.marginflow.common.format.FormatException.class,
            () -> RunStatus.parse("{\"state\":\"paused\"}".getBytes(), "x/status.json"));
    assertTrue(e.getMessage().contains("x/status.json") && e.getMessage().contains("paused"));
  }
}

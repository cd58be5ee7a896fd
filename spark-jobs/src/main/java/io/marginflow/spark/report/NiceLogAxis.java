package io.marginflow.spark.report;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;

/**
 * A base-10 log axis whose ticks sit at round values: whole decades over a wide range (every d-th
 * decade when there are many), 1-2-5 or 1…9 multiples of a decade over a few, finer multiples over
 * less than a decade; labels are {@link ChartRenderer.TickFormat} text. JFreeChart's own LogAxis
 * spaces ticks evenly in the exponent, which labels narrow ranges with values like 0.4467.
 */
final class NiceLogAxis extends LogAxis {

  private static final long serialVersionUID = 1L;
  private static final int MIN_TICKS = 4;
  private static final int MAX_TICKS = 10;
  private static final double[][] MULTIPLIERS = {
    {1},
    {1, 2, 5},
    {1, 2, 3, 4, 5, 6, 7, 8, 9},
    steps(1, 10, 0.5),
    steps(1, 10, 0.1),
    steps(1, 10, 0.05),
    steps(1, 10, 0.01)
  };

  NiceLogAxis(String label) {
    super(label);
    setBase(10);
    setSmallestValue(1e-300);
  }

  @Override
  @SuppressWarnings("rawtypes")
  public List refreshTicks(
      Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
    return ticks(
        getRange().getLowerBound(), getRange().getUpperBound(), RectangleEdge.isTopOrBottom(edge));
  }

  /** The ticks for a range, horizontal or vertical. */
  static List<ValueTick> ticks(double lo, double hi, boolean horizontal) {
    List<Double> values = values(lo, hi);
    TextAnchor anchor = horizontal ? TextAnchor.TOP_CENTER : TextAnchor.CENTER_RIGHT;
    List<ValueTick> out = new ArrayList<>();
    for (double v : values) {
      out.add(
          new NumberTick(TickType.MAJOR, v, ChartRenderer.TickFormat.text(v), anchor, anchor, 0));
    }
    return out;
  }

  /** The tick values for [lo, hi] (lo > 0): the first multiplier set with at least 4 ticks. */
  static List<Double> values(double lo, double hi) {
    if (!(lo > 0) || !(hi >= lo)) {
      return List.of();
    }
    int e0 = (int) Math.floor(Math.log10(lo)) - 1;
    int e1 = (int) Math.ceil(Math.log10(hi)) + 1;
    List<Double> decades = new ArrayList<>();
    for (int e = e0; e <= e1; e++) {
      double v = Math.pow(10, e);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
        decades.add(v);
      }
    }
    if (decades.size() > MAX_TICKS) {
      int stride = (decades.size() + MAX_TICKS - 1) / MAX_TICKS;
      List<Double> thinned = new ArrayList<>();
      for (int e = e0; e <= e1; e++) {
        double v = Math.pow(10, e);
        if (Math.floorMod(e, stride) == 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
          thinned.add(v);
        }
      }
      return thinned;
    }
    List<Double> best = decades;
    for (double[] mult : MULTIPLIERS) {
      List<Double> vs = new ArrayList<>();
      for (int e = e0; e <= e1; e++) {
        for (double m : mult) {
          double v =
              Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3e", m * Math.pow(10, e)));
          if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
            vs.add(v);
          }
        }
      }
      if (vs.size() > MAX_TICKS) {
        break;
      }
      best = vs;
      if (vs.size() >= MIN_TICKS) {
        break;
      }
    }
    return best;
  }

  private static double[] steps(double from, double to, double step) {
    int n = (int) Math.round((to - from) / step);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = from + i * step;
    }
    return out;
  }
}

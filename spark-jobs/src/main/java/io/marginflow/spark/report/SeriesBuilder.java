package io.marginflow.spark.report;

import io.marginflow.spark.report.ChartSpec.Series;
import io.marginflow.spark.report.ChartSpec.Style;
import java.util.Arrays;

/**
 * Collects the points of one series, dropping those the chart's axes cannot show (non-finite, or ≤
 * 0 on a log axis), and builds the {@link Series}, downsampled to at most {@code maxPoints}.
 */
final class SeriesBuilder {

  private final boolean xLog;
  private final boolean yLog;
  private double[] x = new double[64];
  private double[] y = new double[64];
  private double[] lo;
  private double[] hi;
  private int n;

  SeriesBuilder(boolean xLog, boolean yLog) {
    this.xLog = xLog;
    this.yLog = yLog;
  }

  /** Adds (x, y) if the axes can show it. */
  SeriesBuilder add(double px, double py) {
    if (visible(px, xLog) && visible(py, yLog)) {
      grow();
      x[n] = px;
      y[n] = py;
      n++;
    }
    return this;
  }

  /** Adds (x, y) with a band [low, high] (linear y axis). */
  SeriesBuilder add(double px, double py, double low, double high) {
    if (visible(px, xLog) && Double.isFinite(py) && Double.isFinite(low) && Double.isFinite(high)) {
      if (lo == null) {
        lo = new double[x.length];
        hi = new double[x.length];
      }
      grow();
      x[n] = px;
      y[n] = py;
      lo[n] = low;
      hi[n] = high;
      n++;
    }
    return this;
  }

  int size() {
    return n;
  }

  /** The series, with at most maxPoints points (one per bin of x, see {@link Downsample}). */
  Series build(String name, int run, int variant, Style style, int maxPoints) {
    double[] xs = Arrays.copyOf(x, n);
    int[] keep = Downsample.byAbscissa(xs, maxPoints, xLog);
    double[] ys = Downsample.take(y, keep);
    double[] ls = style == Style.BAND ? Downsample.take(lo, keep) : null;
    double[] hs = style == Style.BAND ? Downsample.take(hi, keep) : null;
    return new Series(name, run, variant, style, Downsample.take(xs, keep), ys, ls, hs);
  }

  /** The series without downsampling (abscissae need not be ascending). */
  Series buildAll(String name, int run, int variant, Style style) {
    return new Series(
        name,
        run,
        variant,
        style,
        Arrays.copyOf(x, n),
        Arrays.copyOf(y, n),
        lo == null ? null : Arrays.copyOf(lo, n),
        hi == null ? null : Arrays.copyOf(hi, n));
  }

  private static boolean visible(double v, boolean log) {
    return Double.isFinite(v) && (!log || v > 0);
  }

  private void grow() {
    if (n == x.length) {
      x = Arrays.copyOf(x, 2 * n);
      y = Arrays.copyOf(y, 2 * n);
      if (lo != null) {
        lo = Arrays.copyOf(lo, 2 * n);
        hi = Arrays.copyOf(hi, 2 * n);
      }
    }
  }
}

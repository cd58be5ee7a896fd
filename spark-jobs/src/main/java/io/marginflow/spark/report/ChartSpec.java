package io.marginflow.spark.report;

import java.util.List;

/**
 * What one chart of a report shows, as data: its axes and series. {@link ChartRenderer} draws it;
 * tests read the numbers behind it. Points a log axis cannot show (≤ 0, NaN) are already left out.
 *
 * @param id a stable HTML id (e.g. {@code norm-growth})
 * @param title the chart title
 * @param x the horizontal axis
 * @param y the vertical axis
 * @param series the series, drawn in order
 * @param caption a sentence under the chart: what is plotted and how to read it
 */
public record ChartSpec(
    String id, String title, Axis x, Axis y, List<Series> series, String caption) {

  /** Copies the series list. */
  public ChartSpec {
    series = List.copyOf(series);
  }

  /** Total number of points over all series. */
  public int points() {
    int n = 0;
    for (Series s : series) {
      n += s.size();
    }
    return n;
  }

  /** The series with this name, if any. */
  public java.util.Optional<Series> series(String name) {
    return series.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * A chart axis.
   *
   * @param label the axis label, with the quantity, its unit or "dimensionless", and its scale
   * @param log whether the axis is logarithmic (base 10 ticks)
   */
  public record Axis(String label, boolean log) {}

  /** How a series is drawn. */
  public enum Style {
    /** A solid line with small markers. */
    LINE,
    /** A dashed line (fits, references). */
    DASHED,
    /** A thin line without markers (dense per-step data). */
    THIN,
    /** A filled band between lower and upper around the line y. */
    BAND
  }

  /**
   * One series: points (x_i, y_i), and for {@link Style#BAND} the band [lower_i, upper_i].
   *
   * @param name the legend name
   * @param run index of the run it belongs to (colour when several runs are overlaid)
   * @param variant index of the series within its run (colour or dash when one run is shown)
   * @param style how to draw it
   * @param x abscissae
   * @param y ordinates
   * @param lower band lower bounds (BAND only, else null)
   * @param upper band upper bounds (BAND only, else null)
   */
  public record Series(
      String name,
      int run,
      int variant,
      Style style,
      double[] x,
      double[] y,
      double[] lower,
      double[] upper) {

    /** Checks lengths. */
    public Series {
      if (x.length != y.length) {
        throw new IllegalArgumentException(name + ": x and y lengths differ");
      }
      if ((style == Style.BAND) != (lower != null && upper != null)) {
        throw new IllegalArgumentException(name + ": lower/upper exactly for BAND series");
      }
      if (lower != null && (lower.length != x.length || upper.length != x.length)) {
        throw new IllegalArgumentException(name + ": band lengths differ from x");
      }
    }

    /** Number of points. */
    public int size() {
      return x.length;
    }
  }
}

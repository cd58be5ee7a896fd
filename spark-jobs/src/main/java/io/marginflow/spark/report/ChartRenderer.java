package io.marginflow.spark.report;

import io.marginflow.spark.report.ChartSpec.Axis;
import io.marginflow.spark.report.ChartSpec.Series;
import io.marginflow.spark.report.ChartSpec.Style;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * Draws a {@link ChartSpec} with JFreeChart into a PNG (headless Java2D): white background, light
 * grid, legend below, log axes with decade ticks. Colours follow the run when several runs are
 * overlaid and the series variant otherwise (Tableau 10 palette); dashed series are fits.
 */
public final class ChartRenderer {

  /** Default image width in pixels. */
  public static final int WIDTH = 960;

  /** Default image height in pixels. */
  public static final int HEIGHT = 460;

  private static final Color[] PALETTE = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
    new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    new Color(0xbcbd22), new Color(0x17becf)
  };
  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  static {
    // Charts are drawn into images only: never try to reach a display (unless told otherwise).
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ChartRenderer() {}

  /** The chart as PNG bytes of {@link #WIDTH} × {@link #HEIGHT} pixels. */
  public static byte[] png(ChartSpec spec) {
    return png(spec, WIDTH, HEIGHT);
  }

  /** The chart as PNG bytes of the given size. */
  public static byte[] png(ChartSpec spec, int width, int height) {
    JFreeChart chart = chart(spec);
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
    try {
      ChartUtils.writeChartAsPNG(out, chart, width, height);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The JFreeChart object for a spec. */
  static JFreeChart chart(ChartSpec spec) {
    boolean multiRun = spec.series().stream().mapToInt(Series::run).max().orElse(0) > 0;
    XYPlot plot = new XYPlot();
    plot.setDomainAxis(axis(spec.x()));
    plot.setRangeAxis(axis(spec.y()));
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(new Color(0xdddddd));
    plot.setRangeGridlinePaint(new Color(0xdddddd));
    plot.setOutlinePaint(new Color(0x999999));

    // Bands go first (drawn below the lines): JFreeChart draws higher dataset indices first.
    YIntervalSeriesCollection bands = new YIntervalSeriesCollection();
    DeviationRenderer bandRenderer = new DeviationRenderer(true, false);
    XYSeriesCollection lines = new XYSeriesCollection();
    XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, true);
    int bandIndex = 0;
    int lineIndex = 0;
    for (Series s : spec.series()) {
      Color color = PALETTE[Math.floorMod(multiRun ? s.run() : s.variant(), PALETTE.length)];
      if (s.style() == Style.BAND) {
        YIntervalSeries ys = new YIntervalSeries(s.name(), false, true);
        for (int i = 0; i < s.size(); i++) {
          ys.add(s.x()[i], s.y()[i], s.lower()[i], s.upper()[i]);
        }
        bands.addSeries(ys);
        bandRenderer.setSeriesPaint(bandIndex, color);
        bandRenderer.setSeriesFillPaint(bandIndex, color);
        bandRenderer.setSeriesStroke(bandIndex, new BasicStroke(1.6f));
        bandIndex++;
      } else {
        XYSeries xs = new XYSeries(s.name(), false, true);
        for (int i = 0; i < s.size(); i++) {
          xs.add(s.x()[i], s.y()[i]);
        }
        lines.addSeries(xs);
        lineRenderer.setSeriesPaint(lineIndex, style(s, color));
        lineRenderer.setSeriesStroke(lineIndex, stroke(s, multiRun));
        boolean markers = s.style() == Style.LINE && s.size() <= 120;
        lineRenderer.setSeriesShapesVisible(lineIndex, markers);
        lineRenderer.setSeriesShape(lineIndex, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
        lineIndex++;
      }
    }
    bandRenderer.setAlpha(0.22f);
    plot.setDataset(0, lines);
    plot.setRenderer(0, lineRenderer);
    if (bandIndex > 0) {
      plot.setDataset(1, bands);
      plot.setRenderer(1, bandRenderer);
    }
    JFreeChart chart = new JFreeChart(null, TITLE, plot, true);
    chart.setTitle(new TextTitle(spec.title(), TITLE));
    chart.setBackgroundPaint(Color.WHITE);
    LegendTitle legend = chart.getLegend();
    legend.setPosition(RectangleEdge.BOTTOM);
    legend.setItemFont(LABEL);
    legend.setFrame(org.jfree.chart.block.BlockBorder.NONE);
    return chart;
  }

  private static Color style(Series s, Color base) {
    if (s.style() == Style.THIN) {
      return new Color(base.getRed(), base.getGreen(), base.getBlue(), 110);
    }
    return base;
  }

  private static BasicStroke stroke(Series s, boolean multiRun) {
    boolean dashed = s.style() == Style.DASHED || (multiRun && s.variant() % 2 == 1);
    float width = s.style() == Style.THIN ? 0.8f : 1.8f;
    return dashed
        ? new BasicStroke(
            width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
        : new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
  }

  private static ValueAxis axis(Axis a) {
    ValueAxis axis;
    if (a.log()) {
      axis = new NiceLogAxis(a.label());
    } else {
      NumberAxis num = new NumberAxis(a.label());
      num.setAutoRangeIncludesZero(false);
      num.setNumberFormatOverride(new TickFormat());
      axis = num;
    }
    axis.setLabelFont(LABEL);
    axis.setTickLabelFont(TICK);
    return axis;
  }

  /** Tick labels: plain digits in [1e-3, 1e5), else mantissa·10^exponent in compact form. */
  static final class TickFormat extends NumberFormat {
    private static final long serialVersionUID = 1L;

    @Override
    public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
      return to.append(text(v));
    }

    @Override
    public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
      return to.append(text(v));
    }

    @Override
    public Number parse(String source, ParsePosition pos) {
      throw new UnsupportedOperationException("tick labels are not parsed");
    }

    static String text(double v) {
      if (v == 0 || !Double.isFinite(v)) {
        return v == 0 ? "0" : Double.toString(v);
      }
      double a = Math.abs(v);
      if (a >= 1e-3 && a < 1e5) {
        DecimalFormat f =
            new DecimalFormat("#,##0.####", new java.text.DecimalFormatSymbols(Locale.ROOT));
        return f.format(v);
      }
      int exp = (int) Math.floor(Math.log10(a));
      double mant = v / Math.pow(10, exp);
      String m = String.format(Locale.ROOT, "%.2f", mant).replaceAll("\\.?0+$", "");
      return (m.equals("1") ? "" : m.equals("-1") ? "−" : m + "·") + "10" + superscript(exp);
    }

    private static String superscript(int e) {
      String digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
      StringBuilder b = new StringBuilder();
      for (char c : Integer.toString(e).toCharArray()) {
        b.append(c == '-' ? '⁻' : digits.charAt(c - '0'));
      }
      return b.toString();
    }
  }
}

package io.marginflow.bench.suite;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Repeated measurements of one quantity (one value per repetition): median, min, max. */
public final class Samples {
  private final List<Double> values = new ArrayList<>();

  /** Adds one repetition's value. */
  public void add(double v) {
    values.add(v);
  }

  /** Number of values. */
  public int count() {
    return values.size();
  }

  /** The median (mean of the two middle values for an even count); NaN when empty. */
  public double median() {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] a = sorted();
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  }

  /** The smallest value. */
  public double min() {
    return values.isEmpty() ? Double.NaN : sorted()[0];
  }

  /** The largest value. */
  public double max() {
    return values.isEmpty() ? Double.NaN : sorted()[values.size() - 1];
  }

  /** "median (min–max)" with the given number of decimals. */
  public String format(int decimals) {
    String f = "%." + decimals + "f";
    return String.format(Locale.ROOT, f + " (" + f + "–" + f + ")", median(), min(), max());
  }

  /** Median of per-step wall times, skipping the first {@code skipFraction} of the steps. */
  public static double medianOf(double[] perStep, double skipFraction) {
    int skip = (int) Math.floor(perStep.length * skipFraction);
    double[] a = Arrays.copyOfRange(perStep, Math.min(skip, perStep.length - 1), perStep.length);
    Arrays.sort(a);
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
  }

  /** Mean of per-step wall times, skipping the first {@code skipFraction} of the steps. */
  public static double meanOf(double[] perStep, double skipFraction) {
    int skip = (int) Math.floor(perStep.length * skipFraction);
    skip = Math.min(skip, perStep.length - 1);
    double s = 0;
    for (int i = skip; i < perStep.length; i++) {
      s += perStep[i];
    }
    return s / (perStep.length - skip);
  }

  private double[] sorted() {
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a;
  }
}

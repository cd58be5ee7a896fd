package io.marginflow.common.testing;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one place where tests compare floating-point numbers. Tolerances are passed as named
 * constants by the caller, together with the reason; a failure names what was compared.
 */
public final class NumericAssert {

  private NumericAssert() {}

  /** |expected − actual| ≤ absTol + relTol·max(|expected|, |actual|); NaN never passes. */
  public static void assertClose(
      double expected, double actual, double relTol, double absTol, String what) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      fail(what + ": NaN (expected " + expected + ", actual " + actual + ")");
    }
    if (expected == actual) {
      return; // covers equal infinities
    }
    double diff = Math.abs(expected - actual);
    double scale = Math.max(Math.abs(expected), Math.abs(actual));
    if (!(diff <= absTol + relTol * scale)) {
      fail(
          String.format(
              "%s: expected %.17g but was %.17g (|diff|=%.3g, relTol=%.1g, absTol=%.1g)",
              what, expected, actual, diff, relTol, absTol));
    }
  }

  /** Element-wise {@link #assertClose} over two arrays of the same length. */
  public static void assertArrayClose(
      double[] expected, double[] actual, double relTol, double absTol, String what) {
    if (expected.length != actual.length) {
      fail(what + ": length " + expected.length + " vs " + actual.length);
    }
    for (int i = 0; i < expected.length; i++) {
      assertClose(expected[i], actual[i], relTol, absTol, what + "[" + i + "]");
    }
  }

  /**
   * Relative closeness of two vectors in the Euclidean norm: ‖a − b‖ ≤ relTol·max(‖a‖, ‖b‖) +
   * absTol.
   */
  public static void assertVectorClose(
      double[] expected, double[] actual, double relTol, double absTol, String what) {
    if (expected.length != actual.length) {
      fail(what + ": length " + expected.length + " vs " + actual.length);
    }
    double d = 0, a = 0, b = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i] - actual[i];
      d += e * e;
      a += expected[i] * expected[i];
      b += actual[i] * actual[i];
    }
    double diff = Math.sqrt(d);
    double scale = Math.sqrt(Math.max(a, b));
    if (!(diff <= absTol + relTol * scale)) {
      fail(
          String.format(
              "%s: ‖expected − actual‖=%.3g exceeds %.1g·%.3g + %.1g",
              what, diff, relTol, scale, absTol));
    }
  }
}

package io.marginflow.common.net;

import java.util.Arrays;

/**
 * Ranges of a double gradient that a kernel left in float: entry {@code offset + j} of the range is
 * 0.0 + factor·values[j] (exactly what the kernel would have written), computed where the gradient
 * is next read instead of stored and read again. Lyu–Li's CNN has 98 % of its parameters in one
 * dense layer, so a partition sum that defers it spares a 13 MB write and read per step. The values
 * are the kernel's scratch: valid until that kernel's next backward pass. Reused, not thread-safe.
 */
public final class FloatGradientParts {
  private int count;
  private int[] offsets = new int[2];
  private float[][] values = new float[2][];
  private double[] factors = new double[2];

  /** No ranges. */
  public void clear() {
    Arrays.fill(values, 0, count, null);
    count = 0;
  }

  /** Number of ranges. */
  public int count() {
    return count;
  }

  /** Offset in the gradient of range k (ranges are in increasing offset order). */
  public int offset(int k) {
    return offsets[k];
  }

  /** Float values of range k (not a copy). */
  public float[] values(int k) {
    return values[k];
  }

  /** Factor of range k. */
  public double factor(int k) {
    return factors[k];
  }

  /** Adds a range (not overlapping the others): gradient[offset + j] = 0.0 + factor·values[j]. */
  void add(int offset, float[] v, double factor) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, 2 * count);
      values = Arrays.copyOf(values, 2 * count);
      factors = Arrays.copyOf(factors, 2 * count);
    }
    int k = count; // kept in increasing offset order (kernels list their layers back to front)
    while (k > 0 && offsets[k - 1] > offset) {
      offsets[k] = offsets[k - 1];
      values[k] = values[k - 1];
      factors[k] = factors[k - 1];
      k--;
    }
    offsets[k] = offset;
    values[k] = v;
    factors[k] = factor;
    count++;
  }

  /** True if {@code other} has ranges at the same offsets and of the same lengths, in order. */
  public boolean sameRanges(FloatGradientParts other) {
    if (other.count != count) {
      return false;
    }
    for (int k = 0; k < count; k++) {
      if (other.offsets[k] != offsets[k] || other.values[k].length != values[k].length) {
        return false;
      }
    }
    return true;
  }

  /** Writes every range into {@code gradient} and clears. */
  public void writeTo(double[] gradient) {
    for (int k = 0; k < count; k++) {
      float[] v = values[k];
      double f = factors[k];
      int off = offsets[k];
      for (int j = 0; j < v.length; j++) {
        gradient[off + j] = 0.0 + f * v[j];
      }
    }
    clear();
  }
}

package io.marginflow.common.net;

import java.util.Arrays;

/**
 * Ranges of a double gradient left unwritten by {@link StepKernel#backwardWeightedIntoDeferred}:
 * entry offset + j of a range is 0.0 + factor·source[j] (a float from the kernel's own buffer and a
 * double factor, exactly what the kernel would have written), for whoever reads the gradient next
 * to form it in its own pass. Ranges are kept in increasing offset order. The sources belong to the
 * kernel and are valid until its next call; the object is the kernel's and is refilled then.
 */
public final class ScaledFloatRanges {
  private float[][] sources = new float[2][];
  private double[] factors = new double[2];
  private int[] offsets = new int[2];
  private int count;

  /** No ranges. */
  void clear() {
    Arrays.fill(sources, 0, count, null);
    count = 0;
  }

  /** Adds the range [offset, offset + source.length) = 0.0 + factor·source. */
  void add(float[] source, double factor, int offset) {
    if (count == offsets.length) {
      sources = Arrays.copyOf(sources, 2 * count);
      factors = Arrays.copyOf(factors, 2 * count);
      offsets = Arrays.copyOf(offsets, 2 * count);
    }
    int k = count++;
    while (k > 0 && offsets[k - 1] > offset) {
      sources[k] = sources[k - 1];
      factors[k] = factors[k - 1];
      offsets[k] = offsets[k - 1];
      k--;
    }
    sources[k] = source;
    factors[k] = factor;
    offsets[k] = offset;
  }

  /** Number of ranges. */
  public int count() {
    return count;
  }

  /** First gradient entry of range k. */
  public int offset(int k) {
    return offsets[k];
  }

  /** Entries of range k. */
  public int length(int k) {
    return sources[k].length;
  }

  /** The floats of range k (the kernel's buffer: read only). */
  public float[] source(int k) {
    return sources[k];
  }

  /** The factor of range k. */
  public double factor(int k) {
    return factors[k];
  }

  /** True if {@code other} has ranges at the same offsets with the same lengths. */
  public boolean sameLayout(ScaledFloatRanges other) {
    if (other.count != count) {
      return false;
    }
    for (int k = 0; k < count; k++) {
      if (other.offsets[k] != offsets[k] || other.sources[k].length != sources[k].length) {
        return false;
      }
    }
    return true;
  }

  /** Writes every range into {@code gradient}, as the kernel would have. */
  public void writeInto(double[] gradient) {
    for (int k = 0; k < count; k++) {
      float[] src = sources[k];
      double f = factors[k];
      int off = offsets[k];
      for (int j = 0; j < src.length; j++) {
        gradient[off + j] = 0.0 + f * src[j];
      }
    }
  }
}

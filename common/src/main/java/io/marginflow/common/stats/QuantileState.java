package io.marginflow.common.stats;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * Mergeable quantile state of the finite raw margins: the values themselves while their total count
 * is at most {@link #exactLimit}, a KLL sketch (fed with the kept values) once it is exceeded, also
 * across merges. Java-serializable: the sketch travels as its compact byte form.
 *
 * <p>Quantile rule (both modes): lower nearest rank, q_r = smallest v with #{x ≤ v} ≥ r·n, i.e. the
 * sorted value at index ⌈r·n⌉ − 1 (clamped to 0), computed with integer arithmetic from {@link
 * MarginQuantiles#LEVELS_PER_10K}. In sketch mode this is KLL's {@code INCLUSIVE} criterion, with
 * normalized rank error {@code KllSketch.getNormalizedRankError(k, false)} (≈0.28 % at 99 %
 * confidence for k = 1000); q0 and q100 are always the exact min and max, supplied by the caller.
 * KLL compaction draws from the library's own (unseeded) random source, so sketch-mode quantiles
 * may differ between runs within that error; exact-mode results are deterministic.
 */
final class QuantileState implements Serializable {

  private static final long serialVersionUID = 1L;

  private final int exactLimit;
  private final int sketchK;
  private long count;
  private transient double[] exact;
  private transient int exactCount;
  private transient KllDoublesSketch sketch;

  QuantileState(int exactLimit, int sketchK) {
    this.exactLimit = exactLimit;
    this.sketchK = sketchK;
    this.exact = new double[16];
  }

  /** Number of values added (finite margins). */
  long count() {
    return count;
  }

  /** True while quantiles are exact (no sketch yet). */
  boolean isExact() {
    return sketch == null;
  }

  /**
   * Makes room for {@code extra} more values; switches to the sketch if the limit would be passed.
   */
  void reserve(long extra) {
    if (sketch != null) {
      return;
    }
    long total = count + extra;
    if (total > exactLimit) {
      switchToSketch();
    } else if (total > exact.length) {
      exact = Arrays.copyOf(exact, (int) Math.min(exactLimit, Math.max(total, 2L * exact.length)));
    }
  }

  /** Adds one finite value; {@link #reserve} must have been called for it. */
  void add(double v) {
    assert Double.isFinite(v) : v;
    count++;
    if (sketch != null) {
      sketch.update(v);
    } else {
      exact[exactCount++] = v;
    }
  }

  /** Merges {@code other} into this; {@code other} is unchanged. */
  void merge(QuantileState other) {
    reserve(other.count);
    if (sketch == null) {
      assert other.sketch == null;
      System.arraycopy(other.exact, 0, exact, exactCount, other.exactCount);
      exactCount += other.exactCount;
      count += other.count;
    } else if (other.sketch != null) {
      sketch.merge(other.sketch);
      count += other.count;
    } else {
      for (int i = 0; i < other.exactCount; i++) {
        add(other.exact[i]);
      }
    }
  }

  /**
   * The quantiles divided by {@code scale} (> 0); {@code min}/{@code max} are the exact extremes.
   */
  MarginQuantiles quantiles(double min, double max, double scale) {
    if (count == 0) {
      return MarginQuantiles.NOT_AVAILABLE;
    }
    int[] levels = MarginQuantiles.LEVELS_PER_10K;
    double[] q = new double[levels.length];
    double[] sorted = sketch == null ? sortedExact() : null;
    for (int j = 0; j < levels.length; j++) {
      double v;
      if (levels[j] == 0) {
        v = min;
      } else if (levels[j] == 10_000) {
        v = max;
      } else if (sorted != null) {
        v = sorted[nearestRankIndex(levels[j], count)];
      } else {
        v = sketch.getQuantile(levels[j] / 10_000.0, QuantileSearchCriteria.INCLUSIVE);
      }
      q[j] = v / scale;
    }
    return MarginQuantiles.of(q);
  }

  /** Index ⌈level·n/10⁴⌉ − 1, clamped to [0, n − 1], in exact integer arithmetic. */
  static int nearestRankIndex(int levelPer10k, long n) {
    long idx = (levelPer10k * n + 9_999) / 10_000 - 1;
    return (int) Math.max(0, Math.min(n - 1, idx));
  }

  private double[] sortedExact() {
    double[] s = Arrays.copyOf(exact, exactCount);
    Arrays.sort(s);
    return s;
  }

  private void switchToSketch() {
    sketch = KllDoublesSketch.newHeapInstance(sketchK);
    for (int i = 0; i < exactCount; i++) {
      sketch.update(exact[i]);
    }
    exact = null;
    exactCount = 0;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    out.writeObject(sketch == null ? Arrays.copyOf(exact, exactCount) : null);
    out.writeObject(sketch == null ? null : sketch.toByteArray());
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    double[] values = (double[]) in.readObject();
    byte[] bytes = (byte[]) in.readObject();
    if (bytes != null) {
      sketch = KllDoublesSketch.heapify(Memory.wrap(bytes));
      if (sketch.getN() != count) {
        throw new java.io.InvalidObjectException(
            "quantile sketch: holds " + sketch.getN() + " values, expected " + count);
      }
    } else {
      if (values == null || values.length != count) {
        throw new java.io.InvalidObjectException(
            "quantile values: expected "
                + count
                + " values, got "
                + (values == null ? "none" : values.length));
      }
      exact = values.length == 0 ? new double[16] : values;
      exactCount = values.length;
    }
  }
}

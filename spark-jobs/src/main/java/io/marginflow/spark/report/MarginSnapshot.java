package io.marginflow.spark.report;

import java.util.Arrays;

/**
 * One per-sample margin snapshot ({@code margins/step=<K>/}, science.md §5), sorted by row index:
 * the global row index i, the label y_i, the normalized margin p_i(u) and the weight λ_i (softmax
 * of log|ℓ'(p)|). Arrays are shared, not copied: treat them as read-only.
 *
 * @param step the step K
 * @param row global row indices, ascending
 * @param label labels ±1
 * @param margin p_i(u)
 * @param lambda λ_i
 */
public record MarginSnapshot(
    long step, long[] row, double[] label, double[] margin, double[] lambda) {

  /** Validates that all columns have the same length. */
  public MarginSnapshot {
    int n = row.length;
    if (label.length != n || margin.length != n || lambda.length != n) {
      throw new IllegalArgumentException(
          "columns: expected equal lengths, got row="
              + n
              + ", label="
              + label.length
              + ", margin="
              + margin.length
              + ", lambda="
              + lambda.length);
    }
  }

  /** Number of samples. */
  public int size() {
    return row.length;
  }

  /** The margins sorted ascending (a fresh array). */
  public double[] sortedMargins() {
    double[] m = margin.clone();
    Arrays.sort(m);
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MarginSnapshot s
        && step == s.step
        && Arrays.equals(row, s.row)
        && Arrays.equals(label, s.label)
        && Arrays.equals(margin, s.margin)
        && Arrays.equals(lambda, s.lambda);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(step) * 31 + Arrays.hashCode(margin);
  }

  @Override
  public String toString() {
    return "MarginSnapshot[step=" + step + ", n=" + row.length + "]";
  }
}

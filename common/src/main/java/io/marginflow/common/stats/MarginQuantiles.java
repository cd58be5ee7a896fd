package io.marginflow.common.stats;

/**
 * Quantiles (0, 1, 5, 25, 50, 75, 95, 100 %) of the normalized margins p_i(u) = p_i(w)/‖w‖^L
 * (science.md §5 item 5). The rule is the lower nearest rank: q_r is the smallest margin v with #{i
 * : p_i(u) ≤ v} ≥ r·n, so q0 is the minimum and q100 the maximum. Exact for small n, from a
 * deterministic {@link LogBucketQuantileSketch} (relative error {@link
 * LogBucketQuantileSketch#RELATIVE_ACCURACY}) beyond {@link MarginAccumulator#EXACT_QUANTILE_LIMIT}
 * values (q0 and q100 stay exact); see {@link MarginAccumulator}. NaN everywhere when no finite
 * margin was seen.
 */
public record MarginQuantiles(
    double q0,
    double q01,
    double q05,
    double q25,
    double q50,
    double q75,
    double q95,
    double q100) {

  /** The quantile levels, in parts per 10,000, in component order. */
  static final int[] LEVELS_PER_10K = {0, 100, 500, 2500, 5000, 7500, 9500, 10000};

  /** All NaN: no finite margin. */
  public static final MarginQuantiles NOT_AVAILABLE =
      new MarginQuantiles(
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN,
          Double.NaN);

  /** Builds from 8 values in component order. */
  static MarginQuantiles of(double[] v) {
    if (v.length != LEVELS_PER_10K.length) {
      throw new IllegalArgumentException(
          "quantiles: expected " + LEVELS_PER_10K.length + " values, got " + v.length);
    }
    return new MarginQuantiles(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
  }

  /** The 8 values in component order (a fresh array). */
  public double[] toArray() {
    return new double[] {q0, q01, q05, q25, q50, q75, q95, q100};
  }
}

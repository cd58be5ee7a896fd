package io.marginflow.spark.report;

import io.marginflow.common.stats.EvalRow;
import java.util.List;
import java.util.Optional;

/**
 * The band c₁ log k ≤ ‖θ_k‖^L ≤ c₂ log k of the paper's Prop. 3 (science.md §4), fitted to the
 * train evaluations: c₁ and c₂ are the smallest and largest ratio ‖θ_k‖^L / ln k over the fitting
 * range, i.e. the tightest band holding every evaluated point, and {@code slope} is the
 * least-squares c of ‖θ_k‖^L ≈ c ln k. The range is the late stage — evaluations at k ≥ 2 from the
 * first one with a positive normalized margin on — or, when the run never separated, every
 * evaluation at k ≥ 2 ({@code lateStage} false: the proposition does not apply there).
 *
 * @param c1 the lower constant
 * @param c2 the upper constant
 * @param slope the least-squares constant
 * @param fromStep the first step of the fitting range
 * @param toStep the last step of the fitting range
 * @param points number of evaluations fitted
 * @param lateStage whether the range is the late stage
 */
public record NormBand(
    double c1, double c2, double slope, long fromStep, long toStep, int points, boolean lateStage) {

  /** Fits the band to train evaluations in step order; empty with fewer than 2 usable points. */
  public static Optional<NormBand> fit(List<EvalRow> train) {
    long separatedAt = -1;
    for (EvalRow r : train) {
      if (r.normalizedMargin() > 0) {
        separatedAt = r.step();
        break;
      }
    }
    boolean late = separatedAt >= 0;
    long from = Math.max(2, late ? separatedAt : 2);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    double sxy = 0;
    double sxx = 0;
    int n = 0;
    long first = -1;
    long last = -1;
    for (EvalRow r : train) {
      double y = r.normPowL();
      if (r.step() < from || !Double.isFinite(y)) {
        continue;
      }
      double x = Math.log(r.step());
      lo = Math.min(lo, y / x);
      hi = Math.max(hi, y / x);
      sxy += x * y;
      sxx += x * x;
      n++;
      first = first < 0 ? r.step() : first;
      last = r.step();
    }
    if (n < 2) {
      return Optional.empty();
    }
    return Optional.of(new NormBand(lo, hi, sxy / sxx, first, last, n, late));
  }
}

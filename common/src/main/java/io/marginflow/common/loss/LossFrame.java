package io.marginflow.common.loss;

/**
 * The loss frame of science.md §3: an exact re-parameterization of the SGD update that keeps every
 * number in range. With F = LSE_{i∈B} log ℓ(p_i) and weights w_i = e^{log|ℓ'(p_i)| − F} ≤ 1 (since
 * |ℓ'| ≤ ℓ for both losses), the update w_{k+1} = w_k − (γ/n_b) Σ ℓ'(p_i) a_i becomes
 *
 * <pre>  w_{k+1} = w_k + e^{logScale} Σ_i w_i a_i,   logScale = log γ + F − log n_b,</pre>
 *
 * where a_i = y_i ∇_w Φ(x_i) and ℓ' &lt; 0. The batch log loss is F − log n_b.
 *
 * <p>When a batch is spread over partitions, each partition computes its part with {@link
 * #logLossSum} (merged with {@link LogSpace#logAddExp}) and then its weights with {@link
 * #weightsInFrame} in the merged frame; or uses its own frame F_p and rescales its partial sum by
 * e^{F_p − F} when merging.
 *
 * <p>NaN policy: a NaN margin makes F and every weight NaN; callers check {@code Double.isNaN(F)}.
 */
public final class LossFrame {

  private LossFrame() {}

  /**
   * Computes F = LSE_{i&lt;count} log ℓ(margins[i]) and writes w_i = e^{log|ℓ'(margins[i])| − F} ≤
   * 1 into {@code weightsOut[0..count)} (modified; may not alias {@code margins}). Returns F, −∞
   * for count = 0. Allocation-free.
   */
  public static double weights(Loss loss, double[] margins, int count, double[] weightsOut) {
    checkCount(margins, count, weightsOut);
    if (margins == weightsOut) {
      throw new IllegalArgumentException("weightsOut: must not be the margins array");
    }
    if (loss instanceof LogisticLoss) {
      return logisticWeights(margins, count, weightsOut);
    }
    for (int i = 0; i < count; i++) {
      weightsOut[i] = loss.logLoss(margins[i]); // scratch use of the output
    }
    double frame = LogSpace.logSumExp(weightsOut, count);
    fillWeights(loss, margins, count, frame, weightsOut);
    return frame;
  }

  /**
   * Writes w_i = e^{log|ℓ'(margins[i])| − frame} into {@code weightsOut[0..count)} (modified) for a
   * frame chosen by the caller (the batch F merged over partitions, or the last full log loss). The
   * weights are ≤ 1 when the frame is ≥ every log ℓ(p_i).
   */
  public static void weightsInFrame(
      Loss loss, double[] margins, int count, double frame, double[] weightsOut) {
    checkCount(margins, count, weightsOut);
    fillWeights(loss, margins, count, frame, weightsOut);
  }

  /** LSE_{i&lt;count} log ℓ(margins[i]) (−∞ for count = 0): a partition's share of the frame F. */
  public static double logLossSum(Loss loss, double[] margins, int count) {
    if (count < 0 || count > margins.length) {
      throw new IllegalArgumentException(
          "count: must be in [0, " + margins.length + "], got " + count);
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < count; i++) {
      double v = loss.logLoss(margins[i]);
      if (Double.isNaN(v)) {
        return Double.NaN;
      }
      max = Math.max(max, v);
    }
    if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += Math.exp(loss.logLoss(margins[i]) - max);
    }
    return max + Math.log(sum);
  }

  /** logScale = logStep + F − log n_b: the log of the factor that multiplies Σ w_i a_i. */
  public static double logScale(double logStep, double frame, int batchSize) {
    checkBatchSize(batchSize);
    return logStep + frame - Math.log(batchSize);
  }

  /** The batch log loss log((1/n_b) Σ ℓ(p_i)) = F − log n_b. */
  public static double batchLogLoss(double frame, int batchSize) {
    checkBatchSize(batchSize);
    return frame - Math.log(batchSize);
  }

  /**
   * {@link #weights} for the logistic loss in one pass over the margins: log ℓ(q) and log|ℓ'(q)|
   * share e = e^{−|q|} and t = log1p(e) (through {@link LogisticLoss}'s own formulas, so both are
   * bit-identical to its methods), and F is accumulated as a running log-sum-exp (rescaled when the
   * maximum grows). Five transcendental calls per row instead of eight.
   */
  static double logisticWeights(double[] margins, int count, double[] weightsOut) {
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    boolean nan = false;
    for (int i = 0; i < count; i++) {
      double q = margins[i];
      double e = Math.exp(q > 0 ? -q : q);
      double t = Math.log1p(e);
      double logLoss = LogisticLoss.logLoss(q, e, t);
      weightsOut[i] = LogisticLoss.logNegDerivative(q, t);
      if (logLoss > max) {
        sum = sum * Math.exp(max - logLoss) + 1.0;
        max = logLoss;
      } else if (logLoss > Double.NEGATIVE_INFINITY) {
        sum += Math.exp(logLoss - max);
      } else {
        nan |= Double.isNaN(logLoss);
      }
    }
    double frame;
    if (nan) {
      frame = Double.NaN;
    } else if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
      frame = max;
    } else {
      frame = max + Math.log(sum);
    }
    for (int i = 0; i < count; i++) {
      weightsOut[i] = Math.exp(weightsOut[i] - frame);
    }
    return frame;
  }

  private static void fillWeights(
      Loss loss, double[] margins, int count, double frame, double[] weightsOut) {
    for (int i = 0; i < count; i++) {
      weightsOut[i] = Math.exp(loss.logNegDerivative(margins[i]) - frame);
    }
  }

  private static void checkCount(double[] margins, int count, double[] weightsOut) {
    if (count < 0 || count > margins.length || count > weightsOut.length) {
      throw new IllegalArgumentException(
          "count: must be in [0, min(margins.length, weightsOut.length)] = [0, "
              + Math.min(margins.length, weightsOut.length)
              + "], got "
              + count);
    }
  }

  private static void checkBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize: must be ≥ 1, got " + batchSize);
    }
  }
}

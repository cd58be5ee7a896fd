package io.marginflow.common.stats;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One line of {@code metrics/eval.jsonl}: a full-data evaluation of one split (science.md §5 items
 * 1–9), written and read by {@link MetricsJson} (JSON keys in brackets). Values that are not
 * available are NaN: e.g. {@code direction_change} and {@code margin_change_sup} at the first
 * evaluation, stationarity fields for a split where they are not computed. Compares by value
 * (arrays by content); arrays are copied in and out.
 *
 * @param schema format version ({@code schema}), {@link MetricsJson#SCHEMA}
 * @param step k ({@code step})
 * @param split {@code train} or {@code test} ({@code split})
 * @param n number of samples ({@code n})
 * @param logLoss log 𝓛 ({@code log_loss})
 * @param errorRate ({@code error_rate})
 * @param norm ‖w‖ ({@code norm})
 * @param normPowL ‖w‖^L ({@code norm_pow_L})
 * @param layerNorms ‖W_l‖, l = 1..L ({@code layer_norms})
 * @param layerNormProduct Π_l ‖W_l‖ ({@code layer_norm_product})
 * @param layerBalance ‖W_l‖² − ‖W_1‖², l = 1..L ({@code layer_balance})
 * @param minMargin m(w), raw ({@code min_margin})
 * @param maxMargin q_max, raw ({@code max_margin})
 * @param normalizedMargin m(w)/‖w‖^L ({@code normalized_margin})
 * @param layerNormalizedMargin m(w)/Π_l‖W_l‖ ({@code layer_normalized_margin})
 * @param smoothedMargin ({@code smoothed_margin})
 * @param marginQuantiles quantiles of p_i(u) ({@code margin_quantiles})
 * @param nearSupport the 7 near-support counts ({@code near_support})
 * @param effectiveSupport 1/Σλ_i² ({@code effective_support})
 * @param logEffectiveStep log γ̄_k from the full data ({@code log_effective_step})
 * @param odeTime τ_k = Σ_{j<k} γ̂_j, the sum of the per-step minibatch estimates ({@code ode_time})
 * @param eulerResidual self-check ⟨ḡ,u⟩ − L Σλ_i p_i(u) ({@code euler_residual})
 * @param tangentialResidual ‖ḡ − ⟨ḡ,u⟩u‖, computed from that vector ({@code tangential_residual})
 * @param tangentialResidualRel ‖ḡ − ⟨ḡ,u⟩u‖/‖ḡ‖ ({@code tangential_residual_rel}); NaN in rows
 *     written before the field existed
 * @param alignment β = ⟨ḡ,u⟩/‖ḡ‖ ({@code alignment})
 * @param directionChange ‖u_k − u_{k'}‖ since the previous evaluation ({@code direction_change})
 * @param marginChangeSup sup_i |p_i(u_k) − p_i(u_{k'})| ({@code margin_change_sup})
 * @param flags the flags of {@link LateStageMonitor} ({@code flags})
 */
public record EvalRow(
    int schema,
    long step,
    String split,
    long n,
    double logLoss,
    double errorRate,
    double norm,
    double normPowL,
    double[] layerNorms,
    double layerNormProduct,
    double[] layerBalance,
    double minMargin,
    double maxMargin,
    double normalizedMargin,
    double layerNormalizedMargin,
    double smoothedMargin,
    MarginQuantiles marginQuantiles,
    long[] nearSupport,
    double effectiveSupport,
    double logEffectiveStep,
    double odeTime,
    double eulerResidual,
    double tangentialResidual,
    double tangentialResidualRel,
    double alignment,
    double directionChange,
    double marginChangeSup,
    List<String> flags) {

  /** The train split. */
  public static final String TRAIN = "train";

  /** The test split. */
  public static final String TEST = "test";

  /** Validates and copies. */
  public EvalRow {
    if (schema < 1) {
      throw new IllegalArgumentException("schema: expected ≥ 1, got " + schema);
    }
    if (step < 0) {
      throw new IllegalArgumentException("step: expected ≥ 0, got " + step);
    }
    if (!TRAIN.equals(split) && !TEST.equals(split)) {
      throw new IllegalArgumentException("split: expected train|test, got " + split);
    }
    if (n < 0) {
      throw new IllegalArgumentException("n: expected ≥ 0, got " + n);
    }
    Objects.requireNonNull(layerNorms, "layerNorms");
    Objects.requireNonNull(layerBalance, "layerBalance");
    if (layerBalance.length != layerNorms.length) {
      throw new IllegalArgumentException(
          "layerBalance: expected "
              + layerNorms.length
              + " values (one per layer), got "
              + layerBalance.length);
    }
    Objects.requireNonNull(marginQuantiles, "marginQuantiles");
    Objects.requireNonNull(nearSupport, "nearSupport");
    if (nearSupport.length != NearSupportWindow.LEVELS) {
      throw new IllegalArgumentException(
          "nearSupport: expected "
              + NearSupportWindow.LEVELS
              + " counts, got "
              + nearSupport.length);
    }
    Objects.requireNonNull(flags, "flags");
    layerNorms = layerNorms.clone();
    layerBalance = layerBalance.clone();
    nearSupport = nearSupport.clone();
    flags = List.copyOf(flags);
  }

  /**
   * A row without {@code tangential_residual_rel} (NaN), as written before the field existed; the
   * arguments are those of the canonical constructor without it.
   */
  public EvalRow(
      int schema,
      long step,
      String split,
      long n,
      double logLoss,
      double errorRate,
      double norm,
      double normPowL,
      double[] layerNorms,
      double layerNormProduct,
      double[] layerBalance,
      double minMargin,
      double maxMargin,
      double normalizedMargin,
      double layerNormalizedMargin,
      double smoothedMargin,
      MarginQuantiles marginQuantiles,
      long[] nearSupport,
      double effectiveSupport,
      double logEffectiveStep,
      double odeTime,
      double eulerResidual,
      double tangentialResidual,
      double alignment,
      double directionChange,
      double marginChangeSup,
      List<String> flags) {
    this(
        schema,
        step,
        split,
        n,
        logLoss,
        errorRate,
        norm,
        normPowL,
        layerNorms,
        layerNormProduct,
        layerBalance,
        minMargin,
        maxMargin,
        normalizedMargin,
        layerNormalizedMargin,
        smoothedMargin,
        marginQuantiles,
        nearSupport,
        effectiveSupport,
        logEffectiveStep,
        odeTime,
        eulerResidual,
        tangentialResidual,
        Double.NaN,
        alignment,
        directionChange,
        marginChangeSup,
        flags);
  }

  /** A copy of ‖W_l‖. */
  @Override
  public double[] layerNorms() {
    return layerNorms.clone();
  }

  /** A copy of the layer balance. */
  @Override
  public double[] layerBalance() {
    return layerBalance.clone();
  }

  /** A copy of the near-support counts. */
  @Override
  public long[] nearSupport() {
    return nearSupport.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EvalRow r
        && schema == r.schema
        && step == r.step
        && split.equals(r.split)
        && n == r.n
        && Double.compare(logLoss, r.logLoss) == 0
        && Double.compare(errorRate, r.errorRate) == 0
        && Double.compare(norm, r.norm) == 0
        && Double.compare(normPowL, r.normPowL) == 0
        && Arrays.equals(layerNorms, r.layerNorms)
        && Double.compare(layerNormProduct, r.layerNormProduct) == 0
        && Arrays.equals(layerBalance, r.layerBalance)
        && Double.compare(minMargin, r.minMargin) == 0
        && Double.compare(maxMargin, r.maxMargin) == 0
        && Double.compare(normalizedMargin, r.normalizedMargin) == 0
        && Double.compare(layerNormalizedMargin, r.layerNormalizedMargin) == 0
        && Double.compare(smoothedMargin, r.smoothedMargin) == 0
        && marginQuantiles.equals(r.marginQuantiles)
        && Arrays.equals(nearSupport, r.nearSupport)
        && Double.compare(effectiveSupport, r.effectiveSupport) == 0
        && Double.compare(logEffectiveStep, r.logEffectiveStep) == 0
        && Double.compare(odeTime, r.odeTime) == 0
        && Double.compare(eulerResidual, r.eulerResidual) == 0
        && Double.compare(tangentialResidual, r.tangentialResidual) == 0
        && Double.compare(tangentialResidualRel, r.tangentialResidualRel) == 0
        && Double.compare(alignment, r.alignment) == 0
        && Double.compare(directionChange, r.directionChange) == 0
        && Double.compare(marginChangeSup, r.marginChangeSup) == 0
        && flags.equals(r.flags);
  }

  @Override
  public int hashCode() {
    int h =
        Objects.hash(
            schema,
            step,
            split,
            n,
            logLoss,
            errorRate,
            norm,
            normPowL,
            layerNormProduct,
            minMargin,
            maxMargin,
            normalizedMargin,
            layerNormalizedMargin,
            smoothedMargin,
            marginQuantiles,
            effectiveSupport,
            logEffectiveStep,
            odeTime,
            eulerResidual,
            tangentialResidual,
            tangentialResidualRel,
            alignment,
            directionChange,
            marginChangeSup,
            flags);
    h = 31 * h + Arrays.hashCode(layerNorms);
    h = 31 * h + Arrays.hashCode(layerBalance);
    return 31 * h + Arrays.hashCode(nearSupport);
  }

  @Override
  public String toString() {
    return "EvalRow[schema="
        + schema
        + ", step="
        + step
        + ", split="
        + split
        + ", n="
        + n
        + ", logLoss="
        + logLoss
        + ", errorRate="
        + errorRate
        + ", norm="
        + norm
        + ", normPowL="
        + normPowL
        + ", layerNorms="
        + Arrays.toString(layerNorms)
        + ", layerNormProduct="
        + layerNormProduct
        + ", layerBalance="
        + Arrays.toString(layerBalance)
        + ", minMargin="
        + minMargin
        + ", maxMargin="
        + maxMargin
        + ", normalizedMargin="
        + normalizedMargin
        + ", layerNormalizedMargin="
        + layerNormalizedMargin
        + ", smoothedMargin="
        + smoothedMargin
        + ", marginQuantiles="
        + marginQuantiles
        + ", nearSupport="
        + Arrays.toString(nearSupport)
        + ", effectiveSupport="
        + effectiveSupport
        + ", logEffectiveStep="
        + logEffectiveStep
        + ", odeTime="
        + odeTime
        + ", eulerResidual="
        + eulerResidual
        + ", tangentialResidual="
        + tangentialResidual
        + ", tangentialResidualRel="
        + tangentialResidualRel
        + ", alignment="
        + alignment
        + ", directionChange="
        + directionChange
        + ", marginChangeSup="
        + marginChangeSup
        + ", flags="
        + flags
        + "]";
  }
}

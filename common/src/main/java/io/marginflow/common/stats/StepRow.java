package io.marginflow.common.stats;

/**
 * One line of {@code metrics/steps.jsonl}: the cheap per-step statistics of science.md §5 (first
 * paragraph), from the minibatch B_k. Written and read by {@link MetricsJson} (JSON keys in
 * brackets). Values that are not available are NaN.
 *
 * @param schema format version ({@code schema}), {@link MetricsJson#SCHEMA}
 * @param step k ({@code step})
 * @param gamma the step size γ_k actually used ({@code gamma}); for the loss-based step it can
 *     leave the double range (γ = α/𝓛 overflows once 𝓛 &lt; 1e−308): then it is written as JSON
 *     {@code null} and {@code log_gamma} holds it
 * @param batchLogLoss log of the minibatch risk (1/n_b) Σ_{B_k} ℓ(p_i) ({@code batch_log_loss})
 * @param batchMinMargin min_{B_k} p_i(w_k), raw ({@code batch_min_margin})
 * @param norm ‖w_k‖ ({@code norm})
 * @param radialLossTerm −(2Lγ/n_b)‖w_k‖^L Σ_{B_k} ℓ'(p_i) p_i(u_k) of eq. 30 ({@code
 *     radial_loss_term})
 * @param radialStepTerm (γ²/n_b²)‖Σ_{B_k} ℓ'(p_i) a_i‖² of eq. 30 ({@code radial_step_term})
 * @param stepNorm ‖w_{k+1} − w_k‖ ({@code step_norm})
 * @param tangentialStep ‖(I − u_k u_kᵀ)(w_{k+1} − w_k)‖/‖w_k‖ ({@code tangential_step})
 * @param wallMs wall-clock milliseconds of the step ({@code wall_ms})
 * @param logGamma log γ_k ({@code log_gamma}), exact when γ_k is out of range
 * @param logEffectiveStep log γ̂_k = log((γ/n_b)‖w_k‖^{L−2} Σ_{B_k}|ℓ'(p_i(w_k))|), the minibatch
 *     estimate of the effective step (science.md §5 item 6) whose sum over the kept steps is the
 *     ODE clock ({@code log_effective_step}); NaN where undefined (θ = 0) or in rows written before
 *     the field existed
 */
public record StepRow(
    int schema,
    long step,
    double gamma,
    double batchLogLoss,
    double batchMinMargin,
    double norm,
    double radialLossTerm,
    double radialStepTerm,
    double stepNorm,
    double tangentialStep,
    double wallMs,
    double logGamma,
    double logEffectiveStep) {

  /** A row without {@code log_effective_step} (NaN), as written before the field existed. */
  public StepRow(
      int schema,
      long step,
      double gamma,
      double batchLogLoss,
      double batchMinMargin,
      double norm,
      double radialLossTerm,
      double radialStepTerm,
      double stepNorm,
      double tangentialStep,
      double wallMs,
      double logGamma) {
    this(
        schema,
        step,
        gamma,
        batchLogLoss,
        batchMinMargin,
        norm,
        radialLossTerm,
        radialStepTerm,
        stepNorm,
        tangentialStep,
        wallMs,
        logGamma,
        Double.NaN);
  }

  /** Validates schema ≥ 1 and step ≥ 0. */
  public StepRow {
    if (schema < 1) {
      throw new IllegalArgumentException("schema: expected ≥ 1, got " + schema);
    }
    if (step < 0) {
      throw new IllegalArgumentException("step: expected ≥ 0, got " + step);
    }
  }

  /** This row with another {@code wall_ms} (the one machine-dependent field; for comparisons). */
  public StepRow withWallMs(double newWallMs) {
    return new StepRow(
        schema,
        step,
        gamma,
        batchLogLoss,
        batchMinMargin,
        norm,
        radialLossTerm,
        radialStepTerm,
        stepNorm,
        tangentialStep,
        newWallMs,
        logGamma,
        logEffectiveStep);
  }
}

package io.marginflow.common.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * The non-θ part of a checkpoint ({@code meta.json} beside {@code theta.bin}): everything a resumed
 * run needs to continue exactly where the checkpoint was taken. Immutable and self-validating; the
 * JSON form is owned by {@link #toJson()} / {@link #fromJson(byte[], String)} (schema {@value
 * #SCHEMA}, keys in snake_case as annotated).
 *
 * <p>The previous evaluation's direction is not stored: it is θ/‖θ‖ at {@code lastEvalStep}, which
 * the caller recomputes or keeps in {@code monitor}.
 *
 * @param step the step k at which θ was taken (θ = w_k), ≥ 0
 * @param stepRule the step-size rule's state (see {@link StepRuleState})
 * @param sampler the minibatch sampler's name (e.g. {@code iid}, {@code reshuffle}), non-blank
 * @param samplerSeed the sampler's seed
 * @param stepsBytes byte length of {@code metrics/steps.jsonl} when θ was taken (truncate to it on
 *     resume), ≥ 0
 * @param evalBytes byte length of {@code metrics/eval.jsonl} when θ was taken, ≥ 0
 * @param odeTime the ODE clock τ_k = Σ_{j≤k} γ̄_j (science.md §5.6), finite and ≥ 0
 * @param lastEvalStep the step of the last full evaluation, −1 if none yet; ≤ {@code step}
 * @param monitor free JSON state of the monitors (see {@link JsonValues} for the allowed values)
 * @param extra any other JSON state
 */
@JsonPropertyOrder({
  "schema",
  "step",
  "step_rule",
  "sampler",
  "sampler_seed",
  "steps_jsonl_bytes",
  "eval_jsonl_bytes",
  "ode_time",
  "last_eval_step",
  "monitor",
  "extra"
})
public record CheckpointMeta(
    @JsonProperty("step") long step,
    @JsonProperty("step_rule") StepRuleState stepRule,
    @JsonProperty("sampler") String sampler,
    @JsonProperty("sampler_seed") long samplerSeed,
    @JsonProperty("steps_jsonl_bytes") long stepsBytes,
    @JsonProperty("eval_jsonl_bytes") long evalBytes,
    @JsonProperty("ode_time") double odeTime,
    @JsonProperty("last_eval_step") long lastEvalStep,
    @JsonProperty("monitor") Map<String, Object> monitor,
    @JsonProperty("extra") Map<String, Object> extra) {

  /** The schema version written and the only one read. */
  public static final int SCHEMA = 1;

  /**
   * Validates every field; copies {@code monitor} and {@code extra} into canonical immutable maps.
   */
  public CheckpointMeta {
    if (step < 0) {
      throw new IllegalArgumentException("step: expected >= 0, got " + step);
    }
    if (stepRule == null) {
      throw new IllegalArgumentException("step_rule: must not be null");
    }
    if (sampler == null || sampler.isBlank()) {
      throw new IllegalArgumentException(
          "sampler: expected a non-blank name, got '" + sampler + "'");
    }
    if (stepsBytes < 0) {
      throw new IllegalArgumentException("steps_jsonl_bytes: expected >= 0, got " + stepsBytes);
    }
    if (evalBytes < 0) {
      throw new IllegalArgumentException("eval_jsonl_bytes: expected >= 0, got " + evalBytes);
    }
    if (!(odeTime >= 0) || Double.isInfinite(odeTime)) {
      throw new IllegalArgumentException("ode_time: expected finite and >= 0, got " + odeTime);
    }
    if (lastEvalStep < -1 || lastEvalStep > step) {
      throw new IllegalArgumentException(
          "last_eval_step: expected in [-1, step=" + step + "], got " + lastEvalStep);
    }
    monitor = JsonValues.canonicalMap(monitor, "monitor");
    extra = JsonValues.canonicalMap(extra, "extra");
  }

  /** The schema version, written as the {@code schema} key. */
  @JsonProperty(value = "schema", access = JsonProperty.Access.READ_ONLY)
  public int schema() {
    return SCHEMA;
  }

  /** A copy with a different {@code monitor} state. */
  public CheckpointMeta withMonitor(Map<String, Object> newMonitor) {
    return new CheckpointMeta(
        step,
        stepRule,
        sampler,
        samplerSeed,
        stepsBytes,
        evalBytes,
        odeTime,
        lastEvalStep,
        newMonitor,
        extra);
  }

  /** Pretty-printed UTF-8 JSON, ending with a newline. */
  public byte[] toJson() {
    return FormatJson.write(this);
  }

  /**
   * Parses the JSON written by {@link #toJson()}.
   *
   * @param sourceName file name or URI for error messages
   * @throws FormatException on invalid JSON, an unsupported schema ("supported: 1"), a missing or
   *     invalid field
   */
  public static CheckpointMeta fromJson(byte[] json, String sourceName) throws FormatException {
    return FormatJson.read(json, CheckpointMeta.class, SCHEMA, "checkpoint meta", sourceName);
  }

  /**
   * The state of the step-size rule, as plain values (the step package owns their meaning). For the
   * loss-based rule (science.md §3): α in log space, the reference loss of the previous epoch in
   * log space, and the epoch / rollback counters. Rules that do not use a field store NaN (doubles)
   * or 0.
   *
   * @param step the rule's own step counter, ≥ 0
   * @param logAlpha log α_t (any double, NaN if unused)
   * @param referenceLogLoss log 𝓛 of the previous accepted epoch (any double, NaN if unused)
   * @param epochs completed epochs, ≥ 0
   * @param rollbacks epochs rolled back so far, ≥ 0
   */
  @JsonPropertyOrder({"step", "log_alpha", "reference_log_loss", "epochs", "rollbacks"})
  public record StepRuleState(
      @JsonProperty("step") long step,
      @JsonProperty("log_alpha") double logAlpha,
      @JsonProperty("reference_log_loss") double referenceLogLoss,
      @JsonProperty("epochs") long epochs,
      @JsonProperty("rollbacks") long rollbacks) {

    /** Validates the counters. */
    public StepRuleState {
      if (step < 0) {
        throw new IllegalArgumentException("step_rule.step: expected >= 0, got " + step);
      }
      if (epochs < 0) {
        throw new IllegalArgumentException("step_rule.epochs: expected >= 0, got " + epochs);
      }
      if (rollbacks < 0) {
        throw new IllegalArgumentException("step_rule.rollbacks: expected >= 0, got " + rollbacks);
      }
    }
  }
}

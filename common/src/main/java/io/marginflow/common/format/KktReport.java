package io.marginflow.common.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The KKT check of one direction ({@code marginflow kkt --out FILE}, schema {@value #SCHEMA}): is u
 * = θ/‖θ‖ a KKT direction of the normalized margin, i.e. u = Σ_{i∈S} λ_i a_i(u) with λ ≥ 0 over the
 * near-support S (Lyu–Li's KKT conditions of min ‖θ‖² s.t. p_i(θ) ≥ 1, on the sphere), and is ḡ a
 * non-negative combination of the same a_i(u)? Both are solved by NNLS; the JSON form is owned by
 * {@link #toJson()} / {@link #fromJson(byte[], String)}. NaN numbers are written as {@code NaN}.
 *
 * @param run the run directory (or a description of the data for a local check)
 * @param step the checkpoint's step
 * @param tolerance S = {i : p_i(u) ≤ m(u) + tolerance·|m(u)|}
 * @param n rows of the training set
 * @param degree L
 * @param parameters d
 * @param minMargin m(u) = min_i p_i(u)
 * @param supportThreshold the largest p_i(u) admitted to S
 * @param supportSize |S|
 * @param kktResidual min_{λ≥0} ‖u − Σ_S λ_i a_i(u)‖ (‖u‖ = 1, so it is also the relative residual)
 * @param lambdaSum Σ λ_i of that fit
 * @param eulerCheck L·Σ λ_i p_i(u) = ⟨Σ λ_i a_i(u), u⟩ (Euler): ≈ 1 when the residual is small
 * @param gbarResidualRel min_{μ≥0} ‖ḡ − Σ_S μ_i a_i(u)‖ / ‖ḡ‖ (ḡ of science.md §5 item 7)
 * @param gbarLambdaSum Σ μ_i of that fit, for ḡ/‖ḡ‖
 * @param alignment β = ⟨ḡ, u⟩/‖ḡ‖
 * @param nnlsIterations Lawson–Hanson iterations of the u fit
 * @param topRows the rows of S with the largest λ_i, largest first
 */
@JsonPropertyOrder({
  "schema",
  "run",
  "step",
  "tolerance",
  "n",
  "degree",
  "parameters",
  "min_margin",
  "support_threshold",
  "support_size",
  "kkt_residual",
  "lambda_sum",
  "euler_check",
  "gbar_residual_rel",
  "gbar_lambda_sum",
  "alignment",
  "nnls_iterations",
  "top_rows"
})
public record KktReport(
    @JsonProperty("run") String run,
    @JsonProperty("step") long step,
    @JsonProperty("tolerance") double tolerance,
    @JsonProperty("n") long n,
    @JsonProperty("degree") int degree,
    @JsonProperty("parameters") int parameters,
    @JsonProperty("min_margin") double minMargin,
    @JsonProperty("support_threshold") double supportThreshold,
    @JsonProperty("support_size") int supportSize,
    @JsonProperty("kkt_residual") double kktResidual,
    @JsonProperty("lambda_sum") double lambdaSum,
    @JsonProperty("euler_check") double eulerCheck,
    @JsonProperty("gbar_residual_rel") double gbarResidualRel,
    @JsonProperty("gbar_lambda_sum") double gbarLambdaSum,
    @JsonProperty("alignment") double alignment,
    @JsonProperty("nnls_iterations") int nnlsIterations,
    @JsonProperty("top_rows") List<Row> topRows) {

  /** The schema version this class reads and writes. */
  public static final int SCHEMA = 1;

  /** Validates counts and the row list. */
  public KktReport {
    if (run == null) {
      throw new IllegalArgumentException("run: must not be null");
    }
    if (step < 0 || n < 0 || degree < 1 || parameters < 1 || supportSize < 0) {
      throw new IllegalArgumentException(
          "step, n, degree, parameters, support_size: expected ≥ 0 (degree, parameters ≥ 1), got "
              + step
              + ", "
              + n
              + ", "
              + degree
              + ", "
              + parameters
              + ", "
              + supportSize);
    }
    if (!(tolerance >= 0)) {
      throw new IllegalArgumentException("tolerance: expected ≥ 0, got " + tolerance);
    }
    if (topRows == null) {
      throw new IllegalArgumentException("top_rows: must not be null");
    }
    topRows = List.copyOf(topRows);
  }

  /** The schema version, written as the {@code schema} key. */
  @JsonProperty(value = "schema", access = JsonProperty.Access.READ_ONLY)
  public int schema() {
    return SCHEMA;
  }

  /** Pretty-printed UTF-8 JSON, ending with a newline. */
  public byte[] toJson() {
    return FormatJson.write(this);
  }

  /**
   * Parses the JSON written by {@link #toJson()}.
   *
   * @param sourceName file name or URI for error messages
   * @throws FormatException on invalid JSON, an unsupported schema, a missing or invalid field
   */
  public static KktReport fromJson(byte[] json, String sourceName) throws FormatException {
    return FormatJson.read(json, KktReport.class, SCHEMA, "KKT report", sourceName);
  }

  /**
   * One near-support row.
   *
   * @param row its global 0-based index
   * @param margin p_i(u)
   * @param lambda λ_i of the u fit
   */
  @JsonPropertyOrder({"row", "margin", "lambda"})
  public record Row(
      @JsonProperty("row") long row,
      @JsonProperty("margin") double margin,
      @JsonProperty("lambda") double lambda) {}
}

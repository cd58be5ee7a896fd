package io.marginflow.common.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The run manifest ({@code manifest.json}, science.md §7): what was run, on which data, with which
 * software and conventions. Immutable and self-validating; the JSON form is owned by {@link
 * #toJson()} / {@link #fromJson(byte[], String)} (schema {@value #SCHEMA}).
 *
 * @param runId the run's identifier, non-blank
 * @param config the resolved run configuration as a JSON object (see {@link JsonValues})
 * @param data fingerprints of the input files, in the order they were read
 * @param versions software versions
 * @param blas the BLAS implementation in use (e.g. {@code dev.ludovic.netlib.blas.VectorBLAS})
 * @param conventions the mathematical conventions of this run
 * @param startedAt when the run started
 * @param host the host name of the driver, non-blank
 */
@JsonPropertyOrder({
  "schema",
  "run_id",
  "config",
  "data",
  "versions",
  "blas",
  "conventions",
  "started_at",
  "host"
})
public record Manifest(
    @JsonProperty("run_id") String runId,
    @JsonProperty("config") Map<String, Object> config,
    @JsonProperty("data") List<DataFile> data,
    @JsonProperty("versions") Versions versions,
    @JsonProperty("blas") String blas,
    @JsonProperty("conventions") Conventions conventions,
    @JsonProperty("started_at") Instant startedAt,
    @JsonProperty("host") String host) {

  /** The schema version written and the only one read. */
  public static final int SCHEMA = 1;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** Validates every field; copies {@code config} and {@code data} into immutable collections. */
  public Manifest {
    requireText(runId, "run_id");
    config = JsonValues.canonicalMap(config, "config");
    if (data == null) {
      throw new IllegalArgumentException("data: must not be null (use an empty list)");
    }
    for (int i = 0; i < data.size(); i++) {
      if (data.get(i) == null) {
        throw new IllegalArgumentException("data[" + i + "]: must not be null");
      }
    }
    data = List.copyOf(data);
    if (versions == null) {
      throw new IllegalArgumentException("versions: must not be null");
    }
    requireText(blas, "blas");
    if (conventions == null) {
      throw new IllegalArgumentException("conventions: must not be null");
    }
    if (startedAt == null) {
      throw new IllegalArgumentException("started_at: must not be null");
    }
    requireText(host, "host");
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
   * @throws FormatException on invalid JSON, an unsupported schema ("supported: 1"), a missing or
   *     invalid field
   */
  public static Manifest fromJson(byte[] json, String sourceName) throws FormatException {
    return FormatJson.read(json, Manifest.class, SCHEMA, "manifest", sourceName);
  }

  private static void requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": expected non-blank text, got '" + value + "'");
    }
  }

  /**
   * Fingerprint of one input file.
   *
   * @param uri where it was read from, non-blank
   * @param bytes its size in bytes (as stored, e.g. compressed), ≥ 0
   * @param modified its modification time
   * @param rows rows parsed from it, ≥ 0
   * @param features declared feature count, ≥ 1
   * @param sha256 SHA-256 of its content as stored, 64 lower-case hex digits
   */
  @JsonPropertyOrder({"uri", "bytes", "modified", "rows", "features", "sha256"})
  public record DataFile(
      @JsonProperty("uri") String uri,
      @JsonProperty("bytes") long bytes,
      @JsonProperty("modified") Instant modified,
      @JsonProperty("rows") long rows,
      @JsonProperty("features") int features,
      @JsonProperty("sha256") String sha256) {

    /** Validates every field. */
    public DataFile {
      requireText(uri, "data.uri");
      if (bytes < 0) {
        throw new IllegalArgumentException("data.bytes: expected >= 0, got " + bytes);
      }
      if (modified == null) {
        throw new IllegalArgumentException("data.modified: must not be null");
      }
      if (rows < 0) {
        throw new IllegalArgumentException("data.rows: expected >= 0, got " + rows);
      }
      if (features < 1) {
        throw new IllegalArgumentException("data.features: expected >= 1, got " + features);
      }
      if (sha256 == null || !SHA256.matcher(sha256).matches()) {
        throw new IllegalArgumentException(
            "data.sha256: expected 64 lower-case hex digits, got '" + sha256 + "'");
      }
    }
  }

  /**
   * Software versions of the run ("unknown" when a value cannot be determined).
   *
   * @param marginflow marginflow's version
   * @param gitCommit the git commit marginflow was built from
   * @param spark Spark's version
   * @param hadoop Hadoop's version
   * @param java the JVM's version
   */
  @JsonPropertyOrder({"marginflow", "git_commit", "spark", "hadoop", "java"})
  public record Versions(
      @JsonProperty("marginflow") String marginflow,
      @JsonProperty("git_commit") String gitCommit,
      @JsonProperty("spark") String spark,
      @JsonProperty("hadoop") String hadoop,
      @JsonProperty("java") String java) {

    /** Requires every version to be non-blank. */
    public Versions {
      requireText(marginflow, "versions.marginflow");
      requireText(gitCommit, "versions.git_commit");
      requireText(spark, "versions.spark");
      requireText(hadoop, "versions.hadoop");
      requireText(java, "versions.java");
    }
  }

  /**
   * The conventions every output depends on (science.md §1–3).
   *
   * @param risk the risk normalization; only {@value #RISK_MEAN} (𝓛 = (1/n) Σ ℓ) is defined
   * @param reluDerivativeAtZero the fixed value e = σ'(0) of the subgradient oracle, in [0, 1]
   * @param sampler the minibatch sampler ({@code iid}, {@code reshuffle}, …), non-blank
   * @param algorithm the algorithm (e.g. {@code sgd}, {@code gd}, {@code loss-based-step}),
   *     non-blank
   */
  @JsonPropertyOrder({"risk", "relu_derivative_at_zero", "sampler", "algorithm"})
  public record Conventions(
      @JsonProperty("risk") String risk,
      @JsonProperty("relu_derivative_at_zero") double reluDerivativeAtZero,
      @JsonProperty("sampler") String sampler,
      @JsonProperty("algorithm") String algorithm) {

    /** The paper's risk convention: the mean loss. */
    public static final String RISK_MEAN = "mean";

    /** Validates every field. */
    public Conventions {
      if (!RISK_MEAN.equals(risk)) {
        throw new IllegalArgumentException(
            "conventions.risk: expected '" + RISK_MEAN + "', got '" + risk + "'");
      }
      if (!(reluDerivativeAtZero >= 0 && reluDerivativeAtZero <= 1)) {
        throw new IllegalArgumentException(
            "conventions.relu_derivative_at_zero: expected in [0, 1], got " + reluDerivativeAtZero);
      }
      requireText(sampler, "conventions.sampler");
      requireText(algorithm, "conventions.algorithm");
    }
  }
}

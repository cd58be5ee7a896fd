package io.marginflow.common.format;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.Settings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The sweep file ({@code sweep.json} at the root of a sweep directory): the grid, the seeds, and
 * each run's id, configuration and status. Immutable and self-validating; the JSON form is owned by
 * {@link #toJson()} / {@link #fromJson(byte[], String)} (schema {@value #SCHEMA}). A run's status
 * is one of {@code pending} (not started), {@code running}, {@code finished} or {@code failed}
 * (with its reason).
 *
 * @param sweepId the sweep's identifier (its directory name), non-blank
 * @param createdAt when the sweep was first started
 * @param grid grid key → its values, in the order given (may be empty)
 * @param seeds the seeds every grid point is run with, non-empty
 * @param parallel how many runs go at once, ≥ 1
 * @param runs one entry per (grid point, seed), grid points in row-major order, seeds innermost
 */
@JsonPropertyOrder({"schema", "sweep_id", "created_at", "grid", "seeds", "parallel", "runs"})
public record SweepManifest(
    @JsonProperty("sweep_id") String sweepId,
    @JsonProperty("created_at") Instant createdAt,
    @JsonProperty("grid") Map<String, List<String>> grid,
    @JsonProperty("seeds") List<Long> seeds,
    @JsonProperty("parallel") int parallel,
    @JsonProperty("runs") List<Run> runs) {

  /** The schema version written and the only one read. */
  public static final int SCHEMA = 1;

  /** Run states. */
  public static final String PENDING = "pending";

  /** A run that has started and not ended (or whose driver died). */
  public static final String RUNNING = "running";

  /** A run that ended normally (step budget, target loss or wall limit). */
  public static final String FINISHED = "finished";

  /** A run that failed; the reason says why. */
  public static final String FAILED = "failed";

  private static final Set<String> STATES = Set.of(PENDING, RUNNING, FINISHED, FAILED);

  /** Validates every field and copies the collections. */
  public SweepManifest {
    if (sweepId == null || sweepId.isBlank()) {
      throw new IllegalArgumentException(
          "sweep_id: expected non-blank text, got '" + sweepId + "'");
    }
    if (createdAt == null) {
      throw new IllegalArgumentException("created_at: must not be null");
    }
    if (grid == null) {
      throw new IllegalArgumentException("grid: must not be null (use an empty object)");
    }
    Map<String, List<String>> g = new LinkedHashMap<>();
    grid.forEach((k, v) -> g.put(k, List.copyOf(v)));
    grid = java.util.Collections.unmodifiableMap(g);
    if (seeds == null || seeds.isEmpty()) {
      throw new IllegalArgumentException("seeds: expected at least one seed, got " + seeds);
    }
    seeds = List.copyOf(seeds);
    if (parallel < 1) {
      throw new IllegalArgumentException("parallel: expected an integer ≥ 1, got " + parallel);
    }
    if (runs == null) {
      throw new IllegalArgumentException("runs: must not be null");
    }
    runs = List.copyOf(runs);
  }

  /** The schema version, written as the {@code schema} key. */
  @JsonProperty(value = "schema", access = JsonProperty.Access.READ_ONLY)
  public int schema() {
    return SCHEMA;
  }

  /** A copy with run {@code index} replaced. */
  public SweepManifest withRun(int index, Run run) {
    List<Run> r = new ArrayList<>(runs);
    r.set(index, run);
    return new SweepManifest(sweepId, createdAt, grid, seeds, parallel, r);
  }

  /** A copy with another {@code parallel}. */
  public SweepManifest withParallel(int p) {
    return new SweepManifest(sweepId, createdAt, grid, seeds, p, runs);
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
  public static SweepManifest fromJson(byte[] json, String sourceName) throws FormatException {
    return FormatJson.read(json, SweepManifest.class, SCHEMA, "sweep file", sourceName);
  }

  /**
   * One run of the sweep.
   *
   * @param id the run's directory name under the sweep directory, non-blank
   * @param point grid key → value of this run
   * @param seed its seed
   * @param config every run key → its text value (what {@code marginflow train} would be given)
   * @param status pending, running, finished or failed
   * @param reason why it ended (the stop reason or the failure), empty while pending or running
   * @param step the last step reached, -1 if unknown
   * @param wallSeconds seconds the run took (its last session), -1 if it has not ended
   */
  @JsonPropertyOrder({"id", "point", "seed", "status", "reason", "step", "wall_s", "config"})
  public record Run(
      @JsonProperty("id") String id,
      @JsonProperty("point") Map<String, String> point,
      @JsonProperty("seed") long seed,
      @JsonProperty("config") Map<String, String> config,
      @JsonProperty("status") String status,
      @JsonProperty("reason") String reason,
      @JsonProperty("step") long step,
      @JsonProperty("wall_s") double wallSeconds) {

    /** Validates the id and the status; copies the maps. */
    public Run {
      if (id == null || id.isBlank() || id.contains("/")) {
        throw new IllegalArgumentException(
            "runs[].id: expected a directory name, got '" + id + "'");
      }
      if (!STATES.contains(status)) {
        throw new IllegalArgumentException(
            "runs[].status: expected one of " + STATES + ", got '" + status + "'");
      }
      point = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(point));
      config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
      reason = reason == null ? "" : reason;
    }

    /** A copy in another state. */
    public Run with(String newStatus, String newReason, long newStep, double wall) {
      return new Run(id, point, seed, config, newStatus, newReason, newStep, wall);
    }

    /**
     * The run's recorded config as settings, every other key at its default.
     *
     * @throws ConfigException naming the run and the key when a key is unknown
     */
    public Settings settings() {
      Settings s = Settings.defaults();
      for (Map.Entry<String, String> e : config.entrySet()) {
        ConfigKey k =
            ConfigKey.byName(e.getKey())
                .orElseThrow(
                    () ->
                        new ConfigException(
                            "sweep.json: run " + id + ": unknown key '" + e.getKey() + "'"));
        s = s.with(k, e.getValue());
      }
      return s;
    }

    /** True once the run will not be started again by a resume (finished or failed). */
    public boolean done() {
      return status.equals(FINISHED) || status.equals(FAILED);
    }
  }
}

package io.marginflow.spark.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.marginflow.common.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Where a run stands, from its {@code status.json} ({@code {"state": "finished"|"failed", "reason",
 * "step"}}), which the job writes only when it ends. No file means the run is still going (or was
 * killed before it could write one). A run that ended on a stop rule ({@code target-log-loss},
 * {@code max-wall}, the loss-based {@code min-alpha}) or on a stop request ({@code stop-requested})
 * is {@link State#STOPPED}; one that used its whole step budget is {@link State#FINISHED}.
 *
 * @param state the state
 * @param reason the reason recorded by the job (empty while running)
 * @param step the step recorded by the job, −1 when unknown
 */
public record RunStatus(State state, String reason, long step) {

  /** The states of a run. */
  public enum State {
    /** No {@code status.json} yet. */
    RUNNING,
    /** Ran its whole step budget. */
    FINISHED,
    /** Ended early on a stop rule (target loss, wall-clock limit). */
    STOPPED,
    /** Ended with an error (e.g. NaN/Inf, bad input). */
    FAILED;

    /** The lower-case name shown in listings. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Set<String> STOP_REASONS =
      Set.of("target-log-loss", "max-wall", "stop-requested", "min-alpha");

  /** Validates that state and reason are present. */
  public RunStatus {
    if (state == null || reason == null) {
      throw new IllegalArgumentException("state and reason must not be null");
    }
  }

  /** The status of a run without {@code status.json}. */
  public static RunStatus running() {
    return new RunStatus(State.RUNNING, "", -1);
  }

  /**
   * Parses {@code status.json}.
   *
   * @param source file name for messages
   * @throws FormatException if the content is not the object the job writes
   */
  public static RunStatus parse(byte[] json, String source) throws FormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new FormatException(source + ": malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("state").isTextual()) {
      throw new FormatException(
          source + ": expected {\"state\": \"finished\"|\"failed\", \"reason\": …, \"step\": …}");
    }
    String state = root.get("state").textValue();
    String reason = root.path("reason").asText("");
    long step = root.path("step").canConvertToLong() ? root.path("step").asLong(-1) : -1;
    return switch (state) {
      case "finished" ->
          new RunStatus(
              STOP_REASONS.contains(reason) ? State.STOPPED : State.FINISHED, reason, step);
      case "failed" -> new RunStatus(State.FAILED, reason, step);
      default ->
          throw new FormatException(
              source + ": field 'state': expected finished|failed, got '" + state + "'");
    };
  }
}

package io.marginflow.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the service knows of one run beyond its run directory, kept in {@code
 * STATE_DIR/runs/<id>/record.json} so that a restarted service re-attaches. Layout (version 1):
 *
 * <pre>
 * {"format": "marginflow-service-record", "version": 1, "id": …, "run_dir": URI,
 *  "submitted_at": ISO-8601, "submitted_by": …,
 *  "pending": {"kind": "train"|"resume", "queued_at": …, "seq": n, "steps": n|null} | null,
 *  "cancelled": {"at": …, "reason": …} | null,
 *  "attempts": [{"n": 1, "kind": …, "launched_at": …, "steps_at_launch": n}, …],
 *  "kind": "run"|"sweep"}
 * </pre>
 *
 * A record without {@code kind} (written before sweeps) is a run. A sweep's run directory is the
 * sweep directory ({@code ROOT/<sweep-id>}, holding {@code sweep.json}).
 *
 * <p>The driver of attempt {@code n} writes its pid, exit code and log beside the record (see
 * {@link DriverProcess}).
 *
 * @param id the run id
 * @param runDir the run directory URI
 * @param submittedAt when it was submitted
 * @param submittedBy who submitted it (the authenticated client's address)
 * @param pending the launch waiting in the queue, or null
 * @param cancelled why a queued launch was withdrawn, or null
 * @param attempts the launches so far, oldest first
 * @param kind {@value #RUN} or {@value #SWEEP}
 */
public record ServiceRecord(
    String id,
    String runDir,
    Instant submittedAt,
    String submittedBy,
    Pending pending,
    Cancelled cancelled,
    List<Attempt> attempts,
    String kind) {

  /** The kind of a single run. */
  public static final String RUN = "run";

  /** The kind of a sweep (one Spark application for all its runs). */
  public static final String SWEEP = "sweep";

  /** The format name in every record. */
  public static final String FORMAT = "marginflow-service-record";

  /** The only version this class reads and writes. */
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A launch waiting for a free slot. */
  public record Pending(String kind, Instant queuedAt, long seq, Long steps) {
    /** Validates the kind. */
    public Pending {
      if (!kind.equals("train") && !kind.equals("resume")) {
        throw new IllegalArgumentException("pending.kind: expected train|resume, got " + kind);
      }
    }
  }

  /** A queued launch withdrawn by a stop request. */
  public record Cancelled(Instant at, String reason) {}

  /** One launch of the run's driver. */
  public record Attempt(int n, String kind, Instant launchedAt, long stepsAtLaunch) {}

  /** Validates the id and the kind and copies the attempts. */
  public ServiceRecord {
    RunIds.requireValid("id", id);
    attempts = List.copyOf(attempts);
    if (!RUN.equals(kind) && !SWEEP.equals(kind)) {
      throw new IllegalArgumentException("kind: expected run|sweep, got " + kind);
    }
  }

  /** Whether this is a sweep. */
  public boolean sweep() {
    return SWEEP.equals(kind);
  }

  /** The latest attempt, or null. */
  public Attempt lastAttempt() {
    return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
  }

  /** This record with a new pending launch (and no cancellation). */
  public ServiceRecord withPending(Pending p) {
    return new ServiceRecord(id, runDir, submittedAt, submittedBy, p, null, attempts, kind);
  }

  /** This record with the pending launch withdrawn. */
  public ServiceRecord withCancelled(Cancelled c) {
    return new ServiceRecord(id, runDir, submittedAt, submittedBy, null, c, attempts, kind);
  }

  /** This record with the pending launch turned into attempt {@code a}. */
  public ServiceRecord withAttempt(Attempt a) {
    List<Attempt> all = new ArrayList<>(attempts);
    all.add(a);
    return new ServiceRecord(id, runDir, submittedAt, submittedBy, null, null, all, kind);
  }

  /** The JSON text. */
  public String toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("version", VERSION);
    o.put("id", id);
    o.put("run_dir", runDir);
    o.put("submitted_at", submittedAt.toString());
    o.put("submitted_by", submittedBy);
    if (pending == null) {
      o.putNull("pending");
    } else {
      ObjectNode p = o.putObject("pending");
      p.put("kind", pending.kind());
      p.put("queued_at", pending.queuedAt().toString());
      p.put("seq", pending.seq());
      if (pending.steps() == null) {
        p.putNull("steps");
      } else {
        p.put("steps", pending.steps());
      }
    }
    if (cancelled == null) {
      o.putNull("cancelled");
    } else {
      o.putObject("cancelled")
          .put("at", cancelled.at().toString())
          .put("reason", cancelled.reason());
    }
    ArrayNode arr = o.putArray("attempts");
    for (Attempt a : attempts) {
      arr.addObject()
          .put("n", a.n())
          .put("kind", a.kind())
          .put("launched_at", a.launchedAt().toString())
          .put("steps_at_launch", a.stepsAtLaunch());
    }
    o.put("kind", kind);
    return o.toPrettyString() + "\n";
  }

  /**
   * Parses a record.
   *
   * @param source the file, for messages
   * @throws IllegalArgumentException naming the file and field when the record is not version 1
   */
  public static ServiceRecord fromJson(String text, String source) {
    JsonNode o;
    try {
      o = JSON.readTree(text);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(source + ": malformed JSON: " + e.getOriginalMessage());
    }
    if (o == null || !FORMAT.equals(o.path("format").asText())) {
      throw new IllegalArgumentException(source + ": not a " + FORMAT);
    }
    if (o.path("version").asInt(-1) != VERSION) {
      throw new IllegalArgumentException(
          source
              + ": version "
              + o.path("version")
              + " (this service reads version "
              + VERSION
              + ")");
    }
    try {
      JsonNode p = o.path("pending");
      Pending pending =
          p.isObject()
              ? new Pending(
                  p.path("kind").asText(),
                  Instant.parse(p.path("queued_at").asText()),
                  p.path("seq").asLong(),
                  p.path("steps").isNumber() ? p.path("steps").asLong() : null)
              : null;
      JsonNode c = o.path("cancelled");
      Cancelled cancelled =
          c.isObject()
              ? new Cancelled(Instant.parse(c.path("at").asText()), c.path("reason").asText())
              : null;
      List<Attempt> attempts = new ArrayList<>();
      for (JsonNode a : o.path("attempts")) {
        attempts.add(
            new Attempt(
                a.path("n").asInt(),
                a.path("kind").asText(),
                Instant.parse(a.path("launched_at").asText()),
                a.path("steps_at_launch").asLong()));
      }
      return new ServiceRecord(
          o.path("id").asText(),
          o.path("run_dir").asText(),
          Instant.parse(o.path("submitted_at").asText()),
          o.path("submitted_by").asText(),
          pending,
          cancelled,
          attempts,
          o.path("kind").asText(RUN));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }
}

package io.marginflow.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;

/**
 * Streams a metric file's rows as they are written ({@code GET …/metrics?follow=true}), as
 * server-sent events ({@code text/event-stream}): one event per row, {@code id:} its row number and
 * {@code data:} the row's JSON line exactly as in the file; a comment line every {@link
 * Limits#heartbeatMillis()} without rows; {@code event: end} (data {@code {"next": N, "state": …}})
 * once the run has ended and every row was sent; {@code event: idle} when no row came for {@link
 * Limits#idleMillis()}. A client continues after any disconnect with {@code from=} the last id + 1,
 * so rows are neither repeated nor skipped. At most {@link Limits#maxStreams()} streams are open at
 * once (a 429 past it), so clients cannot tie up the server's threads.
 */
public final class MetricStream {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The limits of streaming.
   *
   * @param maxStreams streams open at once, ≥ 1
   * @param idleMillis a stream with no new row for this long ends ({@code event: idle}), ≥ 1000
   * @param heartbeatMillis a comment line is sent after this long without rows, ≥ 100
   * @param pollMillis how often the file is looked at, ≥ 10
   */
  public record Limits(int maxStreams, long idleMillis, long heartbeatMillis, long pollMillis) {
    /** The defaults: 32 streams, 5 minutes idle, a heartbeat every 10 s, polled every 250 ms. */
    public static final Limits DEFAULTS = new Limits(32, 300_000, 10_000, 250);

    /** Validates. */
    public Limits {
      if (maxStreams < 1) {
        throw new IllegalArgumentException("--max-streams: expected ≥ 1, got " + maxStreams);
      }
      if (idleMillis < 1000) {
        throw new IllegalArgumentException(
            "--stream-idle-seconds: expected ≥ 1 s, got " + idleMillis + " ms");
      }
      if (heartbeatMillis < 100 || pollMillis < 10) {
        throw new IllegalArgumentException(
            "heartbeat ≥ 100 ms and poll ≥ 10 ms, got " + heartbeatMillis + ", " + pollMillis);
      }
    }
  }

  /** Where a stream stands when the run is looked at. */
  public interface RunEnd {
    /** The run's state label if it has ended, else null. */
    String endedState() throws IOException;
  }

  private final MetricRows metrics;
  private final Limits limits;
  private final Semaphore open;

  /** Streams over {@code metrics} within {@code limits}. */
  public MetricStream(MetricRows metrics, Limits limits) {
    this.metrics = metrics;
    this.limits = limits;
    this.open = new Semaphore(limits.maxStreams());
  }

  /** The limits. */
  public Limits limits() {
    return limits;
  }

  /**
   * Takes a stream slot, or throws a 429. The caller must {@link #release()} it.
   *
   * @throws ApiException 429 when {@link Limits#maxStreams()} streams are open
   */
  public void acquire() {
    if (!open.tryAcquire()) {
      throw new ApiException(
          429,
          "follow",
          "too many metric streams open ("
              + limits.maxStreams()
              + "); poll without follow=true or retry later");
    }
  }

  /** Gives a slot back. */
  public void release() {
    open.release();
  }

  /**
   * Writes rows of {@code file} from row {@code from} to {@code out} until the run has ended and
   * every row was sent, the stream is idle too long, or the client goes away (an {@link
   * IOException} from {@code out}).
   *
   * @param closed whether the server is stopping
   */
  public void follow(
      URI runDir, String file, long from, RunEnd end, OutputStream out, BooleanSupplier closed)
      throws IOException, InterruptedException {
    long next = from;
    long lastRow = System.currentTimeMillis();
    long lastWrite = lastRow;
    write(out, ": rows of " + file + " from " + from + "\n\n"); // sends the headers at once
    while (!closed.getAsBoolean()) {
      // the state first: rows written before the run ended are all in the file once it has
      String ended = end.endedState();
      MetricRows.Rows rows = metrics.read(runDir, file, next, MetricRows.MAX_ROWS);
      long now = System.currentTimeMillis();
      if (!rows.lines().isEmpty()) {
        StringBuilder b = new StringBuilder();
        long n = rows.from();
        for (String line : rows.lines()) {
          b.append("id: ").append(n++).append('\n').append("data: ").append(line).append("\n\n");
        }
        write(out, b.toString());
        next = rows.next();
        lastRow = now;
        lastWrite = now;
        continue;
      }
      if (ended != null) {
        ObjectNode o = JSON.createObjectNode().put("next", next).put("state", ended);
        write(out, "event: end\ndata: " + o + "\n\n");
        return;
      }
      if (now - lastRow >= limits.idleMillis()) {
        ObjectNode o = JSON.createObjectNode().put("next", next);
        write(out, "event: idle\ndata: " + o + "\n\n");
        return;
      }
      if (now - lastWrite >= limits.heartbeatMillis()) {
        write(out, ": waiting for rows after " + next + "\n\n");
        lastWrite = now;
      }
      Thread.sleep(limits.pollMillis());
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}

package io.marginflow.spark.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.marginflow.common.format.FormatException;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer lock of a run directory, {@code run.lock}: one JSON line {@code {"token", "owner",
 * "host", "pid", "acquired", "heartbeat"}} created exclusively through the Hadoop {@link
 * FileSystem} (so it works on HDFS, where {@code create(overwrite=false)} is atomic at the
 * NameNode, and on the local file system, where it is an {@code O_EXCL} create). While held, a
 * daemon thread rewrites it (atomically) every {@code heartbeat} with a fresh heartbeat time, and
 * {@link #verify()} checks that the file still carries this holder's token before a checkpoint is
 * published.
 *
 * <p>A second writer is refused with a {@link RunLockedException} naming the holder. A lock is
 * stale, and is taken over with a warning, when its heartbeat is older than {@code staleAfter}, or
 * at once when it was taken on this host by a process that no longer exists (a crash or SIGKILL).
 * Two processes taking over the same stale lock in the same instant both rewrite it; the one whose
 * token was overwritten finds out at its next heartbeat or checkpoint and stops before publishing
 * anything ({@link #verify()}).
 */
final class RunLock {

  /** The lock's name in the run directory. */
  static final String FILE_NAME = "run.lock";

  /** Default heartbeat period. */
  static final Duration HEARTBEAT = Duration.ofSeconds(10);

  /** Default age after which a heartbeat is stale (six missed beats). */
  static final Duration STALE_AFTER = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FileOps ops;
  private final FileSystem fs;
  private final Path path;
  private final String token = UUID.randomUUID().toString();
  private final Instant acquired = Instant.now();
  private final ScheduledExecutorService beats;
  private volatile String lost;

  private RunLock(FileSystem fs, FileOps ops, Path path) {
    this.fs = fs;
    this.ops = ops;
    this.path = path;
    this.beats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "run-lock-heartbeat " + path);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Takes the lock of {@code runDir} (taking over a stale one with a warning) and starts its
   * heartbeat.
   *
   * @throws RunLockedException if another live writer holds it
   */
  static RunLock acquire(
      FileSystem fs, FileOps ops, Path runDir, Duration heartbeat, Duration staleAfter)
      throws IOException {
    RunLock lock = new RunLock(fs, ops, new Path(runDir, FILE_NAME));
    try {
      ops.createExclusive(lock.path, lock.content());
    } catch (FileAlreadyExistsException held) {
      JsonNode holder = lock.readHolder();
      String stale = staleness(holder, staleAfter);
      if (stale == null) {
        throw new RunLockedException(
            runDir
                + " is being written by another run ("
                + describe(holder)
                + "; "
                + lock.path
                + "): refusing a second writer. If that run is gone, the lock is taken over once"
                + " its heartbeat is older than "
                + staleAfter.toSeconds()
                + " s");
      }
      LOG.warn("taking over the stale lock {} ({}): {}", lock.path, describe(holder), stale);
      ops.writeAtomically(lock.path, out -> out.write(lock.content()));
    }
    lock.beats.scheduleWithFixedDelay(
        lock::beat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    return lock;
  }

  /**
   * Checks that this process still holds the lock.
   *
   * @throws RunLockedException if another writer took it over
   */
  void verify() throws IOException {
    if (lost == null) {
      JsonNode holder = readHolder();
      if (!token.equals(holder.path("token").asText())) {
        lost = describe(holder);
      }
    }
    if (lost != null) {
      throw new RunLockedException(
          path + " was taken over by another writer (" + lost + "): this run stops writing");
    }
  }

  /** Stops the heartbeat and deletes the lock if it is still this process's. */
  void release() throws IOException {
    beats.shutdownNow();
    try {
      if (!beats.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("heartbeat of {} did not stop within 10 s", path);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lost == null && fs.exists(path) && token.equals(readHolder().path("token").asText())) {
      fs.delete(path, false);
    }
  }

  private void beat() {
    try {
      verify();
      ops.writeAtomically(path, out -> out.write(content()));
    } catch (IOException | RuntimeException e) {
      if (lost != null) {
        LOG.error("{}", e.getMessage());
        beats.shutdown();
      } else {
        LOG.warn("heartbeat of {} failed (will retry): {}", path, e.toString());
      }
    }
  }

  private byte[] content() {
    ObjectNode n = JSON.createObjectNode();
    n.put("token", token);
    n.put("owner", System.getProperty("user.name", "unknown"));
    n.put("host", localHost());
    n.put("pid", ProcessHandle.current().pid());
    n.put("acquired", acquired.toString());
    n.put("heartbeat", Instant.now().toString());
    return (n.toString() + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private JsonNode readHolder() throws IOException {
    byte[] bytes = ops.readAll(path);
    try {
      JsonNode n = JSON.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new FormatException(path + ": expected a JSON object");
      }
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      // A lock cut short by a crash inside its (atomic) write cannot exist; a hand-edited one can.
      throw new FormatException(
          path + ": not a lock written by marginflow: " + e.getOriginalMessage(), e);
    }
  }

  /** Why {@code holder} is stale, or null if it is live. */
  private static String staleness(JsonNode holder, Duration staleAfter) {
    String host = holder.path("host").asText();
    long pid = holder.path("pid").asLong(-1);
    if (host.equals(localHost())
        && pid > 0
        && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false) {
      return "process " + pid + " on this host no longer exists";
    }
    Instant beat;
    try {
      beat = Instant.parse(holder.path("heartbeat").asText());
    } catch (java.time.format.DateTimeParseException e) {
      return "its heartbeat '" + holder.path("heartbeat").asText() + "' is unreadable";
    }
    Duration age = Duration.between(beat, Instant.now());
    return age.compareTo(staleAfter) > 0
        ? "its last heartbeat is "
            + age.toSeconds()
            + " s old (stale after "
            + staleAfter.toSeconds()
            + " s)"
        : null;
  }

  private static String describe(JsonNode holder) {
    return "owner "
        + holder.path("owner").asText("?")
        + ", host "
        + holder.path("host").asText("?")
        + ", pid "
        + holder.path("pid").asText("?")
        + ", last heartbeat "
        + holder.path("heartbeat").asText("?");
  }

  private static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}

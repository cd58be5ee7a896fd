package io.marginflow.spark.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test-only hook that lets a fault test kill the driver at an exact point inside a write: when
 * the system property {@value #PROPERTY} equals {@code <point>:<step>} (e.g. {@code
 * checkpoint:40}), the thread reaching that point logs {@code "paused at <point>:<step>"} and
 * sleeps until it is killed, or, in a test running the job in its own JVM, until the property is
 * changed (the test injects its fault meanwhile). Points: {@code checkpoint} (after {@code
 * theta.bin} of the checkpoint is written, before its {@code meta.json}, digests and {@code
 * LATEST}) and {@code snapshot} (inside each task of a margin snapshot, with its Parquet file
 * open). Unset, it costs one property lookup per checkpoint or snapshot partition.
 *
 * <p>{@link #reachOnce} is the executor-side variant, for killing an executor inside a task: it
 * pauses only where the file named by {@value #ARM_PROPERTY} exists, and only the one task that
 * claims it (renames it to {@code <file>.claimed}); that task writes its JVM's pid to {@code
 * <file>.pid} and sleeps until its executor is killed. Tasks run again elsewhere pass on.
 */
public final class PausePoint {

  /** The system property naming the point to pause at. */
  public static final String PROPERTY = "marginflow.test.pause";

  /** The system property naming the arming file of {@link #reachOnce}. */
  public static final String ARM_PROPERTY = "marginflow.test.pause.arm";

  private static final long MAX_PAUSE_MS = 600_000;

  private static final Logger LOG = LoggerFactory.getLogger(PausePoint.class);

  private PausePoint() {}

  /** Pauses while {@value #PROPERTY} names this point and step; returns at once if it does not. */
  public static void reach(String point, long step) {
    String wanted = System.getProperty(PROPERTY);
    if (wanted == null || !wanted.equals(point + ":" + step)) {
      return;
    }
    LOG.warn("paused at {}:{} ({} is set: waiting to be killed)", point, step, PROPERTY);
    try {
      while (wanted.equals(System.getProperty(PROPERTY))) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.warn("resumed at {}:{} ({} was cleared)", point, step, PROPERTY);
  }

  /**
   * Pauses the one task that claims the arming file while {@value #PROPERTY} equals {@code point};
   * returns at once when either property is unset or the file is absent (already claimed).
   */
  public static void reachOnce(String point) {
    String arm = System.getProperty(ARM_PROPERTY);
    if (arm == null || !point.equals(System.getProperty(PROPERTY))) {
      return;
    }
    Path armed = Path.of(arm);
    try {
      Files.move(armed, Path.of(arm + ".claimed"), StandardCopyOption.ATOMIC_MOVE);
      Path tmp = Path.of(arm + ".pid.tmp");
      Files.writeString(tmp, Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
      Files.move(tmp, Path.of(arm + ".pid"), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException notArmed) {
      return;
    }
    LOG.warn("paused at {} (pid file {}.pid written: waiting to be killed)", point, arm);
    try {
      Thread.sleep(MAX_PAUSE_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

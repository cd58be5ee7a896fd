package io.marginflow.spark.store;

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
 */
public final class PausePoint {

  /** The system property naming the point to pause at. */
  public static final String PROPERTY = "marginflow.test.pause";

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
}

package io.marginflow.spark.store;

import java.io.IOException;

/**
 * Thrown when a run directory's writer lock ({@code run.lock}) is held by another live writer, or
 * when this writer's lock was taken over; the message names the holder (owner, host, pid, last
 * heartbeat) and the lock file.
 */
public final class RunLockedException extends IOException {

  private static final long serialVersionUID = 1L;

  /** A refusal with its full message. */
  public RunLockedException(String message) {
    super(message);
  }
}

package io.marginflow.service;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Steps per second of running runs, measured by the service between two looks at the step count
 * (the first look after a launch or a service restart is the baseline), so that start-up time is
 * not counted. Memory only: a restarted service measures again.
 */
public final class ProgressMeter {

  /** Looks closer together than this give no rate yet. */
  static final long MIN_WINDOW_NANOS = 2_000_000_000L;

  private record Look(String attempt, long step, long nanos) {}

  private final Map<String, Look> first = new ConcurrentHashMap<>();

  /**
   * Records a look at {@code step} for the launch {@code attempt} of run {@code id}; returns the
   * rate since the first look of that launch, or null while there is none yet.
   */
  public Double rate(String id, String attempt, long step, long nowNanos) {
    Look f =
        first.compute(
            id,
            (k, old) ->
                old == null || !old.attempt().equals(attempt) || step < old.step()
                    ? new Look(attempt, step, nowNanos)
                    : old);
    long dt = nowNanos - f.nanos();
    if (dt < MIN_WINDOW_NANOS || step <= f.step()) {
      return null;
    }
    return (step - f.step()) / (dt / 1e9);
  }

  /** Forgets a run (it ended). */
  public void forget(String id) {
    first.remove(id);
  }
}

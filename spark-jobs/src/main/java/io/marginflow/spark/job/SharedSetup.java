package io.marginflow.spark.job;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the runs of a sweep that train on the same cached data can measure once instead of once per
 * run: the BLAS implementation of the executors holding the blocks, and the step path chosen by the
 * {@code auto} cost model for a given model, batch and sampler. Neither changes a run's bits (the
 * rows and job paths give the same sums; the BLAS check only decides whether the rows path may be
 * used), so sharing them is pure saving. A run that finds no entry measures and records it; runs
 * asking for the same key meanwhile wait for it. Thread-safe.
 */
public final class SharedSetup {

  private final Map<String, Object> values = new HashMap<>();
  private final Map<String, Object> locks = new HashMap<>();

  /**
   * The value under {@code key}, computed by {@code measure} the first time (while other callers of
   * the same key wait).
   */
  @SuppressWarnings("unchecked")
  <T> T get(String key, Supplier<T> measure) {
    Object lock;
    synchronized (this) {
      Object v = values.get(key);
      if (v != null) {
        return (T) v;
      }
      lock = locks.computeIfAbsent(key, k -> new Object());
    }
    synchronized (lock) {
      synchronized (this) {
        Object v = values.get(key);
        if (v != null) {
          return (T) v;
        }
      }
      T v = measure.get();
      synchronized (this) {
        values.put(key, v);
      }
      return v;
    }
  }
}

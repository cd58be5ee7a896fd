package io.marginflow.service;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values recomputed at most once per time-to-live per key, however many clients ask at once: the
 * first caller of a stale key computes while the others for that key wait and share the result.
 * Used for what is costly to read from a run directory (summaries, listing) and changes slowly; run
 * states are never cached.
 *
 * @param <K> the key
 * @param <V> the value (shared between callers: immutable, or copied by them)
 */
public final class TtlCache<K, V> {

  /** A computation that may fail with an I/O error. */
  @FunctionalInterface
  public interface Loader<V> {
    /** Computes the value. */
    V load() throws IOException;
  }

  private record Entry<V>(V value, long at) {}

  private final long ttlNanos;
  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final Map<K, Object> locks = new ConcurrentHashMap<>();

  /** A cache whose values live {@code ttlMillis}. */
  public TtlCache(long ttlMillis) {
    this.ttlNanos = ttlMillis * 1_000_000L;
  }

  /** The value of {@code key}, computed by {@code loader} if missing or stale. */
  public V get(K key, Loader<V> loader) throws IOException {
    Entry<V> e = entries.get(key);
    if (fresh(e)) {
      return e.value();
    }
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      e = entries.get(key);
      if (fresh(e)) {
        return e.value();
      }
      V v = loader.load();
      entries.put(key, new Entry<>(v, System.nanoTime()));
      return v;
    }
  }

  /** Forgets {@code key} (after a change the next reader must see). */
  public void invalidate(K key) {
    entries.remove(key);
  }

  private boolean fresh(Entry<V> e) {
    return e != null && System.nanoTime() - e.at() < ttlNanos;
  }
}

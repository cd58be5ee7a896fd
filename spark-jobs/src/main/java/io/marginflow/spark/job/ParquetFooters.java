package io.marginflow.spark.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The footers of Parquet files as a run's driver uses them: each file's footer is read once (per
 * length and modification time) and kept, so that the scan's layout check, its footer facts, the
 * layout hint and the load use one read of each file's tail instead of one each. Footers of many
 * files are read side by side ({@link #THREADS} reads in flight: a footer read waits on the file
 * system far more than it computes). The cache holds the footers last used up to {@link
 * #CAPACITY_BYTES} stored footer bytes (their parsed form is a few times larger); a file rewritten
 * since (another length or modification time) is read again. Thread-safe.
 */
public final class ParquetFooters {

  /** Stored footer bytes kept at most (thousands of footers of a few KB each). */
  static final long CAPACITY_BYTES = 16L << 20;

  /** Footer reads in flight at most. */
  static final int THREADS = 8;

  private static final LinkedHashMap<Key, ParquetFooter> CACHE =
      new LinkedHashMap<>(64, 0.75f, true);

  private static long cachedBytes; // guarded by CACHE

  private record Key(String uri, long length, long modified) {}

  private ParquetFooters() {}

  /** The footer of {@code uri} as the file is now (one status call; read if not kept). */
  public static ParquetFooter of(String uri, Configuration conf) throws IOException {
    Path path = new Path(uri);
    return of(uri, path.getFileSystem(conf).getFileStatus(path), conf);
  }

  /** The footers of {@code uris}, in order, those not kept read side by side. */
  public static List<ParquetFooter> of(List<String> uris, Configuration conf) throws IOException {
    if (uris.size() <= 1) {
      List<ParquetFooter> out = new ArrayList<>();
      for (String u : uris) {
        out.add(of(u, conf));
      }
      return out;
    }
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.min(THREADS, uris.size()),
            r -> {
              Thread t = new Thread(r, "marginflow-parquet-footers");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<ParquetFooter>> futures = new ArrayList<>();
      for (String u : uris) {
        futures.add(pool.submit(() -> of(u, conf)));
      }
      List<ParquetFooter> out = new ArrayList<>();
      for (Future<ParquetFooter> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted reading parquet footers", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof UncheckedIOException u) {
        throw u.getCause();
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    } finally {
      pool.shutdownNow();
    }
  }

  private static ParquetFooter of(String uri, FileStatus status, Configuration conf)
      throws IOException {
    Key key = new Key(uri, status.getLen(), status.getModificationTime());
    synchronized (CACHE) {
      ParquetFooter kept = CACHE.get(key);
      if (kept != null) {
        return kept;
      }
    }
    ParquetFooter read = ParquetFooter.read(uri, status, conf);
    synchronized (CACHE) {
      ParquetFooter before = CACHE.put(key, read);
      cachedBytes += read.storedBytes() - (before == null ? 0 : before.storedBytes());
      Iterator<Map.Entry<Key, ParquetFooter>> eldest = CACHE.entrySet().iterator();
      while (cachedBytes > CAPACITY_BYTES && eldest.hasNext()) {
        Map.Entry<Key, ParquetFooter> e = eldest.next();
        if (e.getValue() != read) {
          cachedBytes -= e.getValue().storedBytes();
          eldest.remove();
        }
      }
    }
    return read;
  }
}

package io.marginflow.bench.suite;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Seeded replication of a LIBSVM file: replica 0 is the first {@code limit} lines of the source in
 * order; replica r ≥ 1 holds the same lines in the order of a Fisher–Yates permutation drawn from
 * {@code SplittableRandom(seed + r)}. The result has factor × limit rows, each original row exactly
 * {@code factor} times, so every rate and margin statistic is that of the source; only n grows.
 */
public final class Replicas {

  /** The seed of the replica permutations. */
  public static final long SEED = 20261127L;

  private Replicas() {}

  /** Writes (or reuses, when present with the right line count) the replicated file. */
  public static Path write(Path source, int factor, int limit, Path dir) throws IOException {
    Path out =
        dir.resolve(
            source.getFileName().toString().replace(".gz", "")
                + "-x"
                + factor
                + (limit < Integer.MAX_VALUE ? "-first" + limit : "")
                + ".libsvm");
    List<String> lines = read(source, limit);
    if (Files.exists(out) && countLines(out) == (long) lines.size() * factor) {
      return out;
    }
    Files.createDirectories(dir);
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      int[] order = new int[lines.size()];
      for (int r = 0; r < factor; r++) {
        for (int i = 0; i < order.length; i++) {
          order[i] = i;
        }
        if (r > 0) {
          SplittableRandom rnd = new SplittableRandom(SEED + r);
          for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
        }
        for (int i : order) {
          w.write(lines.get(i));
          w.write('\n');
        }
      }
    }
    Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return out;
  }

  private static List<String> read(Path source, int limit) throws IOException {
    List<String> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(source)), StandardCharsets.UTF_8))) {
      String s;
      while (lines.size() < limit && (s = r.readLine()) != null) {
        if (!s.isBlank()) {
          lines.add(s.strip());
        }
      }
    }
    return lines;
  }

  private static long countLines(Path p) throws IOException {
    try (var s = Files.lines(p)) {
      return s.count();
    }
  }
}

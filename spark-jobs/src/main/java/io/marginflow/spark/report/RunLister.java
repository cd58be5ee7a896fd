package io.marginflow.spark.report;

import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Finds the runs under a root directory (any Hadoop URI) and summarizes each from its manifest, its
 * status and the <em>tails</em> of its metric files, so that listing many long runs stays fast. A
 * run directory is one with {@code manifest.json}; the root itself, its children and its
 * grandchildren are searched (runs may be grouped one level deep). Directories with metrics but no
 * manifest are listed as unreadable.
 */
public final class RunLister {

  /** Bytes read from the end of a metric file. */
  static final int TAIL_BYTES = 256 * 1024;

  private RunLister() {}

  /** The runs under {@code root}, oldest first. */
  public static List<RunSummary> list(String root, Configuration conf) throws IOException {
    Path dir = RunReader.qualify(root, conf);
    FileSystem fs = dir.getFileSystem(conf);
    if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
      throw new FileNotFoundException("no such directory: " + dir);
    }
    List<RunSummary> out = new ArrayList<>();
    collect(fs, dir, 0, out);
    out.sort(
        Comparator.comparing(
                (RunSummary s) -> s.startedAt() == null ? java.time.Instant.MAX : s.startedAt())
            .thenComparing(RunSummary::id));
    return out;
  }

  private static void collect(FileSystem fs, Path dir, int depth, List<RunSummary> out)
      throws IOException {
    if (fs.exists(new Path(dir, RunReader.MANIFEST))) {
      out.add(summarize(fs, dir));
      return;
    }
    if (depth > 0 && fs.exists(new Path(dir, "metrics"))) {
      out.add(
          RunSummary.unreadable(
              RunReader.dirName(dir), dir.toUri(), RunReader.MANIFEST + " is missing"));
      return;
    }
    if (depth >= 2) {
      return;
    }
    FileStatus[] children = fs.listStatus(dir);
    java.util.Arrays.sort(children);
    for (FileStatus c : children) {
      if (c.isDirectory()
          && !c.getPath().getName().startsWith("_")
          && !c.getPath().getName().startsWith(".")) {
        collect(fs, c.getPath(), depth + 1, out);
      }
    }
  }

  /** Summarizes one run directory; read errors become an unreadable entry. */
  public static RunSummary summarize(FileSystem fs, Path dir) {
    try {
      Path mp = new Path(dir, RunReader.MANIFEST);
      Manifest m = Manifest.fromJson(RunReader.readAll(fs, mp), mp.toString());
      Path sp = new Path(dir, RunReader.STATUS);
      RunStatus status =
          fs.exists(sp)
              ? RunStatus.parse(RunReader.readAll(fs, sp), sp.toString())
              : RunStatus.running();
      long modified = fs.getFileStatus(mp).getModificationTime();
      Path steps = new Path(dir, RunReader.STEPS);
      Path eval = new Path(dir, RunReader.EVAL);
      StepRow lastStep = last(fs, steps, MetricsJson::parseStepRow, r -> true);
      EvalRow lastTrain =
          last(fs, eval, MetricsJson::parseEvalRow, r -> r.split().equals(EvalRow.TRAIN));
      EvalRow lastEval = last(fs, eval, MetricsJson::parseEvalRow, r -> true);
      for (Path p : new Path[] {steps, eval}) {
        if (fs.exists(p)) {
          modified = Math.max(modified, fs.getFileStatus(p).getModificationTime());
        }
      }
      long done = Math.max(status.step(), 0);
      done = Math.max(done, lastStep == null ? 0 : lastStep.step() + 1);
      done = Math.max(done, lastEval == null ? 0 : lastEval.step());
      OptionalLong latest = latest(fs, new Path(dir, RunReader.LATEST));
      done = Math.max(done, latest.orElse(0));
      String model = str(m, "resolved_model", str(m, "model", "?"));
      String sampler = m.conventions().sampler();
      String batch = RunSummary.batchShown(m);
      return new RunSummary(
          RunReader.dirName(dir),
          dir.toUri(),
          m.runId(),
          m.startedAt(),
          model,
          str(m, "loss", "?"),
          sampler,
          str(m, "step", "?"),
          batch,
          done,
          lastTrain == null ? Double.NaN : lastTrain.normalizedMargin(),
          status,
          modified,
          null);
    } catch (IOException | RuntimeException e) {
      return RunSummary.unreadable(RunReader.dirName(dir), dir.toUri(), e.getMessage());
    }
  }

  private static String str(Manifest m, String key, String fallback) {
    Object v = m.config().get(key);
    return v == null || v.toString().isEmpty() ? fallback : v.toString();
  }

  private static OptionalLong latest(FileSystem fs, Path p) throws IOException {
    if (!fs.exists(p)) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(
          Long.parseLong(new String(RunReader.readAll(fs, p), StandardCharsets.US_ASCII).trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * The last row of a metric file that parses and matches; reads the last {@link #TAIL_BYTES} first
   * and the whole file only if no row there matches. Incomplete or bad lines are passed over.
   */
  static <T> T last(FileSystem fs, Path p, Function<String, T> parser, Predicate<T> want)
      throws IOException {
    if (!fs.exists(p)) {
      return null;
    }
    long len = RunReader.visibleLength(fs, p, fs.getFileStatus(p).getLen());
    long from = Math.max(0, len - TAIL_BYTES);
    while (true) {
      byte[] buf = new byte[(int) Math.min(Integer.MAX_VALUE - 16, len - from)];
      try (FSDataInputStream in = fs.open(p)) {
        in.readFully(from, buf);
      }
      String[] lines = new String(buf, StandardCharsets.UTF_8).split("\n");
      for (int i = lines.length - 1; i >= (from > 0 ? 1 : 0); i--) {
        if (lines[i].isBlank()) {
          continue;
        }
        try {
          T row = parser.apply(lines[i]);
          if (want.test(row)) {
            return row;
          }
        } catch (IllegalArgumentException e) {
          // an incomplete last line or a bad one: the previous line is what we want
        }
      }
      if (from == 0) {
        return null;
      }
      from = 0;
    }
  }
}

package io.marginflow.spark.report;

import io.marginflow.common.format.FormatException;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.client.HdfsDataInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a run directory (local path or any Hadoop URI) for reports, strictly read-only — unlike
 * RunStore.open, it recovers no lease and deletes nothing, so it is safe on a run that is still
 * going. It reads what is there: metric files up to their current (HDFS: visible) length, an
 * incomplete last line skipped with a warning (see {@link MetricLines}).
 *
 * <p>Errors name the directory and file: no such directory; {@code manifest.json} missing (not a
 * run directory, or the job has not loaded its input yet); a malformed manifest, status or metric
 * line; an unsupported schema version.
 */
public final class RunReader {

  private static final Logger LOG = LoggerFactory.getLogger(RunReader.class);

  /** {@code manifest.json}. */
  public static final String MANIFEST = "manifest.json";

  /** {@code metrics/steps.jsonl}. */
  public static final String STEPS = "metrics/steps.jsonl";

  /** {@code metrics/eval.jsonl}. */
  public static final String EVAL = "metrics/eval.jsonl";

  /** {@code status.json}. */
  public static final String STATUS = "status.json";

  /** {@code checkpoints/LATEST}. */
  public static final String LATEST = "checkpoints/LATEST";

  private static final int SMALL_FILE_LIMIT = 16 << 20;

  private RunReader() {}

  /**
   * How much to read.
   *
   * @param maxStepRows most rows of steps.jsonl kept (thinned beyond, see {@link MetricLines})
   * @param maxSnapshots most margin snapshots loaded for plotting (first, last, evenly between)
   */
  public record Options(int maxStepRows, int maxSnapshots) {

    /** 200,000 step rows, 4 snapshots. */
    public static final Options DEFAULTS = new Options(200_000, 4);

    /** Metadata and the last rows only: no snapshots (for listings). */
    public static final Options LISTING = new Options(1_000, 0);

    /** Validates the bounds. */
    public Options {
      if (maxStepRows < 16) {
        throw new IllegalArgumentException("maxStepRows: expected ≥ 16, got " + maxStepRows);
      }
      if (maxSnapshots < 0) {
        throw new IllegalArgumentException("maxSnapshots: expected ≥ 0, got " + maxSnapshots);
      }
    }
  }

  /** Reads the run directory {@code dir} (a URI or a local path). */
  public static RunData read(String dir, Configuration conf, Options options) throws IOException {
    Path path = qualify(dir, conf);
    return read(path.getFileSystem(conf), conf, path, options);
  }

  /** A fully qualified path; plain paths are local files. */
  public static Path qualify(String dir, Configuration conf) throws IOException {
    return io.marginflow.spark.job.InputFiles.qualify(dir, conf);
  }

  /** Reads the run directory {@code dir} on {@code fs}. */
  public static RunData read(FileSystem fs, Configuration conf, Path dir, Options options)
      throws IOException {
    if (!fs.exists(dir)) {
      throw new FileNotFoundException("no such run directory: " + dir);
    }
    if (!fs.getFileStatus(dir).isDirectory()) {
      throw new FileNotFoundException(dir + " is a file, not a run directory");
    }
    Path manifestPath = new Path(dir, MANIFEST);
    if (!fs.exists(manifestPath)) {
      throw new FileNotFoundException(
          dir
              + ": not a marginflow run directory: "
              + MANIFEST
              + " is missing (the job writes it"
              + " once its input is loaded; a directory that only has metrics is damaged)");
    }
    Manifest manifest = Manifest.fromJson(readAll(fs, manifestPath), manifestPath.toString());
    List<String> warnings = new ArrayList<>();
    long[] modified = {fs.getFileStatus(manifestPath).getModificationTime()};
    MetricLines.Parsed<StepRow> steps =
        metrics(
            fs,
            new Path(dir, STEPS),
            MetricsJson::parseStepRow,
            options.maxStepRows(),
            warnings,
            modified);
    MetricLines.Parsed<EvalRow> evals =
        metrics(
            fs,
            new Path(dir, EVAL),
            MetricsJson::parseEvalRow,
            Integer.MAX_VALUE,
            warnings,
            modified);
    Path statusPath = new Path(dir, STATUS);
    RunStatus status =
        fs.exists(statusPath)
            ? RunStatus.parse(readAll(fs, statusPath), statusPath.toString())
            : RunStatus.running();
    OptionalLong latest = latestCheckpoint(fs, new Path(dir, LATEST), warnings);
    List<Long> snapshotSteps = MarginSnapshotReader.steps(fs, dir);
    List<MarginSnapshot> snapshots = new ArrayList<>();
    for (long step : pick(snapshotSteps, options.maxSnapshots())) {
      try {
        snapshots.add(MarginSnapshotReader.read(fs, conf, dir, step));
      } catch (IOException e) {
        warnings.add("margin snapshot at step " + step + " not read: " + e.getMessage());
      }
    }
    for (String w : warnings) {
      LOG.warn("{}", w);
    }
    return new RunData(
        dirName(dir),
        dir.toUri(),
        manifest,
        steps.rows(),
        steps.lines(),
        evals.rows(),
        status,
        latest,
        snapshotSteps,
        snapshots,
        modified[0],
        warnings);
  }

  /** The last segment of a directory path, ignoring a trailing slash. */
  static String dirName(Path dir) {
    String p = dir.toUri().getPath();
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    String name = p.substring(p.lastIndexOf('/') + 1);
    return name.isEmpty() ? dir.toString() : name;
  }

  /** Up to {@code max} of the steps: the first, the last and evenly spaced ones between. */
  static List<Long> pick(List<Long> steps, int max) {
    List<Long> out = new ArrayList<>();
    if (max <= 0 || steps.isEmpty()) {
      return out;
    }
    if (steps.size() <= max) {
      return new ArrayList<>(steps);
    }
    if (max == 1) {
      return List.of(steps.get(steps.size() - 1));
    }
    for (int i = 0; i < max; i++) {
      long s = steps.get((int) Math.round((double) i * (steps.size() - 1) / (max - 1)));
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return out;
  }

  private static <T> MetricLines.Parsed<T> metrics(
      FileSystem fs,
      Path p,
      Function<String, T> parser,
      int maxRows,
      List<String> warnings,
      long[] modified)
      throws IOException {
    if (!fs.exists(p)) {
      warnings.add(p + " does not exist yet (no rows)");
      return new MetricLines.Parsed<>(List.of(), 0, List.of());
    }
    FileStatus st = fs.getFileStatus(p);
    modified[0] = Math.max(modified[0], st.getModificationTime());
    long length = visibleLength(fs, p, st.getLen());
    MetricLines.Parsed<T> parsed =
        MetricLines.read(() -> fs.open(p), length, p.toString(), parser, maxRows);
    warnings.addAll(parsed.warnings());
    return parsed;
  }

  /** The readable length: on HDFS a file still being written is longer than its status says. */
  public static long visibleLength(FileSystem fs, Path p, long statusLength) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      if (in instanceof HdfsDataInputStream h) {
        return Math.max(statusLength, h.getVisibleLength());
      }
    }
    return statusLength;
  }

  private static OptionalLong latestCheckpoint(FileSystem fs, Path latest, List<String> warnings)
      throws IOException {
    if (!fs.exists(latest)) {
      return OptionalLong.empty();
    }
    String text = new String(readAll(fs, latest), StandardCharsets.US_ASCII).trim();
    try {
      return OptionalLong.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      warnings.add(latest + ": expected a step number, got '" + text + "'");
      return OptionalLong.empty();
    }
  }

  static byte[] readAll(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      long total = 0;
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (total > SMALL_FILE_LIMIT) {
          throw new FormatException(p + ": larger than " + SMALL_FILE_LIMIT + " bytes");
        }
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    }
  }
}

package io.marginflow.spark.store;

import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.format.FormatException;
import io.marginflow.common.format.Manifest;
import java.io.Closeable;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin store over a Hadoop {@link FileSystem} for one run directory, given as any URI ({@code
 * file:/…}, a plain path resolved against {@code fs.defaultFS}, {@code hdfs://…}). The formats of
 * what it writes belong to {@code io.marginflow.common.format}; this class only decides where and
 * how safely. Layout:
 *
 * <pre>
 * manifest.json                     Manifest (written atomically)
 * metrics/steps.jsonl               per-step rows, append-only ({@link #steps()})
 * metrics/eval.jsonl                evaluation rows, append-only ({@link #eval()})
 * checkpoints/step-&lt;K&gt;/theta.bin    θ at step K (CheckpointFormat)
 * checkpoints/step-&lt;K&gt;/meta.json    CheckpointMeta at step K
 * checkpoints/step-&lt;K&gt;/SHA256SUMS   digests of the checkpoint's files (CheckpointDigests)
 * checkpoints/LATEST                "K\n": the only checkpoint that counts, written last
 * run.lock                          the writer lock (RunLock), present while a writer has it open
 * </pre>
 *
 * <p><b>Atomic writes.</b> {@link #writeAtomically} writes {@code _tmp-<name>-<uuid>} in the
 * target's directory, hsyncs and closes it, then renames it over the target. On HDFS the rename
 * uses {@code Rename.OVERWRITE}, which is atomic; on the local file system {@code rename(2)}
 * replaces the target atomically. On any other file system whose rename refuses an existing target,
 * the target is deleted first and there is a window in which it does not exist. Checkpoints are
 * safe in that window because of the order of writes: {@code theta.bin} and {@code meta.json} go to
 * a new directory (nothing is replaced), and only then is {@code LATEST} replaced. A crash before
 * the swap leaves the previous {@code LATEST}, which still points at a complete checkpoint; a crash
 * inside the window leaves no {@code LATEST} but a complete {@code checkpoints/_tmp-LATEST-*} (it
 * was closed before the delete), from which {@link #open} restores {@code LATEST}. A checkpoint
 * directory that no {@code LATEST} points to is ignored.
 *
 * <p><b>File systems.</b> On the local file system the checksumming wrapper is bypassed (its {@code
 * .crc} side files do not support append or truncate; θ carries its own CRC32). Metric streams need
 * append; HDFS with fewer than 3 datanodes needs {@code
 * dfs.client.block.write.replace-datanode-on-failure.policy=NEVER} in the given configuration. The
 * store opens its own {@link FileSystem} instance ({@code FileSystem.newInstance}) and closes it in
 * {@link #close()}.
 *
 * <p><b>One writer.</b> {@link #create} and {@link #open} take the run directory's writer lock
 * ({@code run.lock}, {@link RunLock}: owner, host, pid and a heartbeat rewritten every 10 s) and
 * {@link #close()} releases it; a second writer is refused with a {@link RunLockedException} naming
 * the holder, a stale lock (a heartbeat older than 60 s, or a dead process on this host) is taken
 * over with a warning, and a writer whose lock was taken over publishes no further checkpoint.
 * Read-only consumers use {@code RunReader}, which takes no lock.
 *
 * <p>Not thread-safe: the driver's one thread uses a store.
 */
public final class RunStore implements Closeable {

  /** The manifest, relative to the run directory. */
  public static final String MANIFEST = "manifest.json";

  /** The per-step metrics file. */
  public static final String STEPS = "metrics/steps.jsonl";

  /** The evaluation metrics file. */
  public static final String EVAL = "metrics/eval.jsonl";

  /** The directory of checkpoints. */
  public static final String CHECKPOINTS = "checkpoints";

  /** The marker naming the latest complete checkpoint. */
  public static final String LATEST = CHECKPOINTS + "/LATEST";

  /** θ inside a checkpoint directory. */
  public static final String THETA_FILE = "theta.bin";

  /** The metadata inside a checkpoint directory. */
  public static final String META_FILE = "meta.json";

  /** Prefix of temporary files (Hadoop input formats skip names starting with '_'). */
  public static final String TMP_PREFIX = "_tmp-";

  private static final Logger LOG = LoggerFactory.getLogger(RunStore.class);

  /**
   * Options of a store.
   *
   * @param keepLastCheckpoints how many checkpoints (the newest) to keep after each new one, ≥ 1
   *     ({@link Integer#MAX_VALUE}: keep all)
   * @param recoveryTimeout how long to wait for HDFS lease and truncate block recovery, > 0
   */
  public record Options(int keepLastCheckpoints, Duration recoveryTimeout) {

    /** Keep every checkpoint; wait up to 2 minutes for HDFS recoveries. */
    public static final Options DEFAULTS = new Options(Integer.MAX_VALUE, Duration.ofMinutes(2));

    /** Validates the fields. */
    public Options {
      if (keepLastCheckpoints < 1) {
        throw new IllegalArgumentException(
            "keepLastCheckpoints: expected >= 1, got " + keepLastCheckpoints);
      }
      if (recoveryTimeout == null || recoveryTimeout.isNegative() || recoveryTimeout.isZero()) {
        throw new IllegalArgumentException(
            "recoveryTimeout: expected a positive duration, got " + recoveryTimeout);
      }
    }

    /** A copy keeping only the newest {@code n} checkpoints. */
    public Options withKeepLastCheckpoints(int n) {
      return new Options(n, recoveryTimeout);
    }
  }

  /**
   * Writes the content of a file to the given stream (which the caller of this hook must not
   * close).
   */
  @FunctionalInterface
  public interface StreamWriter {
    /** Writes the content. */
    void writeTo(OutputStream out) throws IOException;
  }

  private final FileSystem owned;
  private final FileSystem fs;
  private final Path root;
  private final Options options;
  private final MetricStream steps;
  private final MetricStream eval;
  private final FileOps ops;
  private final CheckpointDirectory checkpoints;
  private RunLock lock;
  private boolean closed;

  private RunStore(FileSystem owned, Path root, Options options) {
    this.owned = owned;
    this.fs = UserFiles.withoutChecksumFiles(owned);
    this.root = root;
    this.options = options;
    this.steps = new MetricStream(fs, new Path(root, STEPS), STEPS);
    this.eval = new MetricStream(fs, new Path(root, EVAL), EVAL);
    this.ops = new FileOps(fs, options.recoveryTimeout());
    this.checkpoints = new CheckpointDirectory(fs, ops, new Path(root, CHECKPOINTS));
  }

  /** {@link #create(URI, Configuration, Options)} with {@link Options#DEFAULTS}. */
  public static RunStore create(URI runDir, Configuration conf) throws IOException {
    return create(runDir, conf, Options.DEFAULTS);
  }

  /**
   * Starts a new run directory: creates it (and {@code metrics/}, {@code checkpoints/}) or accepts
   * an existing empty one.
   *
   * @throws FileAlreadyExistsException if the directory exists and is not empty (resume it with
   *     {@link #open}) or is a file
   */
  public static RunStore create(URI runDir, Configuration conf, Options options)
      throws IOException {
    RunStore store = connect(runDir, conf, options);
    try {
      store.initNew();
      return store;
    } catch (IOException | RuntimeException e) {
      store.closeQuietly();
      throw e;
    }
  }

  /** {@link #open(URI, Configuration, Options)} with {@link Options#DEFAULTS}. */
  public static RunStore open(URI runDir, Configuration conf) throws IOException {
    return open(runDir, conf, Options.DEFAULTS);
  }

  /**
   * Opens an existing run directory to resume it: restores a {@code LATEST} interrupted inside the
   * non-atomic rename window (see class comment), recovers HDFS leases left on the metric files by
   * a crashed writer, and deletes stale temporary files.
   *
   * @throws FileNotFoundException if the directory does not exist
   */
  public static RunStore open(URI runDir, Configuration conf, Options options) throws IOException {
    RunStore store = connect(runDir, conf, options);
    try {
      store.initResume(true);
      return store;
    } catch (IOException | RuntimeException e) {
      store.closeQuietly();
      throw e;
    }
  }

  /**
   * As {@link #open(URI, Configuration)} without taking the writer lock: for a check that reads a
   * run directory before the writer opens it (and must leave it as it was). Do not write through
   * it.
   */
  public static RunStore openUnlocked(URI runDir, Configuration conf) throws IOException {
    RunStore store = connect(runDir, conf, Options.DEFAULTS);
    try {
      store.initResume(false);
      return store;
    } catch (IOException | RuntimeException e) {
      store.closeQuietly();
      throw e;
    }
  }

  /**
   * Package-private entry for tests: a store on a given file system (which the store will close).
   */
  static RunStore onFileSystem(FileSystem fs, Path runDir, Options options, boolean create)
      throws IOException {
    RunStore store = new RunStore(fs, fs.makeQualified(runDir), options);
    try {
      if (create) {
        store.initNew();
      } else {
        store.initResume(true);
      }
      return store;
    } catch (IOException | RuntimeException e) {
      store.closeQuietly();
      throw e;
    }
  }

  private static RunStore connect(URI runDir, Configuration conf, Options options)
      throws IOException {
    if (runDir == null || conf == null || options == null) {
      throw new IllegalArgumentException("runDir, conf and options must not be null");
    }
    Path dir = new Path(runDir);
    FileSystem fs = FileSystem.newInstance(dir.toUri(), new Configuration(conf));
    try {
      return new RunStore(fs, fs.makeQualified(dir), options);
    } catch (RuntimeException e) {
      fs.close();
      throw e;
    }
  }

  private void initNew() throws IOException {
    if (fs.exists(root)) {
      FileStatus st = fs.getFileStatus(root);
      if (!st.isDirectory()) {
        throw new FileAlreadyExistsException("run directory " + root + " is a file");
      }
      FileStatus[] entries = fs.listStatus(root);
      if (entries.length > 0) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Math.min(5, entries.length); i++) {
          names.add(entries[i].getPath().getName());
        }
        throw new FileAlreadyExistsException(
            "run directory "
                + root
                + " is not empty (contains "
                + entries.length
                + " entries, e.g. "
                + names
                + "): resume it with RunStore.open or choose another directory");
      }
    }
    ops.mkdirs(root);
    lock = RunLock.acquire(fs, ops, root, RunLock.HEARTBEAT, RunLock.STALE_AFTER);
    ops.mkdirs(new Path(root, "metrics"));
    ops.mkdirs(new Path(root, CHECKPOINTS));
    LOG.info("created run directory {}", root);
  }

  private void initResume(boolean takeLock) throws IOException {
    if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
      throw new FileNotFoundException("no run directory to resume at " + root);
    }
    if (takeLock) {
      lock = RunLock.acquire(fs, ops, root, RunLock.HEARTBEAT, RunLock.STALE_AFTER);
    }
    ops.mkdirs(new Path(root, "metrics"));
    ops.mkdirs(new Path(root, CHECKPOINTS));
    checkpoints.restoreInterruptedLatest();
    ops.recoverLease(steps.path());
    ops.recoverLease(eval.path());
    deleteStaleTemporaries();
    LOG.info("opened run directory {} (latest checkpoint: {})", root, latestStepDescription());
  }

  /** The run directory, fully qualified (e.g. {@code hdfs://nn:8020/runs/r1}). */
  public URI uri() {
    return root.toUri();
  }

  /** The metric stream {@value #STEPS}. */
  public MetricStream steps() {
    requireOpen();
    return steps;
  }

  /** The metric stream {@value #EVAL}. */
  public MetricStream eval() {
    requireOpen();
    return eval;
  }

  /** Flushes both metric streams. */
  public void flushMetrics() throws IOException {
    requireOpen();
    steps.flush();
    eval.flush();
  }

  // ---------------------------------------------------------------- atomic files

  /** Writes {@code bytes} to {@code relPath} atomically (see class comment). */
  public void writeAtomically(String relPath, byte[] bytes) throws IOException {
    if (bytes == null) {
      throw new IllegalArgumentException("bytes: must not be null");
    }
    writeAtomically(relPath, out -> out.write(bytes));
  }

  /**
   * Writes the content produced by {@code writer} to {@code relPath}: to a temporary file in the
   * same directory first, then renamed over the target (see class comment). If the writer fails,
   * the temporary file is deleted and the target is unchanged.
   */
  public void writeAtomically(String relPath, StreamWriter writer) throws IOException {
    requireOpen();
    ops.writeAtomically(resolve(relPath), writer);
  }

  /** The whole content of a (small) file of the run directory. */
  public byte[] readBytes(String relPath) throws IOException {
    requireOpen();
    return ops.readAll(resolve(relPath));
  }

  /** Whether {@code relPath} exists in the run directory. */
  public boolean exists(String relPath) throws IOException {
    requireOpen();
    return fs.exists(resolve(relPath));
  }

  /** Writes {@value #MANIFEST} atomically. */
  public void writeManifest(Manifest manifest) throws IOException {
    if (manifest == null) {
      throw new IllegalArgumentException("manifest: must not be null");
    }
    writeAtomically(MANIFEST, manifest.toJson());
  }

  /** Reads {@value #MANIFEST}, empty if it does not exist. */
  public Optional<Manifest> readManifest() throws IOException {
    if (!exists(MANIFEST)) {
      return Optional.empty();
    }
    return Optional.of(Manifest.fromJson(readBytes(MANIFEST), new Path(root, MANIFEST).toString()));
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * Writes the checkpoint of step {@code step}: {@code checkpoints/step-<K>/theta.bin} and {@code
   * meta.json}, then {@code checkpoints/LATEST} last, then prunes old checkpoints beyond {@link
   * Options#keepLastCheckpoints}. A directory of the same step left by a crashed attempt (not
   * pointed to by {@code LATEST}) is replaced.
   *
   * <p>The metric streams must be flushed first and {@code meta} must record their flushed lengths
   * ({@link CheckpointMeta#stepsBytes()}, {@link CheckpointMeta#evalBytes()}), so that a resume
   * truncates them exactly to this step.
   *
   * @throws IllegalArgumentException if {@code meta.step() != step}, if step is not after the
   *     latest checkpoint, or if the recorded metric lengths differ from the flushed ones
   * @throws IllegalStateException if a metric stream has unflushed lines
   */
  public void writeCheckpoint(long step, double[] theta, CheckpointMeta meta) throws IOException {
    writeCheckpoint(step, theta, java.util.Map.of(), meta);
  }

  /**
   * As {@link #writeCheckpoint(long, double[], CheckpointMeta)}, also storing further θ-shaped
   * arrays (file name → values, names {@code [a-z0-9-]+.bin}) in the same format before {@code
   * meta.json} and {@code LATEST}.
   */
  public void writeCheckpoint(
      long step, double[] theta, java.util.Map<String, double[]> arrays, CheckpointMeta meta)
      throws IOException {
    requireOpen();
    if (theta == null || meta == null) {
      throw new IllegalArgumentException("theta and meta must not be null");
    }
    if (meta.step() != step) {
      throw new IllegalArgumentException(
          "meta.step: expected the checkpoint step " + step + ", got " + meta.step());
    }
    requireMetricsMatch(steps, meta.stepsBytes(), "steps_jsonl_bytes");
    requireMetricsMatch(eval, meta.evalBytes(), "eval_jsonl_bytes");
    if (lock != null) {
      lock.verify(); // a writer whose lock was taken over never publishes a checkpoint
    }
    checkpoints.write(step, theta, arrays, meta);
    if (options.keepLastCheckpoints() != Integer.MAX_VALUE) {
      checkpoints.prune(step, options.keepLastCheckpoints());
    }
  }

  /**
   * The checkpoint that {@code checkpoints/LATEST} points to, verified (CRC of θ, meta schema, meta
   * step = LATEST); empty if there is no {@code LATEST}. Directories it does not point to are
   * ignored.
   *
   * @throws FormatException if {@code LATEST} is malformed or the checkpoint it names is missing or
   *     corrupted (the message names the file)
   */
  public Optional<Checkpoint> readLatestCheckpoint() throws IOException {
    requireOpen();
    return checkpoints.readLatest();
  }

  /**
   * The checkpoint to resume from: the one {@code checkpoints/LATEST} points to if it verifies,
   * else the newest older one that does. A malformed {@code LATEST}, one naming a missing step, or
   * a checkpoint failing verification (CRC of θ, {@code SHA256SUMS}, meta) is logged as a warning
   * naming the file, the rejected directory is moved to {@code checkpoints/corrupt-step-<K>}, and
   * {@code LATEST} is rewritten to the checkpoint returned. Empty if there is no {@code LATEST}.
   * Fallback needs the older checkpoints: the default {@link Options} keeps all of them.
   *
   * @throws FormatException if no checkpoint at or before {@code LATEST} verifies
   */
  public Optional<Checkpoint> recoverLatestCheckpoint() throws IOException {
    requireOpen();
    return checkpoints.recoverLatest();
  }

  /**
   * The checkpoint {@link #recoverLatestCheckpoint()} would resume from, changing nothing (no
   * directory moved, LATEST not rewritten): for checks that run before the writer opens the run.
   */
  public Optional<Checkpoint> findLatestGoodCheckpoint() throws IOException {
    requireOpen();
    return checkpoints.findLatestGood();
  }

  /** The verified checkpoint of a given step (not after LATEST), empty if absent or incomplete. */
  public Optional<Checkpoint> readCheckpoint(long step) throws IOException {
    requireOpen();
    return checkpoints.readStep(step);
  }

  /** An extra array of the checkpoint of {@code step} (see the 4-argument writeCheckpoint). */
  public Optional<double[]> readCheckpointArray(long step, String name) throws IOException {
    requireOpen();
    return checkpoints.readArray(step, name);
  }

  /**
   * The step {@code checkpoints/LATEST} points to, empty if there is none.
   *
   * @throws FormatException if {@code LATEST} is malformed
   */
  public OptionalLong latestStep() throws IOException {
    requireOpen();
    return checkpoints.latestStep();
  }

  /** Steps of the checkpoint directories present, ascending (including ones LATEST ignores). */
  public List<Long> checkpointSteps() throws IOException {
    requireOpen();
    return checkpoints.steps();
  }

  // ---------------------------------------------------------------- resume

  /**
   * Cuts the metric files back to the lengths a checkpoint recorded, dropping rows written after
   * it. Uses {@code FileSystem.truncate} (on HDFS, waits for the block recovery it may start), or,
   * where truncate is unsupported, rewrites the prefix through a temporary file and a rename. Open
   * streams are closed first; the next {@link MetricStream#appendLine} reopens them for append.
   *
   * @throws FormatException if a file is shorter than recorded or a length is not at a line end
   * @throws IllegalStateException if a metric stream has unflushed lines
   */
  public void truncateMetrics(long stepsLen, long evalLen) throws IOException {
    requireOpen();
    if (stepsLen < 0 || evalLen < 0) {
      throw new IllegalArgumentException(
          "metric lengths: expected >= 0, got steps=" + stepsLen + ", eval=" + evalLen);
    }
    truncate(steps, stepsLen);
    truncate(eval, evalLen);
  }

  private void truncate(MetricStream stream, long len) throws IOException {
    if (stream.pendingBytes() > 0) {
      throw new IllegalStateException(
          stream.relativePath()
              + ": "
              + stream.pendingBytes()
              + " unflushed bytes before truncate");
    }
    stream.closeFile();
    Path p = stream.path();
    if (fs.exists(p)) {
      ops.truncateAtLineEnd(p, len);
    } else if (len != 0) {
      throw new FormatException(p + " is missing but the checkpoint recorded " + len + " bytes");
    }
    stream.resetLength(len);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes and closes the metric streams, then closes the file system instance. Idempotent. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    IOException failure = null;
    for (MetricStream s : new MetricStream[] {steps, eval}) {
      try {
        s.close();
      } catch (IOException e) {
        failure = addSuppressed(failure, e);
      }
    }
    if (lock != null) {
      try {
        lock.release();
      } catch (IOException e) {
        failure = addSuppressed(failure, e);
      }
    }
    try {
      owned.close();
    } catch (IOException e) {
      failure = addSuppressed(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ---------------------------------------------------------------- internals

  private void deleteStaleTemporaries() throws IOException {
    List<Path> dirs = new ArrayList<>(List.of(root, new Path(root, "metrics")));
    Path cps = new Path(root, CHECKPOINTS);
    dirs.add(cps);
    for (FileStatus st : fs.listStatus(cps)) {
      if (st.isDirectory()) {
        dirs.add(st.getPath());
      }
    }
    for (Path d : dirs) {
      ops.deleteTemporaries(d);
    }
  }

  private void requireMetricsMatch(MetricStream s, long recorded, String field) throws IOException {
    if (s.pendingBytes() > 0) {
      throw new IllegalStateException(
          s.relativePath()
              + ": "
              + s.pendingBytes()
              + " unflushed bytes; flush before checkpointing");
    }
    long flushed = s.length();
    if (recorded != flushed) {
      throw new IllegalArgumentException(
          "meta."
              + field
              + ": expected the flushed length of "
              + s.relativePath()
              + " = "
              + flushed
              + ", got "
              + recorded);
    }
  }

  private Path resolve(String relPath) {
    if (relPath == null
        || relPath.isBlank()
        || relPath.startsWith("/")
        || relPath.contains("\\")
        || relPath.contains(":")) {
      throw new IllegalArgumentException(
          "relPath: expected a relative path inside the run directory, got '" + relPath + "'");
    }
    for (String seg : relPath.split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.startsWith(TMP_PREFIX)) {
        throw new IllegalArgumentException(
            "relPath: segment '" + seg + "' not allowed in '" + relPath + "'");
      }
    }
    return new Path(root, relPath);
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException e) {
      LOG.warn("closing {} failed: {}", root, e.toString());
    }
  }

  private String latestStepDescription() throws IOException {
    try {
      OptionalLong s = latestStep();
      return s.isPresent() ? "step " + s.getAsLong() : "none";
    } catch (FormatException e) {
      return "unreadable LATEST";
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("run store " + root + " is closed");
    }
  }

  private static IOException addSuppressed(IOException first, IOException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }
}

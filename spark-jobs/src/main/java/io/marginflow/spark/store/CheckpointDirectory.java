package io.marginflow.spark.store;

import io.marginflow.common.format.CheckpointDigests;
import io.marginflow.common.format.CheckpointFormat;
import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.format.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code checkpoints/} directory of a run: {@code step-<K>/theta.bin}, the extra arrays, {@code
 * step-<K>/meta.json}, {@code step-<K>/SHA256SUMS} ({@link CheckpointDigests}) and the {@code
 * LATEST} marker ("K\n") that is written last and alone decides which checkpoint counts (see {@link
 * RunStore}'s class comment for why this order is crash-safe). On resume, {@link #recoverLatest()}
 * falls back to the newest older checkpoint that verifies when LATEST or its checkpoint is damaged.
 */
final class CheckpointDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointDirectory.class);
  private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{1,18})");
  private static final Pattern LATEST_CONTENT = Pattern.compile("(\\d{1,18})\n");
  private static final int LATEST_MAX_BYTES = 64;
  private static final Pattern ARRAY_NAME = Pattern.compile("[a-z0-9-]+\\.bin");

  private final FileSystem fs;
  private final FileOps ops;
  private final Path dir;
  private final Path latest;

  CheckpointDirectory(FileSystem fs, FileOps ops, Path dir) {
    this.fs = fs;
    this.ops = ops;
    this.dir = dir;
    this.latest = new Path(dir, "LATEST");
  }

  /**
   * Writes θ, the extra arrays and meta into {@code step-<K>/}, then their {@code SHA256SUMS}, then
   * points LATEST to it.
   */
  void write(long step, double[] theta, java.util.Map<String, double[]> arrays, CheckpointMeta meta)
      throws IOException {
    OptionalLong current = latestStep();
    if (current.isPresent() && step <= current.getAsLong()) {
      throw new IllegalArgumentException(
          "step: expected after the latest checkpoint " + current.getAsLong() + ", got " + step);
    }
    Path stepDir = stepDir(step);
    if (fs.exists(stepDir)) {
      LOG.info(
          "replacing {} left by an interrupted attempt (LATEST does not point to it)", stepDir);
      fs.delete(stepDir, true);
    }
    Map<String, String> digests = new LinkedHashMap<>();
    writeFile(stepDir, RunStore.THETA_FILE, CheckpointFormat.toBytes(theta), digests);
    PausePoint.reach("checkpoint", step);
    for (java.util.Map.Entry<String, double[]> e : arrays.entrySet()) {
      if (!ARRAY_NAME.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException(
            "checkpoint array name: expected [a-z0-9-]+.bin, got '" + e.getKey() + "'");
      }
      writeFile(stepDir, e.getKey(), CheckpointFormat.toBytes(e.getValue()), digests);
    }
    writeFile(stepDir, RunStore.META_FILE, meta.toJson(), digests);
    byte[] sums = CheckpointDigests.toBytes(digests);
    ops.writeAtomically(new Path(stepDir, CheckpointDigests.FILE_NAME), out -> out.write(sums));
    writeLatest(step);
    LOG.info("checkpoint {} written ({} parameters)", step, theta.length);
  }

  private void writeFile(Path stepDir, String name, byte[] bytes, Map<String, String> digests)
      throws IOException {
    ops.writeAtomically(new Path(stepDir, name), out -> out.write(bytes));
    digests.put(name, CheckpointDigests.sha256(bytes));
  }

  private void writeLatest(long step) throws IOException {
    byte[] marker = (step + "\n").getBytes(StandardCharsets.US_ASCII);
    ops.writeAtomically(latest, out -> out.write(marker));
  }

  /** The step LATEST points to; empty without LATEST; a FormatException if it is malformed. */
  OptionalLong latestStep() throws IOException {
    if (!fs.exists(latest)) {
      return OptionalLong.empty();
    }
    byte[] content = ops.readPrefix(latest, LATEST_MAX_BYTES);
    OptionalLong step = parseMarker(content);
    if (step.isEmpty()) {
      throw new FormatException(
          latest
              + ": expected a step number and a newline, got '"
              + new String(content, StandardCharsets.US_ASCII).replace("\n", "\\n")
              + "'");
    }
    return step;
  }

  /** The verified checkpoint LATEST points to, empty without LATEST. */
  Optional<Checkpoint> readLatest() throws IOException {
    OptionalLong latestStep = latestStep();
    if (latestStep.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(read(latestStep.getAsLong()));
  }

  /** The verified checkpoint of {@code step}, if its directory is complete and not after LATEST. */
  Optional<Checkpoint> readStep(long step) throws IOException {
    OptionalLong latestStep = latestStep();
    if (latestStep.isEmpty() || step > latestStep.getAsLong() || !isComplete(step)) {
      return Optional.empty();
    }
    return Optional.of(read(step));
  }

  /**
   * An extra array stored beside θ in the checkpoint of {@code step}, if present (CRC-verified).
   */
  Optional<double[]> readArray(long step, String name) throws IOException {
    Path p = new Path(stepDir(step), name);
    if (!fs.exists(p)) {
      return Optional.empty();
    }
    try (FSDataInputStream in = fs.open(p)) {
      return Optional.of(CheckpointFormat.read(in, p.toString()));
    }
  }

  /**
   * Reads and verifies the checkpoint of {@code step}: θ (CRC32), meta (schema, step) and, where
   * the checkpoint has a {@code SHA256SUMS} (every checkpoint written since it was introduced), the
   * digest of every file it lists, and the CRC of every extra array.
   */
  private Checkpoint read(long step) throws IOException {
    Path thetaPath = new Path(stepDir(step), RunStore.THETA_FILE);
    Path metaPath = new Path(stepDir(step), RunStore.META_FILE);
    for (Path p : new Path[] {thetaPath, metaPath}) {
      if (!fs.exists(p)) {
        throw new FormatException(latest + " points to step " + step + " but " + p + " is missing");
      }
    }
    Path sumsPath = new Path(stepDir(step), CheckpointDigests.FILE_NAME);
    Map<String, String> digests =
        fs.exists(sumsPath)
            ? CheckpointDigests.fromBytes(ops.readAll(sumsPath), sumsPath.toString())
            : Map.of();
    for (Map.Entry<String, String> d : digests.entrySet()) {
      Path p = new Path(stepDir(step), d.getKey());
      if (!fs.exists(p)) {
        throw new FormatException(sumsPath + " lists " + d.getKey() + " but " + p + " is missing");
      }
      byte[] content = ops.readAll(p);
      if (d.getKey().endsWith(".bin")) {
        CheckpointFormat.fromBytes(content, p.toString()); // CRC, truncation: the precise message
      }
      String actual = CheckpointDigests.sha256(content);
      if (!actual.equals(d.getValue())) {
        throw new FormatException(
            p
                + ": SHA-256 mismatch ("
                + sumsPath
                + " says "
                + d.getValue()
                + ", file has "
                + actual
                + "; "
                + content.length
                + " bytes)");
      }
    }
    double[] theta = CheckpointFormat.fromBytes(ops.readAll(thetaPath), thetaPath.toString());
    CheckpointMeta meta = CheckpointMeta.fromJson(ops.readAll(metaPath), metaPath.toString());
    if (meta.step() != step) {
      throw new FormatException(
          metaPath + ": step " + meta.step() + " differs from the directory's step " + step);
    }
    return new Checkpoint(step, theta, meta);
  }

  /**
   * The newest verified checkpoint at or before LATEST, for a resume. When LATEST is malformed,
   * names a missing step or a checkpoint that fails verification, each rejected checkpoint is
   * logged as a warning naming the file and the reason, its directory is moved aside to {@code
   * corrupt-step-<K>[-n]} (kept for inspection, never read again), and LATEST is rewritten to the
   * newest older checkpoint that verifies. Empty without LATEST.
   *
   * @throws FormatException if no checkpoint at or before LATEST verifies (naming every reason)
   */
  Optional<Checkpoint> recoverLatest() throws IOException {
    return newestGood(true);
  }

  /**
   * As {@link #recoverLatest()}, but changing nothing: for checks before a writer opens the run.
   */
  Optional<Checkpoint> findLatestGood() throws IOException {
    return newestGood(false);
  }

  private Optional<Checkpoint> newestGood(boolean repair) throws IOException {
    long bound;
    String pointer;
    try {
      OptionalLong latestStep = latestStep();
      if (latestStep.isEmpty()) {
        return Optional.empty();
      }
      bound = latestStep.getAsLong();
      pointer = "LATEST (step " + bound + ")";
    } catch (FormatException e) {
      LOG.warn("{}; looking for the newest checkpoint that verifies", e.getMessage());
      bound = Long.MAX_VALUE;
      pointer = "a malformed LATEST";
    }
    List<String> rejected = new ArrayList<>();
    if (bound != Long.MAX_VALUE && !steps().contains(bound)) {
      String reason =
          latest + " points to step " + bound + " but " + stepDir(bound) + " is missing";
      LOG.warn("{}; falling back to an older checkpoint", reason);
      rejected.add(reason);
    }
    List<Long> candidates = steps();
    for (int i = candidates.size() - 1; i >= 0; i--) {
      long step = candidates.get(i);
      if (step > bound) {
        continue; // an interrupted attempt: LATEST never pointed to it
      }
      try {
        Checkpoint c = read(step);
        if (!rejected.isEmpty() || bound != step) {
          LOG.warn(
              "resuming from checkpoint {} instead of {}: {}",
              step,
              pointer,
              String.join("; ", rejected));
          if (repair) {
            writeLatest(step);
          }
        }
        return Optional.of(c);
      } catch (FormatException e) {
        LOG.warn("checkpoint {} is corrupted: {}; trying the previous one", step, e.getMessage());
        rejected.add(e.getMessage());
        if (repair) {
          moveAside(step);
        }
      }
    }
    throw new FormatException(
        dir + ": no checkpoint verifies (" + pointer + "): " + String.join("; ", rejected));
  }

  private void moveAside(long step) throws IOException {
    Path target = new Path(dir, "corrupt-step-" + step);
    for (int n = 1; fs.exists(target); n++) {
      target = new Path(dir, "corrupt-step-" + step + "-" + n);
    }
    if (!fs.rename(stepDir(step), target)) {
      throw new IOException("cannot move the corrupted " + stepDir(step) + " to " + target);
    }
    LOG.warn("moved the corrupted checkpoint {} to {}", stepDir(step), target);
  }

  /** Steps of the {@code step-<K>} directories present, ascending. */
  List<Long> steps() throws IOException {
    List<Long> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      Matcher m = STEP_DIR.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        out.add(Long.parseLong(m.group(1)));
      }
    }
    out.sort(null);
    return out;
  }

  /** Deletes all but the newest {@code keep} checkpoints at or before {@code latestStep}. */
  void prune(long latestStep, int keep) throws IOException {
    List<Long> candidates = new ArrayList<>();
    for (long s : steps()) {
      if (s <= latestStep) {
        candidates.add(s);
      }
    }
    for (int i = 0; i < candidates.size() - keep; i++) {
      Path old = stepDir(candidates.get(i));
      LOG.debug("pruning checkpoint {}", old);
      fs.delete(old, true);
    }
  }

  /**
   * If LATEST is missing but a complete temporary LATEST ({@code _tmp-LATEST-*}, ending with its
   * newline) names a complete checkpoint, renames it to LATEST: the delete-then-rename fallback was
   * interrupted between its two steps.
   */
  void restoreInterruptedLatest() throws IOException {
    if (fs.exists(latest) || !fs.exists(dir)) {
      return;
    }
    Path best = null;
    long bestStep = -1;
    for (FileStatus st : fs.listStatus(dir)) {
      if (!st.isFile() || !st.getPath().getName().startsWith(RunStore.TMP_PREFIX + "LATEST-")) {
        continue;
      }
      OptionalLong step = parseMarker(ops.readPrefix(st.getPath(), LATEST_MAX_BYTES));
      if (step.isPresent() && step.getAsLong() > bestStep && isComplete(step.getAsLong())) {
        best = st.getPath();
        bestStep = step.getAsLong();
      }
    }
    if (best != null) {
      LOG.warn("restoring {} from {} (a LATEST replacement was interrupted)", latest, best);
      if (!fs.rename(best, latest)) {
        throw new IOException("cannot rename " + best + " to " + latest);
      }
    }
  }

  private boolean isComplete(long step) throws IOException {
    return fs.exists(new Path(stepDir(step), RunStore.THETA_FILE))
        && fs.exists(new Path(stepDir(step), RunStore.META_FILE));
  }

  private Path stepDir(long step) {
    return new Path(dir, "step-" + step);
  }

  private static OptionalLong parseMarker(byte[] content) {
    Matcher m = LATEST_CONTENT.matcher(new String(content, StandardCharsets.US_ASCII));
    return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
  }
}

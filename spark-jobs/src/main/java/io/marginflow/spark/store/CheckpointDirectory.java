package io.marginflow.spark.store;

import io.marginflow.common.format.CheckpointFormat;
import io.marginflow.common.format.CheckpointMeta;
import io.marginflow.common.format.FormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * The {@code checkpoints/} directory of a run: {@code step-<K>/theta.bin}, {@code
 * step-<K>/meta.json} and the {@code LATEST} marker ("K\n") that is written last and alone decides
 * which checkpoint counts (see {@link RunStore}'s class comment for why this order is crash-safe).
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

  /** Writes θ and meta into {@code step-<K>/}, then points LATEST to it. */
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
    ops.writeAtomically(
        new Path(stepDir, RunStore.THETA_FILE), out -> CheckpointFormat.write(theta, out));
    for (java.util.Map.Entry<String, double[]> e : arrays.entrySet()) {
      if (!ARRAY_NAME.matcher(e.getKey()).matches()) {
        throw new IllegalArgumentException(
            "checkpoint array name: expected [a-z0-9-]+.bin, got '" + e.getKey() + "'");
      }
      double[] a = e.getValue();
      ops.writeAtomically(new Path(stepDir, e.getKey()), out -> CheckpointFormat.write(a, out));
    }
    byte[] json = meta.toJson();
    ops.writeAtomically(new Path(stepDir, RunStore.META_FILE), out -> out.write(json));
    byte[] marker = (step + "\n").getBytes(StandardCharsets.US_ASCII);
    ops.writeAtomically(latest, out -> out.write(marker));
    LOG.info("checkpoint {} written ({} parameters)", step, theta.length);
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

  private Checkpoint read(long step) throws IOException {
    Path thetaPath = new Path(stepDir(step), RunStore.THETA_FILE);
    Path metaPath = new Path(stepDir(step), RunStore.META_FILE);
    for (Path p : new Path[] {thetaPath, metaPath}) {
      if (!fs.exists(p)) {
        throw new FormatException(latest + " points to step " + step + " but " + p + " is missing");
      }
    }
    double[] theta;
    try (FSDataInputStream in = fs.open(thetaPath)) {
      theta = CheckpointFormat.read(in, thetaPath.toString());
    }
    CheckpointMeta meta = CheckpointMeta.fromJson(ops.readAll(metaPath), metaPath.toString());
    if (meta.step() != step) {
      throw new FormatException(
          metaPath + ": step " + meta.step() + " differs from the directory's step " + step);
    }
    return new Checkpoint(step, theta, meta);
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

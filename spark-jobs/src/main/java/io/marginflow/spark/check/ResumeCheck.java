package io.marginflow.spark.check;

import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.Settings;
import io.marginflow.common.format.Manifest;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a resume must agree with: the run directory's manifest (only the step budget, the
 * evaluation, checkpoint and snapshot schedules, the stop criteria and the master may change; the
 * run directory is the resumed one), its latest checkpoint, and the data the run was started on
 * (size and modification time of every file always; the SHA-256 of the content unless the data are
 * trusted).
 */
public final class ResumeCheck {

  /** The keys that may change on resume; anything else defines the trajectory. */
  public static final Set<ConfigKey> MAY_CHANGE =
      Set.of(
          ConfigKey.STEPS,
          ConfigKey.EVAL_EVERY,
          ConfigKey.CHECKPOINT_EVERY,
          ConfigKey.SNAPSHOT_MARGINS_AT,
          ConfigKey.TARGET_LOG_LOSS,
          ConfigKey.MIN_ALPHA,
          ConfigKey.MAX_WALL,
          ConfigKey.MASTER,
          ConfigKey.STEP_PATH,
          ConfigKey.PREFETCH_BYTES,
          ConfigKey.RESUME);

  private ResumeCheck() {}

  /**
   * A run directory opened for resume.
   *
   * @param dir its qualified URI
   * @param manifest its manifest
   * @param checkpointStep the step of its latest valid checkpoint, or -1 when it has none
   */
  public record Resumed(URI dir, Manifest manifest, long checkpointStep) {}

  /**
   * Reads the manifest and the latest checkpoint of {@code resume} (see {@link RunStore#open}: a
   * directory left by a crash is recovered first).
   *
   * @throws IOException when the directory is missing or unreadable
   * @throws IllegalArgumentException naming what is missing
   */
  public static Resumed open(String resume, Configuration conf) throws IOException {
    URI dir = InputFiles.qualify(resume, conf).toUri();
    try (RunStore store = RunStore.openUnlocked(dir, conf)) { // the writer locks it later
      Manifest m =
          store
              .readManifest()
              .orElseThrow(
                  () -> new IllegalArgumentException("resume: " + dir + " has no manifest.json"));
      // The checkpoint the resume will start from: past a damaged one (with a warning).
      Optional<Checkpoint> c = store.findLatestGoodCheckpoint();
      return new Resumed(dir, m, c.map(Checkpoint::step).orElse(-1L));
    }
  }

  /** The settings recorded in a manifest. */
  public static Settings recorded(Manifest m) {
    Settings recorded = Settings.defaults();
    for (Map.Entry<String, Object> e : m.config().entrySet()) {
      var key = ConfigKey.byName(e.getKey());
      if (key.isPresent() && e.getValue() != null) { // null: not set, the default holds
        recorded = recorded.with(key.get(), String.valueOf(e.getValue()));
      }
    }
    return recorded;
  }

  /**
   * The recorded settings with the given changes that are allowed; each refused change is a problem
   * naming the key.
   *
   * @param given the value given for a key, or empty when the key was not given
   * @param origin where a key was given (for the problem's {@code where})
   */
  public static Settings merge(
      Resumed resumed,
      Function<ConfigKey, Optional<String>> given,
      Function<ConfigKey, String> origin,
      Configuration conf,
      List<Problem> problems) {
    Settings recorded = recorded(resumed.manifest());
    Settings merged = recorded;
    for (ConfigKey k : ConfigKey.values()) {
      Optional<String> v = given.apply(k);
      if (v.isEmpty() || sameValue(k, v.get(), recorded.text(k))) {
        continue;
      }
      if (k == ConfigKey.OUT) {
        if (!sameDir(v.get(), resumed.dir(), conf)) {
          problems.add(
              new Problem(
                  origin.apply(k),
                  "out: --out "
                      + v.get()
                      + " differs from the run being resumed: a resume writes into "
                      + resumed.dir()
                      + " (drop --out, or start a new run)"));
        }
        continue;
      }
      if (!MAY_CHANGE.contains(k)) {
        problems.add(
            new Problem(
                origin.apply(k),
                "resume: --"
                    + k.key()
                    + " cannot change on resume (recorded '"
                    + recorded.text(k)
                    + "', given '"
                    + v.get()
                    + "'); start a new run instead"));
        continue;
      }
      merged = merged.with(k, v.get());
    }
    return merged.with(
        ConfigKey.RESUME, given.apply(ConfigKey.RESUME).orElse(resumed.dir().toString()));
  }

  private static boolean sameValue(ConfigKey k, String given, String recorded) {
    if (given.equals(recorded)) {
      return true;
    }
    if (k == ConfigKey.STEP) { // recorded as the resolved γ, e.g. "1.0" for "1"
      try {
        return Double.parseDouble(given) == Double.parseDouble(recorded);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return false;
  }

  private static boolean sameDir(String out, URI dir, Configuration conf) {
    try {
      return InputFiles.qualify(out, conf).toUri().equals(dir);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Compares every file recorded in the manifest with the file now under the same URI: its size and
   * modification time, and (when {@code scanned} is given) the SHA-256 of what the scan read.
   */
  static void compareData(
      Manifest m, List<InputFile> scanned, Configuration conf, List<Problem> problems) {
    Map<String, InputFile> now = new HashMap<>();
    if (scanned != null) {
      scanned.forEach(f -> now.put(f.uri(), f));
    }
    for (Manifest.DataFile d : m.data()) {
      try {
        Path p = new Path(d.uri());
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
          problems.add(
              new Problem(d.uri(), "resume: data file " + d.uri() + " is gone; restore it"));
          continue;
        }
        FileStatus st = fs.getFileStatus(p);
        Instant modified = Instant.ofEpochMilli(st.getModificationTime());
        if (st.getLen() != d.bytes() || !modified.equals(d.modified())) {
          problems.add(
              new Problem(
                  d.uri(),
                  "resume: data file "
                      + d.uri()
                      + " changed since the run started (size "
                      + d.bytes()
                      + " → "
                      + st.getLen()
                      + " bytes, modified "
                      + d.modified()
                      + " → "
                      + modified
                      + "); restore it or start a new run"));
          continue;
        }
        InputFile f = now.get(d.uri());
        if (scanned != null && f != null && !f.sha256().equals(d.sha256())) {
          problems.add(
              new Problem(
                  d.uri(),
                  "resume: data file "
                      + d.uri()
                      + " has different content (SHA-256 "
                      + d.sha256()
                      + " recorded, "
                      + f.sha256()
                      + " now) under the same size and time; restore it or start a new run"));
        }
      } catch (IOException e) {
        problems.add(
            new Problem(
                d.uri(), "resume: cannot read data file " + d.uri() + ": " + e.getMessage()));
      }
    }
  }
}

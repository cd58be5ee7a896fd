package io.marginflow.service;

import io.marginflow.spark.report.RunStatus;
import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What the service needs to know of a run directory (any Hadoop file system) to state where the run
 * stands: its {@code status.json} and when the manifest, metrics and status last changed.
 *
 * @param status the parsed {@code status.json}, or null if there is none (or it is unreadable)
 * @param statusModified its modification time (epoch ms), 0 if none
 * @param manifestModified the manifest's, 0 if none
 * @param metricsModified the later of the two metric files', 0 if none
 * @param hasCheckpoint whether {@code checkpoints/LATEST} exists
 */
public record RunDirView(
    RunStatus status,
    long statusModified,
    long manifestModified,
    long metricsModified,
    boolean hasCheckpoint) {

  /** A directory that does not exist (yet). */
  public static final RunDirView NONE = new RunDirView(null, 0, 0, 0, false);

  /** Looks at {@code dir}; errors read as "not there". */
  public static RunDirView of(URI dir, Configuration conf) {
    try {
      Path root = new Path(dir);
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        return NONE;
      }
      Path sp = new Path(root, "status.json");
      RunStatus status = null;
      long statusModified = 0;
      FileStatus st = stat(fs, sp);
      if (st != null) {
        try (var in = fs.open(sp)) {
          status = RunStatus.parse(in.readAllBytes(), sp.toString());
          statusModified = st.getModificationTime();
        } catch (IOException | RuntimeException e) {
          status = null;
        }
      }
      return new RunDirView(
          status,
          statusModified,
          mtime(stat(fs, new Path(root, "manifest.json"))),
          Math.max(
              mtime(stat(fs, new Path(root, "metrics/steps.jsonl"))),
              mtime(stat(fs, new Path(root, "metrics/eval.jsonl")))),
          fs.exists(new Path(root, "checkpoints/LATEST")));
    } catch (IOException e) {
      return NONE;
    }
  }

  /** The modification time of {@code dir}'s {@code status.json} (epoch ms), 0 if none. */
  public static long statusModified(URI dir, Configuration conf) {
    try {
      Path p = new Path(new Path(dir), "status.json");
      return p.getFileSystem(conf).getFileStatus(p).getModificationTime();
    } catch (IOException e) {
      return 0; // none (FileNotFoundException) or unreadable: read the directory again
    }
  }

  private static FileStatus stat(FileSystem fs, Path p) throws IOException {
    return fs.exists(p) ? fs.getFileStatus(p) : null;
  }

  private static long mtime(FileStatus s) {
    return s == null ? 0 : s.getModificationTime();
  }
}

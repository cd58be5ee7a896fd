package io.marginflow.spark.store;

import io.marginflow.common.format.SweepManifest;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a sweep's {@code sweep.json} lives: the sweep directory on any Hadoop file system. The file
 * is replaced atomically on every change (as {@link RunStore} replaces its files), so a reader or a
 * resume sees either the old or the new content. The runs' own directories are {@link RunStore}s
 * below it.
 */
public final class SweepStore {

  /** The sweep file's name. */
  public static final String SWEEP_FILE = "sweep.json";

  private final FileSystem fs;
  private final Path root;
  private final FileOps ops;

  private SweepStore(FileSystem fs, Path root) {
    this.fs = UserFiles.withoutChecksumFiles(fs);
    this.root = root;
    this.ops = new FileOps(this.fs, Duration.ofMinutes(2));
  }

  /**
   * A new sweep directory: created, or accepted if it exists without a sweep file.
   *
   * @throws FileAlreadyExistsException if it already holds a sweep (continue it with --resume)
   */
  public static SweepStore create(URI dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    SweepStore s = new SweepStore(p.getFileSystem(conf), p);
    if (s.fs.exists(s.file())) {
      throw new FileAlreadyExistsException(
          dir + " already holds a sweep (" + SWEEP_FILE + "); continue it with --resume " + dir);
    }
    s.ops.mkdirs(p);
    return s;
  }

  /**
   * An existing sweep directory.
   *
   * @throws FileNotFoundException if it has no sweep file
   */
  public static SweepStore open(URI dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    SweepStore s = new SweepStore(p.getFileSystem(conf), p);
    if (!s.fs.exists(s.file())) {
      throw new FileNotFoundException(dir + " has no " + SWEEP_FILE + ": not a sweep directory");
    }
    return s;
  }

  /** True if {@code dir} holds a sweep file. */
  public static boolean isSweep(URI dir, Configuration conf) throws IOException {
    Path p = new Path(new Path(dir), SWEEP_FILE);
    return p.getFileSystem(conf).exists(p);
  }

  /** The sweep directory. */
  public URI uri() {
    return fs.makeQualified(root).toUri();
  }

  /** The directory of run {@code id}. */
  public URI runDir(String id) {
    return fs.makeQualified(new Path(root, id)).toUri();
  }

  /** Replaces {@code sweep.json} atomically. */
  public synchronized void write(SweepManifest m) throws IOException {
    byte[] json = m.toJson();
    ops.writeAtomically(file(), out -> out.write(json));
  }

  /** Reads {@code sweep.json}. */
  public SweepManifest read() throws IOException {
    return SweepManifest.fromJson(ops.readAll(file()), file().toString());
  }

  private Path file() {
    return new Path(root, SWEEP_FILE);
  }
}

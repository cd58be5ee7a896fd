package io.marginflow.spark.store;

import io.marginflow.common.format.FormatException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LeaseRecoverable;
import org.apache.hadoop.fs.Options.Rename;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file-system mechanics behind {@link RunStore}, with the differences between file systems in
 * one place: atomic replacement (HDFS {@code Rename.OVERWRITE}, POSIX rename, or
 * delete-then-rename), truncation (HDFS block recovery is waited for; no truncate → rewrite of the
 * prefix), and HDFS lease recovery.
 */
final class FileOps {

  private static final Logger LOG = LoggerFactory.getLogger(FileOps.class);
  private static final long POLL_MS = 100;

  private final FileSystem fs;
  private final Duration timeout;

  FileOps(FileSystem fs, Duration timeout) {
    this.fs = fs;
    this.timeout = timeout;
  }

  /**
   * Writes {@code _tmp-<name>-<uuid>} beside {@code target}, hsyncs and closes it, then renames it
   * over {@code target}; on failure the temporary file is deleted and the target is unchanged.
   */
  void writeAtomically(Path target, RunStore.StreamWriter writer) throws IOException {
    if (fs.exists(target) && fs.getFileStatus(target).isDirectory()) {
      throw new FileAlreadyExistsException(target + " is a directory, cannot replace it by a file");
    }
    Path tmp =
        new Path(
            target.getParent(), RunStore.TMP_PREFIX + target.getName() + "-" + UUID.randomUUID());
    try {
      try (FSDataOutputStream out = fs.create(tmp, false)) {
        writer.writeTo(out);
        out.hsync();
      }
      replace(tmp, target);
    } catch (FSError e) {
      deleteQuietly(tmp);
      throw WriteFailure.of(target, e);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw e;
    }
  }

  /**
   * Creates {@code p} with {@code content} only if it does not exist: an {@code O_EXCL} create on
   * the local file system, {@code create(overwrite=false)} elsewhere (atomic at the HDFS NameNode).
   *
   * @throws FileAlreadyExistsException if {@code p} exists
   */
  void createExclusive(Path p, byte[] content) throws IOException {
    if (fs instanceof RawLocalFileSystem local) {
      java.nio.file.Path file = local.pathToFile(p).toPath();
      try {
        java.nio.file.Files.write(
            file,
            content,
            java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE,
            java.nio.file.StandardOpenOption.SYNC);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(p + " exists");
      }
      return;
    }
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(content);
      out.hsync();
    } catch (FSError e) {
      throw WriteFailure.of(p, e);
    }
  }

  /** Renames {@code tmp} over {@code target}: atomically where the file system can. */
  private void replace(Path tmp, Path target) throws IOException {
    if (fs instanceof DistributedFileSystem dfs) {
      dfs.rename(tmp, target, Rename.OVERWRITE); // atomic on HDFS
      return;
    }
    if (fs.rename(tmp, target)) {
      return; // the local file system replaces an existing target atomically (rename(2))
    }
    // Another file system: delete, then rename. See RunStore's class comment for this window.
    if (fs.exists(target) && !fs.delete(target, false)) {
      throw new IOException("cannot delete " + target + " to replace it with " + tmp);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("cannot rename " + tmp + " to " + target);
    }
  }

  /**
   * Cuts {@code p} to {@code len} bytes (≤ its length, at a line end), waiting for HDFS block
   * recovery when truncate returns false, or rewriting the prefix where truncate is unsupported.
   */
  void truncateAtLineEnd(Path p, long len) throws IOException {
    long current = fs.getFileStatus(p).getLen();
    if (len > current) {
      throw new FormatException(
          p + " has " + current + " bytes, fewer than the " + len + " recorded by the checkpoint");
    }
    if (len == current) {
      return;
    }
    if (len > 0) {
      try (FSDataInputStream in = fs.open(p)) {
        in.seek(len - 1);
        if (in.read() != '\n') {
          throw new FormatException(p + ": recorded length " + len + " is not at a line end");
        }
      }
    }
    boolean done;
    try {
      done = fs.truncate(p, len);
    } catch (UnsupportedOperationException e) {
      LOG.info("no truncate on {}: rewriting the first {} bytes of {}", fs.getUri(), len, p);
      rewritePrefix(p, len);
      done = true;
    }
    if (!done) {
      waitForTruncate(p, len);
    }
    LOG.info("truncated {} from {} to {} bytes", p, current, len);
  }

  private void rewritePrefix(Path p, long len) throws IOException {
    writeAtomically(
        p,
        out -> {
          try (FSDataInputStream in = fs.open(p)) {
            byte[] buf = new byte[1 << 16];
            long left = len;
            while (left > 0) {
              int n = in.read(buf, 0, (int) Math.min(buf.length, left));
              if (n < 0) {
                throw new FormatException(p + " ended before " + len + " bytes while rewriting it");
              }
              out.write(buf, 0, n);
              left -= n;
            }
          }
        });
  }

  private void waitForTruncate(Path p, long len) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean closedFile = !(fs instanceof LeaseRecoverable lr) || lr.isFileClosed(p);
      if (closedFile && fs.getFileStatus(p).getLen() == len) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "truncate of " + p + " to " + len + " bytes did not complete within " + timeout);
      }
      sleep();
    }
  }

  /** If {@code p} is still open by a (crashed) writer on HDFS, recovers its lease and waits. */
  void recoverLease(Path p) throws IOException {
    if (!(fs instanceof LeaseRecoverable lr) || !fs.exists(p) || lr.isFileClosed(p)) {
      return;
    }
    LOG.warn("{} is still open by a previous writer: recovering its lease", p);
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean recovered = lr.recoverLease(p);
    while (!recovered && !lr.isFileClosed(p)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("lease recovery of " + p + " did not complete within " + timeout);
      }
      sleep();
      recovered = lr.recoverLease(p);
    }
  }

  /**
   * Deletes the files directly in {@code dir} whose names start with {@link RunStore#TMP_PREFIX}.
   */
  void deleteTemporaries(Path dir) throws IOException {
    for (FileStatus st : fs.listStatus(dir)) {
      if (st.isFile() && st.getPath().getName().startsWith(RunStore.TMP_PREFIX)) {
        LOG.info("deleting stale temporary file {}", st.getPath());
        deleteQuietly(st.getPath());
      }
    }
  }

  /** The first {@code max} bytes of {@code p} (fewer if it is shorter). */
  byte[] readPrefix(Path p, int max) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      return in.readNBytes(max);
    }
  }

  /** The whole content of {@code p}. */
  byte[] readAll(Path p) throws IOException {
    try (FSDataInputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  void mkdirs(Path p) throws IOException {
    if (!fs.mkdirs(p)) {
      throw new IOException("cannot create directory " + p);
    }
  }

  private void deleteQuietly(Path p) {
    try {
      fs.delete(p, false);
    } catch (IOException e) {
      LOG.warn("cannot delete temporary file {}: {}", p, e.toString());
    }
  }

  private static void sleep() throws IOException {
    try {
      Thread.sleep(POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for HDFS recovery");
    }
  }
}

package io.marginflow.spark.store;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An append-only JSON-lines file of a run directory ({@code metrics/steps.jsonl} or {@code
 * metrics/eval.jsonl}). Lines are buffered in memory by {@link #appendLine}; {@link #flush()}
 * writes them and calls {@code hflush()}, so that readers (which read to the end of the stream) see
 * only complete lines. A buffer above {@value #AUTO_FLUSH_BYTES} bytes is flushed automatically,
 * also at a line end. The file is opened lazily, for append if it exists (created otherwise).
 *
 * <p>{@link #length()} is the length of the file as of the last flush: the value a checkpoint
 * records so that a resumed run can cut the file back to it ({@link RunStore#truncateMetrics}).
 *
 * <p>On HDFS, another client's {@code getFileStatus().getLen()} may lag behind hflushed data; read
 * the stream to its end instead. After a failed flush the stream's state is undefined: close the
 * store and resume from the last checkpoint. Not thread-safe: one driver thread writes.
 */
public final class MetricStream implements Closeable {

  /** Buffered bytes above which {@link #appendLine} flushes by itself. */
  public static final int AUTO_FLUSH_BYTES = 1 << 20;

  private final FileSystem fs;
  private final Path path;
  private final String relativePath;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(8192);
  private FSDataOutputStream out;
  private long flushedLength = -1; // -1: not known yet (file not consulted)

  MetricStream(FileSystem fs, Path path, String relativePath) {
    this.fs = fs;
    this.path = path;
    this.relativePath = relativePath;
  }

  /** The path relative to the run directory, e.g. {@code metrics/steps.jsonl}. */
  public String relativePath() {
    return relativePath;
  }

  /**
   * Buffers one line (a newline is added).
   *
   * @throws IllegalArgumentException if {@code line} contains a line break
   */
  public void appendLine(String line) throws IOException {
    if (line == null) {
      throw new IllegalArgumentException(relativePath + ": line must not be null");
    }
    if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(
          relativePath + ": a line must not contain a line break, got '" + abbreviate(line) + "'");
    }
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    buffer.write(bytes, 0, bytes.length);
    buffer.write('\n');
    if (buffer.size() >= AUTO_FLUSH_BYTES) {
      flush();
    }
  }

  /** Writes the buffered lines and hflushes them, creating or opening the file if needed. */
  public void flush() throws IOException {
    if (buffer.size() == 0) {
      return;
    }
    try {
      ensureOpen();
      buffer.writeTo(out);
      out.hflush();
    } catch (IOException | FSError e) {
      flushedLength = -1; // unknown now: ask the file system next time
      throw WriteFailure.of(path, e);
    }
    flushedLength += buffer.size();
    buffer.reset();
  }

  /** Length in bytes of the file as of the last {@link #flush()} (0 if it does not exist). */
  public long length() throws IOException {
    if (flushedLength < 0) {
      flushedLength = fs.exists(path) ? fs.getFileStatus(path).getLen() : 0;
    }
    return flushedLength;
  }

  /** Bytes appended but not yet flushed. */
  public long pendingBytes() {
    return buffer.size();
  }

  /** Flushes and closes the file; a later {@link #appendLine} reopens it for append. */
  @Override
  public void close() throws IOException {
    flush();
    closeFile();
  }

  /** Closes the file without flushing (used before truncation; the buffer must be empty). */
  void closeFile() throws IOException {
    if (out != null) {
      FSDataOutputStream o = out;
      out = null;
      try {
        o.close();
      } catch (IOException | FSError e) {
        throw WriteFailure.of(path, e);
      }
    }
  }

  /** Forgets the known length (after the file was changed behind this stream). */
  void resetLength(long length) {
    flushedLength = length;
  }

  Path path() {
    return path;
  }

  private void ensureOpen() throws IOException {
    if (out != null) {
      return;
    }
    if (fs.exists(path)) {
      long len = fs.getFileStatus(path).getLen();
      try {
        out = fs.append(path);
      } catch (UnsupportedOperationException e) {
        throw new IOException(
            path + ": the file system " + fs.getUri().getScheme() + " does not support append", e);
      }
      flushedLength = len;
    } else {
      out = fs.create(path, false);
      flushedLength = 0;
    }
  }

  private static String abbreviate(String s) {
    String flat = s.replace("\n", "\\n").replace("\r", "\\r");
    return flat.length() <= 80 ? flat : flat.substring(0, 77) + "...";
  }
}

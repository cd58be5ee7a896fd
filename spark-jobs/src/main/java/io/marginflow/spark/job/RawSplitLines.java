package io.marginflow.spark.job;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The lines of one byte range [s, e) of an uncompressed file, read straight from its bytes into a
 * reused {@link ByteLine} (no per-line decoding or allocation), by Hadoop's {@code
 * LineRecordReader} rules: terminators are LF, CR and CR LF; a line that starts at byte p belongs
 * to the range with s &lt; p ≤ e (the first range also owns the line at 0); a UTF-8 byte order mark
 * at the start of the file is dropped. The bytes read also feed a {@link ChunkHasher}, so the
 * fingerprint of the chunks that start in the range comes with the same read.
 */
final class RawSplitLines implements Closeable {

  private static final int BUFFER = 1 << 18;

  private final InputStream in;
  private final long end;
  private final ChunkHasher hasher;
  private final ByteLine line = new ByteLine();
  private byte[] buf = new byte[BUFFER];
  private int pos; // next unread byte in buf
  private int lim; // end of valid bytes in buf
  private long bufStart; // file position of buf[0]
  private boolean eof;
  private boolean first;

  /**
   * Opens {@code split} (an uncompressed range) of a file of {@code fileLength} bytes, hashing the
   * chunks of {@code chunkBytes} that start in it (none when {@code chunkBytes} is 0).
   */
  RawSplitLines(LineSplit split, long fileLength, long chunkBytes, HadoopConf conf)
      throws IOException {
    Path path = new Path(split.uri());
    FileSystem fs = path.getFileSystem(conf.get());
    FSDataInputStream stream = fs.open(path);
    this.in = stream;
    long start = split.start();
    this.end = start + split.length();
    this.hasher = chunkBytes > 0 ? new ChunkHasher(start, end, fileLength, chunkBytes) : null;
    this.bufStart = start;
    if (start > 0) {
      stream.seek(start);
      skipFirstLine();
    } else {
      first = true;
    }
  }

  /** The next line of the range (a view valid until the next call), or null at its end. */
  ByteLine next() throws IOException {
    if (bufStart + pos > end || !fill(pos + 1)) {
      return null;
    }
    int from = pos;
    int i = pos;
    while (true) {
      for (; i < lim; i++) {
        byte b = buf[i];
        if (b == '\n') {
          pos = i + 1;
          return line(from, i);
        }
        if (b == '\r') {
          pos = i + 1;
          if (pos == lim) { // CR LF is one terminator; the LF may lie past the buffer
            int shift = compact(from);
            from -= shift;
            i -= shift;
            fill(pos + 1);
          }
          if (pos < lim && buf[pos] == '\n') {
            pos++;
          }
          return line(from, i);
        }
      }
      int shift = compact(from);
      from -= shift;
      i -= shift;
      if (!fill(lim + 1)) { // the last line of the file, without a terminator
        pos = lim;
        return line(from, lim);
      }
    }
  }

  private ByteLine line(int from, int to) {
    if (first) {
      first = false;
      if (to - from >= 3
          && buf[from] == (byte) 0xEF
          && buf[from + 1] == (byte) 0xBB
          && buf[from + 2] == (byte) 0xBF) {
        from += 3;
      }
    }
    line.set(buf, from, to - from);
    return line;
  }

  /** Drops the bytes before the range's first own line (through the first terminator). */
  private void skipFirstLine() throws IOException {
    while (fill(pos + 1)) {
      for (int i = pos; i < lim; i++) {
        byte b = buf[i];
        if (b == '\n' || b == '\r') {
          pos = i + 1;
          if (b == '\r' && fill(pos + 1) && buf[pos] == '\n') {
            pos++;
          }
          return;
        }
      }
      pos = lim;
      compact(pos);
    }
  }

  /** Moves {@code buf[from, lim)} to the front; returns how far the bytes moved. */
  private int compact(int from) {
    if (from == 0) {
      return 0;
    }
    int kept = lim - from;
    System.arraycopy(buf, from, buf, 0, kept);
    bufStart += from;
    pos -= from;
    lim = kept;
    return from;
  }

  /** Reads until the buffer holds {@code need} bytes or the file ends; false if it holds fewer. */
  private boolean fill(int need) throws IOException {
    while (lim < need && !eof) {
      if (lim == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      int n = in.read(buf, lim, buf.length - lim);
      if (n < 0) {
        eof = true;
      } else {
        if (hasher != null) {
          hasher.feed(buf, lim, n);
        }
        lim += n;
      }
    }
    return lim >= need;
  }

  /**
   * The digests of the chunks that start in the range, reading on past the lines if needed; null
   * when not hashing.
   */
  java.util.List<byte[]> chunkDigests() throws IOException {
    if (hasher == null) {
      return null;
    }
    byte[] scratch = new byte[BUFFER];
    while (!hasher.done()) {
      int want = (int) Math.min(scratch.length, hasher.hashEnd() - hasher.position());
      int n = in.read(scratch, 0, want);
      if (n < 0) {
        throw new EOFException(
            "file shorter than " + hasher.hashEnd() + " bytes while hashing (changed while read?)");
      }
      hasher.feed(scratch, 0, n);
    }
    return hasher.digests();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

package io.marginflow.common.format;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * Owner of the binary checkpoint format of the parameter vector θ ({@code theta.bin}).
 *
 * <p>Byte layout of version 1 (all multi-byte values big-endian):
 *
 * <pre>
 * offset      size  field
 * 0           4     magic: the ASCII bytes "MFCK" (0x4D 0x46 0x43 0x4B)
 * 4           4     format version, int32 = 1
 * 8           8     parameter count d, int64, 0 ≤ d ≤ {@link #MAX_PARAMETERS}
 * 16          8·d   θ[0..d−1], each the IEEE 754 bits of the double (Double.doubleToRawLongBits)
 * 16 + 8·d    4     CRC32 (java.util.zip.CRC32, unsigned value in 4 bytes) of bytes [0, 16 + 8·d)
 * </pre>
 *
 * <p>Total size: {@code 20 + 8·d} bytes ({@link #sizeInBytes(int)}); nothing may follow the CRC.
 * The values are stored bit-exactly, so a write → read round trip returns identical doubles
 * (including −0.0 and subnormals).
 *
 * <p>NaN policy: checkpoints hold finite values only. {@link #write} rejects NaN/±∞ with the index
 * of the first offending entry; {@link #read} rejects them too (after the CRC check, so corruption
 * is reported as such).
 *
 * <p>The reader rejects, each with a {@link FormatException} naming the source: bad magic, an
 * unknown version ("supported: 1"), a parameter count out of range, truncated data, a CRC mismatch,
 * trailing bytes after the CRC, and non-finite values. Reading allocates memory in proportion to
 * the bytes actually present, so a corrupted count cannot trigger a huge allocation by itself.
 *
 * <p>Neither {@link #write} nor {@link #read} closes the stream it is given.
 */
public final class CheckpointFormat {

  /** The current (and only) version written by {@link #write}. */
  public static final int VERSION = 1;

  /** Largest parameter count a Java array can hold safely. */
  public static final long MAX_PARAMETERS = Integer.MAX_VALUE - 8;

  /** Bytes before θ: magic, version, count. */
  public static final int HEADER_BYTES = 16;

  /** Bytes after θ: the CRC32. */
  public static final int TRAILER_BYTES = 4;

  private static final byte[] MAGIC = {'M', 'F', 'C', 'K'};
  private static final int CHUNK_DOUBLES = 8192; // 64 KiB I/O chunks
  private static final int INITIAL_CAPACITY = 1 << 16; // doubles allocated before data arrives

  private CheckpointFormat() {}

  /** Size in bytes of the version-1 encoding of a θ with {@code d} entries. */
  public static long sizeInBytes(int d) {
    if (d < 0) {
      throw new IllegalArgumentException("d: expected >= 0, got " + d);
    }
    return HEADER_BYTES + 8L * d + TRAILER_BYTES;
  }

  /**
   * Writes θ in format version 1. Does not close or flush {@code out} beyond the bytes written.
   *
   * @throws IllegalArgumentException if an entry of θ is NaN or infinite
   */
  public static void write(double[] theta, OutputStream out) throws IOException {
    if (theta == null) {
      throw new IllegalArgumentException("theta: must not be null");
    }
    for (int i = 0; i < theta.length; i++) {
      if (!Double.isFinite(theta[i])) {
        throw new IllegalArgumentException(
            "theta[" + i + "]: checkpoints hold finite values only, got " + theta[i]);
      }
    }
    CRC32 crc = new CRC32();
    ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    header.put(MAGIC).putInt(VERSION).putLong(theta.length);
    emit(header, crc, out);

    ByteBuffer chunk = ByteBuffer.allocate(CHUNK_DOUBLES * 8).order(ByteOrder.BIG_ENDIAN);
    for (int pos = 0; pos < theta.length; pos += CHUNK_DOUBLES) {
      int n = Math.min(CHUNK_DOUBLES, theta.length - pos);
      chunk.clear();
      chunk.asDoubleBuffer().put(theta, pos, n);
      chunk.position(n * 8);
      emit(chunk, crc, out);
    }
    ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.BIG_ENDIAN);
    trailer.putInt((int) crc.getValue());
    trailer.flip();
    out.write(trailer.array(), 0, TRAILER_BYTES);
  }

  /** θ encoded in format version 1, as a byte array. */
  public static byte[] toBytes(double[] theta) {
    ByteArrayOutputStream out =
        new ByteArrayOutputStream((int) Math.min(sizeInBytes(theta.length), 1 << 30));
    try {
      write(theta, out);
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory write cannot fail", e);
    }
    return out.toByteArray();
  }

  /**
   * Reads θ written in a supported version (1), consuming the stream to its end.
   *
   * @param sourceName the file name or URI, used in error messages
   * @throws FormatException if the bytes are not a valid checkpoint (see class comment)
   */
  public static double[] read(InputStream in, String sourceName) throws IOException {
    CRC32 crc = new CRC32();
    byte[] header = readExactly(in, HEADER_BYTES, sourceName, 0, "header");
    crc.update(header);
    ByteBuffer hb = ByteBuffer.wrap(header).order(ByteOrder.BIG_ENDIAN);
    byte[] magic = new byte[MAGIC.length];
    hb.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new FormatException(
          sourceName
              + ": not a marginflow checkpoint (magic bytes "
              + hex(magic)
              + ", expected "
              + hex(MAGIC)
              + " \"MFCK\")");
    }
    int version = hb.getInt();
    if (version != VERSION) {
      throw new FormatException(
          sourceName + ": unsupported checkpoint format version " + version + " (supported: 1)");
    }
    long d = hb.getLong();
    if (d < 0 || d > MAX_PARAMETERS) {
      throw new FormatException(
          sourceName
              + ": parameter count d="
              + d
              + " out of range [0, "
              + MAX_PARAMETERS
              + "] (corrupted header)");
    }
    double[] theta = readValues(in, (int) d, crc, sourceName);
    byte[] trailer = readExactly(in, TRAILER_BYTES, sourceName, HEADER_BYTES + 8 * d, "CRC32");
    int stored = ByteBuffer.wrap(trailer).order(ByteOrder.BIG_ENDIAN).getInt();
    int actual = (int) crc.getValue();
    if (stored != actual) {
      throw new FormatException(
          String.format(
              "%s: CRC32 mismatch (stored %08x, computed %08x over %d bytes): the file is corrupted",
              sourceName, stored, actual, HEADER_BYTES + 8 * d));
    }
    if (in.read() != -1) {
      throw new FormatException(
          sourceName + ": trailing bytes after the CRC32 at offset " + sizeInBytes((int) d));
    }
    for (int i = 0; i < theta.length; i++) {
      if (!Double.isFinite(theta[i])) {
        throw new FormatException(
            sourceName
                + ": theta["
                + i
                + "] = "
                + theta[i]
                + ", checkpoints hold finite values only");
      }
    }
    return theta;
  }

  /** Reads θ from a byte array holding exactly one checkpoint. */
  public static double[] fromBytes(byte[] bytes, String sourceName) throws FormatException {
    try {
      return read(new ByteArrayInputStream(bytes), sourceName);
    } catch (FormatException e) {
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory read cannot fail", e);
    }
  }

  private static double[] readValues(InputStream in, int d, CRC32 crc, String sourceName)
      throws IOException {
    // Grow the array as data arrives, so a corrupted d on a short stream fails before allocating.
    double[] theta = new double[Math.min(d, INITIAL_CAPACITY)];
    byte[] buf = new byte[CHUNK_DOUBLES * 8];
    ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.BIG_ENDIAN);
    int pos = 0;
    while (pos < d) {
      int n = Math.min(CHUNK_DOUBLES, d - pos);
      int got = readFully(in, buf, n * 8);
      if (got < n * 8) {
        throw truncated(sourceName, HEADER_BYTES + 8L * pos + got, sizeInBytes(d), "theta");
      }
      crc.update(buf, 0, got);
      if (pos + n > theta.length) {
        theta = Arrays.copyOf(theta, (int) Math.min(d, Math.max(2L * theta.length, pos + n)));
      }
      view.clear();
      view.asDoubleBuffer().get(theta, pos, n);
      pos += n;
    }
    return theta;
  }

  private static byte[] readExactly(
      InputStream in, int n, String sourceName, long offset, String what) throws IOException {
    byte[] b = new byte[n];
    int got = readFully(in, b, n);
    if (got < n) {
      throw truncated(sourceName, offset + got, offset + n, what);
    }
    return b;
  }

  /** Reads until {@code len} bytes or end of stream; returns the count read. */
  private static int readFully(InputStream in, byte[] b, int len) throws IOException {
    int got = 0;
    while (got < len) {
      int r = in.read(b, got, len - got);
      if (r < 0) {
        break;
      }
      got += r;
    }
    return got;
  }

  private static FormatException truncated(String source, long got, long expected, String where) {
    return new FormatException(
        source
            + ": truncated checkpoint, ends after "
            + got
            + " bytes while reading the "
            + where
            + " (expected at least "
            + expected
            + " bytes)");
  }

  private static void emit(ByteBuffer filled, CRC32 crc, OutputStream out) throws IOException {
    int len = filled.position();
    crc.update(filled.array(), 0, len);
    out.write(filled.array(), 0, len);
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xff));
    }
    return sb.toString();
  }
}

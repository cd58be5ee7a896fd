package io.marginflow.spark.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * One column chunk's pages (parquet-mr's {@link PageReader}, which decompresses), decoded here page
 * by page into a buffer of doubles: definition levels checked to be all at the maximum (no nulls),
 * repetition levels handed to a {@link LevelCheck}, values plain or dictionary-encoded (here) or in
 * another encoding parquet-mr's values readers decode (delta, byte stream split), data pages v1 or
 * v2, of a {@code double}, {@code float}, {@code int32} or {@code int64} column (each value as
 * Java's widening or {@code long → double} conversion gives it, as Spark's {@code cast(double)}).
 * Anything else (another encoding, a null, a page that does not parse) makes the reading methods
 * return false: the caller then reads the rows with Spark's reader, which names what is wrong.
 * Shared by {@link ParquetDensePages} (Spark ML dense vectors) and {@link ParquetColumnChunks}
 * (numeric columns, one chunk at a time). Not thread-safe.
 */
final class ParquetPageColumn {

  /** A check of a page's repetition levels (for the repeated values column). */
  @FunctionalInterface
  interface LevelCheck {
    boolean test(ByteBuffer rep, int count);
  }

  private final ColumnDescriptor desc;
  private final PageReader pages;
  private final int maxDef;
  private boolean dictionaryRead;
  private double[] dictionary;
  private double[] buf = new double[0];
  private int[] ids = new int[0];
  private int at; // next value of buf
  private int end; // values in buf

  ParquetPageColumn(ColumnDescriptor desc, PageReader pages) {
    this.desc = desc;
    this.pages = pages;
    this.maxDef = desc.getMaxDefinitionLevel();
  }

  /** Copies the next {@code n} values to {@code out[from…]}; false if the pages are not plain. */
  boolean take(double[] out, int from, int n, LevelCheck check) throws IOException {
    while (n > 0) {
      if (at == end && !nextPage(check)) {
        return false;
      }
      int k = Math.min(n, end - at);
      System.arraycopy(buf, at, out, from, k);
      at += k;
      from += k;
      n -= k;
    }
    return true;
  }

  /**
   * Makes decoded values available (decoding the next data page when every value of the last was
   * taken): false at the end of the chunk or on anything this class does not decode. The values are
   * then {@link #buffer()}{@code [}{@link #position()}, {@link #limit()}{@code )}.
   */
  boolean ready(LevelCheck check) throws IOException {
    return at < end || nextPage(check);
  }

  /** The decoded values of the current page (valid until the next {@link #ready}). */
  double[] buffer() {
    return buf;
  }

  /** The next value not taken in {@link #buffer()}. */
  int position() {
    return at;
  }

  /** The end of the current page's values in {@link #buffer()}. */
  int limit() {
    return end;
  }

  /** Marks {@code k} more values of the current page as taken ({@code k ≤ limit − position}). */
  void advance(int k) {
    assert k >= 0 && at + k <= end : "advance " + k + " past " + (end - at);
    at += k;
  }

  /** True when every value of the decoded pages was taken and no data page is left. */
  boolean exhausted() throws IOException {
    return at == end && pages.readPage() == null;
  }

  /** Reads the next {@code n} values and returns true when every one is 1. */
  boolean ones(int n) throws IOException {
    while (n > 0) {
      if (at == end && !nextPage(null)) {
        return false;
      }
      int k = Math.min(n, end - at);
      for (int i = at; i < at + k; i++) {
        if (buf[i] != 1.0) {
          return false;
        }
      }
      at += k;
      n -= k;
    }
    return true;
  }

  /** Decodes the next data page into {@code buf}; false at the end or on anything unexpected. */
  private boolean nextPage(LevelCheck check) throws IOException {
    if (!dictionaryRead) {
      dictionaryRead = true;
      DictionaryPage d = pages.readDictionaryPage();
      if (d != null) {
        Dictionary dict = d.getEncoding().initDictionary(desc, d);
        dictionary = new double[dict.getMaxId() + 1];
        PrimitiveTypeName t = desc.getPrimitiveType().getPrimitiveTypeName();
        for (int id = 0; id < dictionary.length; id++) {
          dictionary[id] =
              switch (t) {
                case INT32 -> dict.decodeToInt(id);
                case INT64 -> dict.decodeToLong(id);
                case FLOAT -> dict.decodeToFloat(id);
                default -> dict.decodeToDouble(id);
              };
        }
      }
    }
    DataPage page = pages.readPage();
    if (page == null) {
      return false;
    }
    int count = page.getValueCount();
    ByteBuffer levels;
    ByteBuffer data;
    Encoding encoding;
    int maxRep = desc.getMaxRepetitionLevel();
    if (page instanceof DataPageV1 p) {
      ByteBuffer all = p.getBytes().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      if ((maxRep > 0 && p.getRlEncoding() != Encoding.RLE)
          || (maxDef > 0 && p.getDlEncoding() != Encoding.RLE)) {
        return false;
      }
      int pos = all.position();
      ByteBuffer r = null;
      if (maxRep > 0) {
        int len = pos + 4 <= all.limit() ? all.getInt(pos) : -1;
        r = slice(all, pos + 4, len);
        pos = r == null ? all.limit() : pos + 4 + len;
      }
      ByteBuffer d = null;
      if (maxDef > 0) {
        int len = pos + 4 <= all.limit() ? all.getInt(pos) : -1;
        d = slice(all, pos + 4, len);
        pos = d == null ? all.limit() : pos + 4 + len;
      }
      levels = r;
      if (!defined(d, count)) {
        return false;
      }
      data = slice(all, pos, all.limit() - pos);
      encoding = p.getValueEncoding();
    } else if (page instanceof DataPageV2 p) {
      if (p.isCompressed() || p.getNullCount() != 0) {
        return false;
      }
      levels = maxRep > 0 ? p.getRepetitionLevels().toByteBuffer() : null;
      if (!defined(maxDef > 0 ? p.getDefinitionLevels().toByteBuffer() : null, count)) {
        return false;
      }
      data = p.getData().toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      encoding = p.getDataEncoding();
    } else {
      return false;
    }
    if (data == null) {
      return false;
    }
    if (maxRep > 0 && (maxRep != 1 || levels == null || !check.test(levels, count))) {
      return false;
    }
    buf = buf.length >= count ? buf : new double[Math.max(count, 2 * buf.length)];
    if (!values(data, encoding, count)) {
      return false;
    }
    at = 0;
    end = count;
    return true;
  }

  /** True when every one of the {@code count} definition levels is the maximum (no nulls). */
  private boolean defined(ByteBuffer d, int count) {
    if (maxDef == 0) {
      return true;
    }
    return d != null && Hybrid.allEqual(d, bitWidth(maxDef), maxDef, count);
  }

  /** Decodes {@code count} values (plain or dictionary ids) into {@code buf}. */
  private boolean values(ByteBuffer data, Encoding encoding, int count) {
    if (encoding == Encoding.PLAIN) {
      PrimitiveTypeName t = desc.getPrimitiveType().getPrimitiveTypeName();
      int p = data.position();
      int size = t == PrimitiveTypeName.INT32 || t == PrimitiveTypeName.FLOAT ? 4 : 8;
      if (data.remaining() < (long) count * size) {
        return false;
      }
      switch (t) {
        case INT32 -> {
          for (int k = 0; k < count; k++) {
            buf[k] = data.getInt(p + 4 * k);
          }
        }
        case INT64 -> {
          for (int k = 0; k < count; k++) {
            buf[k] = data.getLong(p + 8 * k);
          }
        }
        case FLOAT -> {
          for (int k = 0; k < count; k++) {
            buf[k] = data.getFloat(p + 4 * k);
          }
        }
        case DOUBLE ->
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(buf, 0, count);
        default -> {
          return false;
        }
      }
      return true;
    }
    if ((encoding == Encoding.PLAIN_DICTIONARY || encoding == Encoding.RLE_DICTIONARY)
        && dictionary != null
        && data.remaining() >= 1) {
      int bits = data.get(data.position()) & 0xff;
      ids = grow(ids, count);
      if (bits > 32
          || !Hybrid.decode(
              slice(data, data.position() + 1, data.remaining() - 1), bits, ids, count)) {
        return false;
      }
      for (int k = 0; k < count; k++) {
        int id = ids[k];
        if (id < 0 || id >= dictionary.length) {
          return false;
        }
        buf[k] = dictionary[id];
      }
      return true;
    }
    if (encoding.usesDictionary()) {
      return false;
    }
    return decoded(data, encoding, count);
  }

  /**
   * Decodes {@code count} values of another non-dictionary encoding (delta, byte stream split) with
   * parquet-mr's own values reader; false when it does not decode them.
   */
  private boolean decoded(ByteBuffer data, Encoding encoding, int count) {
    try {
      ValuesReader r = encoding.getValuesReader(desc, ValuesType.VALUES);
      r.initFromPage(count, ByteBufferInputStream.wrap(data.duplicate()));
      switch (desc.getPrimitiveType().getPrimitiveTypeName()) {
        case INT32 -> {
          for (int k = 0; k < count; k++) {
            buf[k] = r.readInteger();
          }
        }
        case INT64 -> {
          for (int k = 0; k < count; k++) {
            buf[k] = r.readLong();
          }
        }
        case FLOAT -> {
          for (int k = 0; k < count; k++) {
            buf[k] = r.readFloat();
          }
        }
        case DOUBLE -> {
          for (int k = 0; k < count; k++) {
            buf[k] = r.readDouble();
          }
        }
        default -> {
          return false;
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // an encoding parquet-mr cannot read for this type, or a malformed page
    }
  }

  private static int[] grow(int[] a, int n) {
    return a.length >= n ? a : new int[Math.max(n, 2 * a.length)];
  }

  private static int bitWidth(int max) {
    return 32 - Integer.numberOfLeadingZeros(max);
  }

  private static ByteBuffer slice(ByteBuffer b, int from, int length) {
    if (from < 0 || length < 0 || from + length > b.limit()) {
      return null;
    }
    ByteBuffer d = b.duplicate();
    d.position(from);
    d.limit(from + length);
    return d.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Parquet's RLE/bit-packed hybrid encoding (levels and dictionary ids). */
  static final class Hybrid {
    private Hybrid() {}

    /**
     * Reads the header of a run at {@code p} (an unsigned varint: count × 2 for an RLE run, groups
     * × 2 + 1 for bit-packed groups) into {@code out[0]} and, for an RLE run, its value (stored in
     * {@code bytes} bytes) into {@code out[1]}; returns the position after them, or −1 when {@code
     * in} ends first (or the varint is too long).
     */
    static int run(ByteBuffer in, int p, int lim, int bytes, long[] out) {
      long header = 0;
      int shift = 0;
      while (true) {
        if (p >= lim || shift > 35) {
          return -1;
        }
        int b = in.get(p++) & 0xff;
        header |= (long) (b & 0x7f) << shift;
        shift += 7;
        if (b < 0x80) {
          break;
        }
      }
      out[0] = header;
      if ((header & 1) == 0) {
        if (p + bytes > lim) {
          return -1;
        }
        long v = 0;
        for (int k = 0; k < bytes; k++) {
          v |= (long) (in.get(p++) & 0xff) << (8 * k);
        }
        out[1] = v;
      }
      return p;
    }

    /**
     * True when the first {@code count} values of {@code bits} bits in {@code in} all equal {@code
     * value} (an RLE run checked at once), false when one does not or {@code in} ends first (or
     * packs more than 8 bits).
     */
    static boolean allEqual(ByteBuffer in, int bits, int value, int count) {
      int p = in.position();
      int lim = in.limit();
      int bytes = (bits + 7) / 8;
      int n = 0;
      long[] head = new long[2];
      while (n < count) {
        p = run(in, p, lim, bytes, head);
        if (p < 0) {
          return false;
        }
        long header = head[0];
        if ((header & 1) == 0) {
          if (head[1] != value) {
            return false;
          }
          n += (int) Math.min(header >>> 1, count - n);
        } else {
          long groups = header >>> 1;
          long mask = (1L << bits) - 1;
          for (long g = 0; g < groups && n < count; g++) {
            if (bits > 8 || p + bits > lim) {
              return false;
            }
            long word = 0;
            for (int b = 0; b < bits; b++) {
              word |= (long) (in.get(p + b) & 0xff) << (8 * b);
            }
            int m = Math.min(8, count - n);
            for (int k = 0; k < m; k++) {
              if (((word >>> (k * bits)) & mask) != value) {
                return false;
              }
            }
            n += m;
            p += bits;
          }
        }
      }
      return true;
    }

    /**
     * Decodes {@code count} values of {@code bits} bits from {@code in} into {@code out}; false
     * when {@code in} ends first or is malformed.
     */
    static boolean decode(ByteBuffer in, int bits, int[] out, int count) {
      if (in == null) {
        return false;
      }
      int p = in.position();
      int lim = in.limit();
      int bytes = (bits + 7) / 8;
      long mask = bits == 0 ? 0 : (1L << bits) - 1;
      int n = 0;
      long[] head = new long[2];
      while (n < count) {
        p = run(in, p, lim, bytes, head);
        if (p < 0) {
          return false;
        }
        long header = head[0];
        if ((header & 1) == 0) { // an RLE run: count, then the value
          int k = (int) Math.min(header >>> 1, count - n);
          java.util.Arrays.fill(out, n, n + k, (int) head[1]);
          n += k;
        } else { // bit-packed groups of 8 values, least significant bits first
          long groups = header >>> 1;
          for (long g = 0; g < groups && n < count; g++) {
            if (p + bits > lim) {
              return false;
            }
            if (bits <= 8) { // the group's 8 values in one word of `bits` bytes
              long word = 0;
              for (int b = 0; b < bits; b++) {
                word |= (long) (in.get(p + b) & 0xff) << (8 * b);
              }
              int m = Math.min(8, count - n);
              for (int k = 0; k < m; k++) {
                out[n + k] = (int) ((word >>> (k * bits)) & mask);
              }
              n += m;
            } else {
              for (int k = 0; k < 8 && n < count; k++) {
                int bit = k * bits;
                int from = p + bit / 8;
                int to = Math.min(p + bits, from + 5); // ≤ 32 bits span at most 5 bytes
                long word = 0;
                for (int b = from; b < to; b++) {
                  word |= (long) (in.get(b) & 0xff) << (8 * (b - from));
                }
                out[n++] = (int) ((word >>> (bit % 8)) & mask);
              }
            }
            p += bits;
          }
        }
      }
      return true;
    }
  }
}

package io.marginflow.spark.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The rows of one row group of a Parquet file of Spark ML dense vectors, all of one width k (the
 * file's footers say so: {@link ParquetFooterScan}), decoded straight from the column pages of the
 * label, the vector's {@code type} and its {@code values} element column (parquet-mr's page reader,
 * which decompresses; levels and values decoded here), without Spark's nested-column assembly.
 *
 * <p>Only the case the footers promise is decoded: every {@code type} 1 (dense), no null label,
 * vector or value, and exactly k values per vector (repetition level 0 at each row's first value, 1
 * at the k − 1 others); levels in the RLE/bit-packed hybrid, values plain or dictionary-encoded,
 * data pages v1 or v2. Anything else (another encoding, another label type, a level or a type out
 * of that pattern) makes {@link #read} return −1: the caller then reads the rows not yet taken with
 * Spark's reader ({@link ParquetBatchReader}), whose decode names the file, row and column of what
 * is wrong. Values are handed over as stored (NaN, −0.0 included); the caller checks them. Not
 * thread-safe.
 */
final class ParquetDensePages implements AutoCloseable {

  private final ParquetFileReader reader;
  private final long rows;
  private final int width;
  private final Column label;
  private final Column type;
  private final Column values;
  private long taken; // rows read so far
  private int inRow; // values of the current row read so far by the level check (0..width)

  private ParquetDensePages(
      ParquetFileReader reader, long rows, int width, Column label, Column type, Column values) {
    this.reader = reader;
    this.rows = rows;
    this.width = width;
    this.label = label;
    this.type = type;
    this.values = values;
    this.inRow = width;
  }

  /**
   * Opens row group {@code group} of {@code uri}, whose first column chunk starts at byte {@code
   * start} (label column {@code labelColumn}, vector column {@code vector} of {@code width} values
   * per row), or returns null when the file has no such row group or its columns are not those this
   * reader decodes (the label not a required or optional double, the vector's leaves not found as
   * Spark writes them).
   */
  static ParquetDensePages open(
      String uri,
      int group,
      long start,
      String labelColumn,
      String vector,
      int width,
      Configuration conf)
      throws IOException {
    return open(
        ParquetFileReader.open(HadoopInputFile.fromPath(new Path(uri), conf)),
        group,
        start,
        labelColumn,
        vector,
        width);
  }

  /**
   * As {@link #open(String, int, long, String, String, int, Configuration)}, for the file whose
   * footer {@code footer} holds (read before, e.g. on the driver: the file is opened, its footer
   * not read again).
   */
  static ParquetDensePages open(
      ParquetFooter footer,
      int group,
      long start,
      String labelColumn,
      String vector,
      int width,
      Configuration conf)
      throws IOException {
    return open(footer.open(conf), group, start, labelColumn, vector, width);
  }

  private static ParquetDensePages open(
      ParquetFileReader reader, int group, long start, String labelColumn, String vector, int width)
      throws IOException {
    try {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      ColumnDescriptor l = leaf(schema, labelColumn, null);
      ColumnDescriptor t = leaf(schema, vector, "type");
      ColumnDescriptor v = leaf(schema, vector, "values");
      if (l == null
          || t == null
          || v == null
          || l.getMaxRepetitionLevel() != 0
          || l.getPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.DOUBLE
          || t.getMaxRepetitionLevel() != 0
          || t.getPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.INT32
          || v.getMaxRepetitionLevel() != 1
          || v.getPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.DOUBLE
          || group >= reader.getRowGroups().size()
          || reader.getRowGroups().get(group).getStartingPos() != start) {
        reader.close();
        return null;
      }
      long rows = reader.getRowGroups().get(group).getRowCount();
      reader.setRequestedSchema(List.of(l, t, v));
      PageReadStore store = reader.readRowGroup(group);
      return new ParquetDensePages(
          reader,
          rows,
          width,
          new Column(l, store.getPageReader(l)),
          new Column(t, store.getPageReader(t)),
          new Column(v, store.getPageReader(v)));
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** The leaf column {@code top} (no {@code child}) or the one leaf under {@code top.child}. */
  private static ColumnDescriptor leaf(MessageType schema, String top, String child) {
    ColumnDescriptor found = null;
    for (ColumnDescriptor c : schema.getColumns()) {
      if (ParquetFooterScan.isLeaf(c.getPath(), top, child)) {
        if (found != null) {
          return null;
        }
        found = c;
      }
    }
    return found;
  }

  /** Rows of the row group (its footer's count). */
  long rows() {
    return rows;
  }

  /**
   * Reads the next {@code n} rows (at most the rows left) into {@code y} (labels as stored, from 0)
   * and {@code x} (row-major, {@code width} values each, from 0) and returns how many it read, or
   * −1 when the pages hold something other than dense vectors of the width without nulls, or an
   * encoding this reader does not decode: the caller then reads from row {@link #taken()} with
   * Spark's reader.
   */
  int read(double[] y, double[] x, int n) throws IOException {
    int want = (int) Math.min(n, rows - taken);
    if (want <= 0) {
      return 0;
    }
    if (!label.take(y, 0, want, null)
        || !type.ones(want)
        || !values.take(x, 0, want * width, this::levels)) {
      return -1;
    }
    taken += want;
    if (taken == rows && (inRow != width || !values.exhausted())) {
      return -1; // a short last row, or values past the last row
    }
    return want;
  }

  /** Rows read so far (the first row {@link #read} has not handed over). */
  long taken() {
    return taken;
  }

  /**
   * Checks the {@code count} repetition levels of a page of values (bit width 1, in the hybrid
   * encoding), run by run: each row exactly {@code width} values, a row going on from the page
   * before ({@link #inRow}).
   */
  private boolean levels(ByteBuffer in, int count) {
    int pos = inRow;
    int p = in.position();
    int lim = in.limit();
    int n = 0;
    long[] head = new long[2];
    while (n < count) {
      p = Hybrid.run(in, p, lim, 1, head);
      if (p < 0) {
        return false;
      }
      long header = head[0];
      if ((header & 1) == 0) { // an RLE run of one level
        long v = head[1];
        int c = (int) Math.min(header >>> 1, count - n);
        if (v == 1 && pos + c <= width) {
          pos += c; // the run goes on within one row
        } else if (v == 0 && pos == width && (c == 1 || width == 1)) {
          pos = 1; // a row (of one value each when c > 1) starts
        } else if (c > 0) {
          return false;
        }
        n += c;
      } else { // bit-packed groups of 8 levels, one byte each
        long groups = header >>> 1;
        for (long g = 0; g < groups && n < count; g++) {
          if (p >= lim) {
            return false;
          }
          int bits = in.get(p++) & 0xff;
          int m = Math.min(8, count - n);
          for (int k = 0; k < m; k++) {
            if (((bits >>> k) & 1) == 0) {
              if (pos != width) {
                return false;
              }
              pos = 1;
            } else if (pos < width) {
              pos++;
            } else {
              return false;
            }
          }
          n += m;
        }
      }
    }
    inRow = pos;
    return true;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  /** A check of a page's repetition levels (for the repeated values column). */
  @FunctionalInterface
  private interface LevelCheck {
    boolean test(ByteBuffer rep, int count);
  }

  /** One column chunk's pages, decoded page by page into a buffer of values. */
  private static final class Column {
    private final ColumnDescriptor desc;
    private final PageReader pages;
    private final int maxDef;
    private boolean dictionaryRead;
    private double[] dictionary;
    private double[] buf = new double[0];
    private int[] ids = new int[0];
    private int at; // next value of buf
    private int end; // values in buf

    Column(ColumnDescriptor desc, PageReader pages) {
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
          boolean ints = desc.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32;
          for (int id = 0; id < dictionary.length; id++) {
            dictionary[id] = ints ? dict.decodeToInt(id) : dict.decodeToDouble(id);
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
      boolean ints = desc.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32;
      if (encoding == Encoding.PLAIN) {
        int p = data.position();
        if (data.remaining() < (long) count * (ints ? 4 : 8)) {
          return false;
        }
        if (ints) {
          for (int k = 0; k < count; k++) {
            buf[k] = data.getInt(p + 4 * k);
          }
        } else {
          data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(buf, 0, count);
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
      return false;
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

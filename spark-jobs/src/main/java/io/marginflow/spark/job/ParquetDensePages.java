package io.marginflow.spark.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
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
  private final ParquetPageColumn label;
  private final ParquetPageColumn type;
  private final ParquetPageColumn values;
  private long taken; // rows read so far
  private int inRow; // values of the current row read so far by the level check (0..width)

  private ParquetDensePages(
      ParquetFileReader reader,
      long rows,
      int width,
      ParquetPageColumn label,
      ParquetPageColumn type,
      ParquetPageColumn values) {
    this.reader = reader;
    this.rows = rows;
    this.width = width;
    this.label = label;
    this.type = type;
    this.values = values;
    this.inRow = width;
  }

  /**
   * Opens row group {@code group} of the file whose footer {@code footer} holds (read before, e.g.
   * on the driver: the file is opened, its footer not read again), whose first column chunk starts
   * at byte {@code start} (label column {@code labelColumn}, vector column {@code vector} of {@code
   * width} values per row), or returns null when the file has no such row group or its columns are
   * not those this reader decodes (the label not a required or optional double, the vector's leaves
   * not found as Spark writes them).
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
          new ParquetPageColumn(l, store.getPageReader(l)),
          new ParquetPageColumn(t, store.getPageReader(t)),
          new ParquetPageColumn(v, store.getPageReader(v)));
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
      p = ParquetPageColumn.Hybrid.run(in, p, lim, 1, head);
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
}

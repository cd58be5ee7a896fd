package io.marginflow.spark.job;

import io.marginflow.common.data.DenseColumnSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The rows of one row group of a Parquet file in the numeric-columns layout ({@link ParquetLayout}:
 * a label column and feature columns), read <b>one column chunk at a time</b>: parquet-mr's reader
 * with a requested schema of one column reads that column's chunk of the row group, its pages are
 * decoded ({@link ParquetPageColumn}) straight into the rows of the blocks ({@link
 * DenseColumnSource}, strided writes; the features {@link #GROUP} columns at a time, decoded first
 * into a reused column-major staging), and each chunk is dropped before the next column's is read.
 * So at most one column chunk and its decompressed pages are alive at a time, instead of the whole
 * row group Spark's vectorized reader holds while it decodes the row group's rows.
 *
 * <p>Columns of type double, float, int32 (no annotation, or a signed int of ≤ 32 bits) and int64
 * (no annotation) are decoded; labels are mapped as {@link io.marginflow.common.io.LabelParser}
 * maps a value (0 → −1) and values −0.0 to 0.0, as the batch decode does. Anything else — another
 * column type, a null, an encoding {@link ParquetPageColumn} does not decode, fewer values than the
 * footer's row count — makes {@link #open} return null or {@link #next} return false: the caller
 * then reads the row group with Spark's reader ({@link ParquetBatchReader}), whose decode names the
 * file, row and column. Not thread-safe.
 */
final class ParquetColumnChunks implements DenseColumnSource, AutoCloseable {

  /**
   * Feature columns decoded (one chunk at a time) before they are written into the blocks together:
   * a pass over the blocks writes 4 adjacent values of each row instead of 1.
   */
  static final int GROUP = 4;

  private final ParquetFileReader reader;
  private final int group;
  private final long rows;
  private final List<ColumnDescriptor> columns; // the label, then the features
  private long skip; // rows of the row group before the first handed over

  private int current = -2; // the column open (−1: the label), −2: none
  private Staging staging = new Staging();
  private int groupStart = -1; // the staged features: [groupStart, groupStart + groupWidth)
  private int groupWidth;
  private int staged; // rows staged
  private int served; // staged rows handed over
  private PageReadStore store;
  private ParquetPageColumn open;

  private ParquetColumnChunks(
      ParquetFileReader reader, int group, long rows, List<ColumnDescriptor> columns) {
    this.reader = reader;
    this.group = group;
    this.rows = rows;
    this.columns = columns;
  }

  /**
   * Opens row group {@code group} of the file whose footer {@code footer} holds (read on the
   * driver: the file is opened, its footer not read again), whose first column chunk starts at byte
   * {@code start}, for the label column {@code label} and the feature columns {@code features}, or
   * returns null when the file has no such row group or a column is not a top-level column of a
   * type this reader decodes. Nothing of the row group is read yet.
   */
  static ParquetColumnChunks open(
      ParquetFooter footer,
      int group,
      long start,
      String label,
      List<String> features,
      Configuration conf)
      throws IOException {
    return open(
        footer.open(conf, options(conf, footer.status().getPath())), group, start, label, features);
  }

  /**
   * The read options: no vectored reads (one column chunk per read, each after the last in the
   * file, is then one sequential stream; a vectored read of each chunk is a positioned read — on
   * HDFS, a new block reader per chunk) and one reused buffer for the chunks.
   */
  private static ParquetReadOptions options(Configuration conf, Path path) {
    return new HadoopReadOptions.Builder(conf, path)
        .withUseHadoopVectoredIo(false)
        .withAllocator(new ReusingAllocator())
        .build();
  }

  private static ParquetColumnChunks open(
      ParquetFileReader reader, int group, long start, String label, List<String> features)
      throws IOException {
    try {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      List<ColumnDescriptor> cols = new ArrayList<>();
      for (String name : concat(label, features)) {
        ColumnDescriptor d = decodable(schema, name);
        if (d == null) {
          reader.close();
          return null;
        }
        cols.add(d);
      }
      if (group >= reader.getRowGroups().size()
          || reader.getRowGroups().get(group).getStartingPos() != start) {
        reader.close();
        return null;
      }
      return new ParquetColumnChunks(
          reader, group, reader.getRowGroups().get(group).getRowCount(), List.copyOf(cols));
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private static List<String> concat(String label, List<String> features) {
    List<String> all = new ArrayList<>(features.size() + 1);
    all.add(label);
    all.addAll(features);
    return all;
  }

  /** The top-level leaf column {@code name} when its type is one this reader decodes, else null. */
  private static ColumnDescriptor decodable(MessageType schema, String name) {
    ColumnDescriptor found = null;
    for (ColumnDescriptor c : schema.getColumns()) {
      if (ParquetFooterScan.isLeaf(c.getPath(), name, null)) {
        found = c;
      }
    }
    if (found == null || found.getMaxRepetitionLevel() != 0 || found.getMaxDefinitionLevel() > 1) {
      return null;
    }
    PrimitiveType t = found.getPrimitiveType();
    LogicalTypeAnnotation a = t.getLogicalTypeAnnotation();
    PrimitiveTypeName p = t.getPrimitiveTypeName();
    boolean ok =
        switch (p) {
          case DOUBLE, FLOAT -> a == null;
          case INT64 -> a == null;
          case INT32 ->
              a == null
                  || (a instanceof LogicalTypeAnnotation.IntLogicalTypeAnnotation i
                      && i.isSigned());
          default -> false;
        };
    return ok ? found : null;
  }

  /** Rows of the row group (its footer's count). */
  long rows() {
    return rows;
  }

  /**
   * Starts every column at row {@code first} of the row group (the rows before it are decoded and
   * dropped): the first row {@link #next} hands over. Returns this.
   */
  ParquetColumnChunks from(long first) {
    return from(first, new Staging());
  }

  /** The same, staging feature values in {@code staging} (kept by the caller for the next). */
  ParquetColumnChunks from(long first, Staging staging) {
    if (first < 0 || first > rows || current != -2) {
      throw new IllegalArgumentException(
          "first row " + first + " of a row group of " + rows + " rows, before any column read");
    }
    this.skip = first;
    this.staging = staging;
    return this;
  }

  /**
   * The decoded values of {@link #GROUP} feature columns of a row group's rows, column-major (GROUP
   * × the rows: ≈ 10 MB for 300,000 rows), reused from row group to row group by the stream that
   * reads them.
   */
  static final class Staging {
    private double[][] columns = new double[0][];

    void ensure(int count, int rows) {
      if (columns.length < count || columns[0].length < rows) {
        int n = columns.length < count || columns.length == 0 ? rows : columns[0].length;
        n = Math.max(rows, n + n / 4);
        columns = new double[count][n];
      }
    }
  }

  @Override
  public int columnsPerCall() {
    return GROUP;
  }

  @Override
  public boolean next(int column, int columns, double[] dst, int offset, int stride, int count)
      throws IOException {
    if (column < 0) {
      return labels(dst, offset, stride, count);
    }
    if (column != groupStart) {
      if (column < groupStart + groupWidth || !stage(column, columns)) {
        return false;
      }
    }
    if (columns != groupWidth || served + count > staged) {
      return false;
    }
    double[][] st = staging.columns;
    int o = offset;
    int end = served + count;
    if (columns == GROUP) { // the common case, unrolled: a row's values written together
      double[] a = st[0];
      double[] b = st[1];
      double[] c = st[2];
      double[] d = st[3];
      for (int r = served; r < end; r++) {
        dst[o] = a[r];
        dst[o + 1] = b[r];
        dst[o + 2] = c[r];
        dst[o + 3] = d[r];
        o += stride;
      }
    } else {
      for (int r = served; r < end; r++) {
        for (int k = 0; k < columns; k++) {
          dst[o + k] = st[k][r];
        }
        o += stride;
      }
    }
    served = end;
    return true;
  }

  /** Streams the next {@code count} labels (mapped as the batch decode maps them) into dst. */
  private boolean labels(double[] dst, int offset, int stride, int count) throws IOException {
    if (current != -1 && (current != -2 || !openColumn(-1))) {
      return false;
    }
    int o = offset;
    int left = count;
    while (left > 0) {
      if (!open.ready(null)) {
        return false; // fewer values than rows, or a page not decoded here
      }
      double[] b = open.buffer();
      int p = open.position();
      int k = Math.min(left, open.limit() - p);
      for (int i = p; i < p + k; i++) {
        double v = b[i];
        dst[o] = v == 0.0 ? -1.0 : v; // the 0 of the 0/1 convention
        o += stride;
      }
      open.advance(k);
      left -= k;
    }
    return true;
  }

  /**
   * Decodes features [{@code column}, {@code column + columns}) of every row from the first on into
   * the staging columns, one column chunk at a time (each dropped before the next is read; values
   * −0.0 as 0.0).
   */
  private boolean stage(int column, int columns) throws IOException {
    if (columns < 1 || columns > GROUP || column + columns > this.columns.size() - 1) {
      return false;
    }
    int n = (int) (rows - skip);
    staging.ensure(GROUP, n);
    for (int k = 0; k < columns; k++) {
      if (!openColumn(column + k)) {
        return false;
      }
      double[] to = staging.columns[k];
      int at = 0;
      while (at < n) {
        if (!open.ready(null)) {
          return false;
        }
        double[] b = open.buffer();
        int p = open.position();
        int m = Math.min(n - at, open.limit() - p);
        for (int i = 0; i < m; i++) {
          to[at + i] = b[p + i] + 0.0; // −0.0 + 0.0 = +0.0; any other value unchanged
        }
        open.advance(m);
        at += m;
      }
      closeColumn();
    }
    groupStart = column;
    groupWidth = columns;
    staged = n;
    served = 0;
    return true;
  }

  /** Drops the open column chunk, reads column {@code column}'s and skips to the first row. */
  private boolean openColumn(int column) throws IOException {
    closeColumn();
    ColumnDescriptor d = columns.get(column + 1);
    reader.setRequestedSchema(List.of(d));
    store = reader.readRowGroup(group);
    if (store == null || store.getRowCount() != rows) {
      return false;
    }
    open = new ParquetPageColumn(d, store.getPageReader(d));
    current = column;
    long left = skip;
    while (left > 0) {
      if (!open.ready(null)) {
        return false;
      }
      int k = (int) Math.min(left, open.limit() - open.position());
      open.advance(k);
      left -= k;
    }
    return true;
  }

  private void closeColumn() {
    open = null;
    if (store != null) {
      PageReadStore s = store;
      store = null;
      s.close();
    }
  }

  @Override
  public void close() throws IOException {
    closeColumn();
    reader.close();
  }

  /**
   * Heap buffers for the column chunks read, the largest one released lent out again: the row
   * group's columns, read one after the other, then reuse one buffer instead of each allocating its
   * own (≈ 2 MB each, G1 humongous objects). A lent buffer is a slice of exactly the size asked
   * for. Not thread-safe (one reader's).
   */
  private static final class ReusingAllocator implements ByteBufferAllocator {
    private ByteBuffer free; // released, to lend again
    private ByteBuffer lent; // the slice lent out of `lentFrom`
    private ByteBuffer lentFrom;

    @Override
    public ByteBuffer allocate(int size) {
      if (free != null && lent == null && free.capacity() >= size) {
        lentFrom = free;
        free = null;
        lent = lentFrom.duplicate().clear().limit(size).slice();
        return lent;
      }
      return ByteBuffer.allocate(size);
    }

    @Override
    public void release(ByteBuffer b) {
      ByteBuffer back = b == lent ? lentFrom : b;
      if (b == lent) {
        lent = null;
        lentFrom = null;
      }
      if (!back.isDirect() && (free == null || back.capacity() > free.capacity())) {
        free = back;
      }
    }

    @Override
    public boolean isDirect() {
      return false;
    }
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.LabelParser;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The rows of one {@link PartitionPlan} over Parquet row groups as a lazy stream of blocks, one
 * column batch at a time: the Parquet counterpart of {@link PlanBlockStream}, so that the task
 * caching a partition never holds the partition's blocks (or, with float storage, their double
 * form) before Spark's memory store sees them. Rows, blocks and row indices are those of a
 * whole-partition read. Row groups of files whose footers say every vector is dense, loaded into
 * dense blocks, are read from their pages ({@link ParquetDensePages}, a chunk of rows at a time),
 * row groups of numeric columns loaded into dense blocks one column chunk at a time ({@link
 * ParquetColumnChunks}), the rest, and any row group from a row the pages do not decode cleanly on
 * (from its first row for the column chunks), with Spark's reader. The open row group's reader is
 * closed when the stream ends, on {@link #close}, or when the Spark task completes. Not
 * thread-safe.
 */
final class ParquetBlockStream extends SourceBlockStream {

  /**
   * Hadoop configuration key: false reads the numeric-columns layout with Spark's reader only
   * instead of one column chunk at a time ({@link ParquetColumnChunks}; default true).
   */
  static final String COLUMN_CHUNKS = "marginflow.parquet.column-chunks";

  /** Values of dense vectors copied at once (a chunk of a batch: 4 MiB of doubles). */
  private static final int COPY_VALUES = 1 << 19;

  private final Iterator<PartitionPlan.Segment> segments;
  private final List<ParquetBatchDecoder> decoders;
  private final List<ParquetFooter> footers; // per file, as read on the driver
  private final int[] widths; // per file: every vector's length, or 0 (not checked)
  private final HadoopConf conf;
  private final boolean sparse;
  private final boolean floatBlocks; // full blocks of column chunks built in single precision
  private final RowBlockBuilder builder;
  private final double[] x;
  private final double[] y = new double[ParquetBatchReader.BATCH_ROWS];
  private double[] xs; // rows of a batch copied at once (≤ COPY_VALUES values), on first use
  private final ParsedRow row = new ParsedRow();
  private final ParquetColumnChunks.Staging staging = new ParquetColumnChunks.Staging();

  // the segment (row group) being read
  private PartitionPlan.Segment seg;
  private ParquetBatchDecoder decoder;
  private ParquetBatchReader in;
  private ParquetDensePages pages; // instead of in: dense vectors read from their pages
  private long first;
  private long end;
  private long at; // row of the row group

  ParquetBlockStream(
      PartitionPlan plan,
      List<ParquetBatchDecoder> decoders,
      List<ParquetFooter> footers,
      int[] widths,
      HadoopConf conf,
      int features,
      boolean sparse,
      int blockRows,
      boolean floatBlocks) {
    this.segments = plan.segments().iterator();
    this.floatBlocks = floatBlocks;
    this.decoders = decoders;
    this.footers = footers;
    this.widths = widths;
    this.conf = conf;
    this.sparse = sparse;
    this.builder = new RowBlockBuilder(features, sparse, blockRows);
    this.x = new double[features];
  }

  /** Decodes one column batch (or finishes a row group, or the plan). */
  @Override
  boolean fill() throws IOException {
    if (in == null && pages == null) {
      if (!segments.hasNext()) {
        offer(builder.finish());
        return false;
      }
      open(segments.next());
      if (in == null && pages == null) {
        return true; // the segment was read column by column
      }
    }
    if (pages != null) {
      fillFromPages();
      return true;
    }
    ColumnarBatch b = at < end ? in.next() : null;
    if (b == null) {
      LineSplit split = seg.split();
      close();
      if (at < end) {
        throw new IllegalStateException(
            split.uri()
                + ": row group "
                + split.index()
                + " holds fewer rows than its footer says");
      }
      return true;
    }
    LineSplit split = seg.split();
    int n = b.numRows();
    int from = (int) Math.max(0, first - at);
    int to = (int) Math.min(n, end - at);
    boolean columnar =
        decoder.columnar()
            && from < to
            && decoder.addRows(
                b,
                from,
                to,
                seg.firstRow() + at + from,
                seg.lineBase() + at + from + 1,
                split.uri(),
                x,
                builder);
    if (!columnar) {
      ParquetVectorRows view = from < to ? decoder.vectorRows(b) : null;
      int width = widths[split.file()];
      // dense vectors into dense blocks: copied, not decoded to their non-zeros
      boolean copy = !sparse && view != null && (width == 0 || width == x.length);
      // a batch of dense vectors stored one after another: copied in one pass
      if (copy) {
        ensureScratch();
      }
      boolean bulk =
          copy
              && to - from <= y.length
              && decoder.addDenseRows(
                  b,
                  from,
                  to,
                  view,
                  split.uri(),
                  seg.lineBase() + at + from + 1,
                  seg.firstRow() + at + from,
                  x.length,
                  y,
                  xs,
                  builder);
      for (int i = bulk ? to : from; i < to; i++) {
        long r = at + i;
        if (copy
            && decoder.addDenseVector(
                b, i, view, split.uri(), seg.lineBase() + r + 1, seg.firstRow() + r, x, builder)) {
          continue;
        }
        if (width > 0) { // before the decode: a dense-only read holds no indices
          decoder.checkDenseLength(b, i, view, width, split.uri(), seg.lineBase() + r + 1);
        }
        decoder.decode(b, i, split.uri(), seg.lineBase() + r + 1, row, view);
        decoder.checkWidth(row, x.length, split.uri(), seg.lineBase() + r + 1);
        builder.addSparse(seg.firstRow() + r, row.label(), row.indices(), row.values(), row.nnz());
      }
    }
    at += n;
    offer(builder.drainEmitted());
    return true;
  }

  private void open(PartitionPlan.Segment next) throws IOException {
    seg = next;
    LineSplit split = next.split();
    decoder = decoders.get(split.file());
    first = next.skip();
    end = next.skip() + next.take();
    at = 0;
    if (!decoder.layout().isVector()
        && !sparse
        && decoder.layout().columnCount() == x.length
        && conf.get().getBoolean(COLUMN_CHUNKS, true)
        && readColumnChunks()) {
      return;
    }
    if (decoder.isDenseOnly() && !sparse && widths[split.file()] == x.length) {
      pages =
          ParquetDensePages.open(
              footers.get(split.file()),
              split.index(),
              split.start(),
              decoder.layout().label(),
              decoder.layout().vector(),
              x.length,
              conf.get());
      if (pages != null && pages.rows() >= end) {
        return; // dense vectors decoded from their pages
      }
      closePages();
    }
    openBatches();
  }

  /**
   * Adds the segment's rows read one column chunk at a time ({@link ParquetColumnChunks}) and
   * returns true, or returns false having added nothing when the chunks hold anything but clean
   * numbers of the types it decodes (a null, a NaN or infinite value, a bad label, another type or
   * encoding): Spark's reader then reads the segment and names what is wrong.
   */
  private boolean readColumnChunks() throws IOException {
    LineSplit split = seg.split();
    ParquetLayout layout = decoder.layout();
    try (ParquetColumnChunks chunks =
        ParquetColumnChunks.open(
            footers.get(split.file()),
            split.index(),
            split.start(),
            layout.label(),
            layout.columns(),
            conf.get())) {
      if (chunks == null
          || chunks.rows() < end
          || !builder.addDenseColumns(
              seg.firstRow() + first,
              (int) (end - first),
              chunks.from(first, staging),
              floatBlocks)) {
        return false;
      }
    }
    offer(builder.drainEmitted());
    return true;
  }

  private void openBatches() throws IOException {
    LineSplit split = seg.split();
    in =
        new ParquetBatchReader(
            split.uri(), split.start(), split.length(), decoder.requested(), conf.get());
  }

  /**
   * Adds the next chunk of the row group's rows read by {@link ParquetDensePages} (rows before the
   * plan's range skipped) as dense rows, or, when the pages hold anything but clean dense vectors
   * (a NaN or infinite value, a bad label included), goes on with Spark's reader from the first row
   * not added, whose decode reports the row.
   */
  private void fillFromPages() throws IOException {
    ensureScratch();
    int width = x.length;
    int chunk = xs.length / width;
    while (at < first) { // rows of the row group before this partition's
      int got = pages.read(y, xs, (int) Math.min(chunk, first - at));
      if (got <= 0) {
        fallBack();
        return;
      }
      at += got;
    }
    int got = at < end ? pages.read(y, xs, (int) Math.min(chunk, end - at)) : 0;
    if (got == 0 && at < end) {
      throw new IllegalStateException(
          seg.split().uri()
              + ": row group "
              + seg.split().index()
              + " holds fewer rows than its footer says");
    }
    if (got < 0 || !clean(got, width)) {
      fallBack();
      return;
    }
    builder.addDenseRows(seg.firstRow() + at, y, 0, xs, 0, got);
    at += got;
    if (at >= end) {
      closePages();
    }
    offer(builder.drainEmitted());
  }

  /**
   * Maps the labels of {@code rows} rows read from pages as {@link LabelParser#ofValue} does and
   * their values −0.0 to 0.0; false, when a label or a value is bad (NaN or infinite).
   */
  private boolean clean(int rows, int width) {
    for (int r = 0; r < rows; r++) {
      double v = y[r];
      if (v != 1.0 && v != -1.0 && v != 0.0) {
        return false;
      }
      y[r] = v == 0.0 ? -1.0 : v; // the 0 of the 0/1 convention
    }
    int n = rows * width;
    // v - v is 0 for every finite v, NaN otherwise: four sums, so that no add waits for the last
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int k = 0;
    for (; k + 4 <= n; k += 4) {
      double a = xs[k];
      double b = xs[k + 1];
      double c = xs[k + 2];
      double d = xs[k + 3];
      s0 += a - a;
      s1 += b - b;
      s2 += c - c;
      s3 += d - d;
      xs[k] = a + 0.0; // −0.0 + 0.0 = +0.0; any other value unchanged
      xs[k + 1] = b + 0.0;
      xs[k + 2] = c + 0.0;
      xs[k + 3] = d + 0.0;
    }
    for (; k < n; k++) {
      double a = xs[k];
      s0 += a - a;
      xs[k] = a + 0.0;
    }
    return s0 + s1 + s2 + s3 == 0.0;
  }

  /** Reads the row group's rows from {@link #at} on with Spark's reader. */
  private void fallBack() throws IOException {
    closePages();
    first = Math.max(first, at);
    at = 0;
    openBatches();
  }

  private void ensureScratch() {
    if (xs == null) {
      xs = new double[Math.max(1, Math.min(y.length, COPY_VALUES / x.length)) * x.length];
    }
  }

  private void closePages() throws IOException {
    if (pages != null) {
      ParquetDensePages p = pages;
      pages = null;
      p.close();
    }
  }

  @Override
  public void close() throws IOException {
    closePages();
    if (in != null) {
      ParquetBatchReader r = in;
      in = null;
      r.close();
    }
  }
}

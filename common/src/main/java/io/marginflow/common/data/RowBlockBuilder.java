package io.marginflow.common.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Stacks rows, one at a time, into {@link RowBlock}s of at most {@code blockRows} rows: a {@link
 * CsrBlock} when {@code sparse}, else a {@link DenseBlock}. A block is emitted as soon as it is
 * full; {@link #finish()} emits the last, partial one. Emitted arrays are trimmed to their exact
 * length.
 *
 * <p>Rows may be given sparse ({@link #addSparse}) or dense ({@link #addDense}) whatever the block
 * kind. A sparse block stores the entries it is given (explicit zeros included), and only the
 * non-zeros of a dense row. Inputs are validated: label ±1, indices strictly increasing in [0,
 * features), values finite. Buffers grow geometrically, so a huge {@code blockRows} (one block for
 * everything) costs no more than the data. Not thread-safe.
 */
public final class RowBlockBuilder {

  private static final int INITIAL_ROWS = 256;
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final int features;
  private final boolean sparse;
  private final int blockRows;
  private final List<RowBlock> blocks = new ArrayList<>();
  private long drainedRows;
  private boolean finished;

  private int rows;
  private double[] labels = new double[0];
  private long[] rowIndex = new long[0];
  // dense
  private double[] dense = new double[0];
  // sparse
  private int[] rowPtr = new int[1];
  private int[] colIdx = new int[0];
  private double[] values = new double[0];

  /**
   * @param features number of features of every row (≥ 1)
   * @param sparse true for CSR blocks, false for dense row-major blocks
   * @param blockRows maximum rows per block (≥ 1); for dense blocks blockRows × features must fit
   *     in one Java array
   */
  public RowBlockBuilder(int features, boolean sparse, int blockRows) {
    if (features < 1) {
      throw new IllegalArgumentException("features must be >= 1, got " + features);
    }
    if (blockRows < 1) {
      throw new IllegalArgumentException("blockRows must be >= 1, got " + blockRows);
    }
    if (!sparse && (long) blockRows * features > MAX_ARRAY) {
      throw new IllegalArgumentException(
          "dense blockRows x features must be <= "
              + MAX_ARRAY
              + ", got "
              + blockRows
              + " x "
              + features);
    }
    this.features = features;
    this.sparse = sparse;
    this.blockRows = blockRows;
  }

  /** Rows added so far. */
  public long rowsAdded() {
    long done = drainedRows;
    for (RowBlock b : blocks) {
      done += b.rows();
    }
    return done + rows;
  }

  /**
   * Adds a row given by its non-zeros.
   *
   * @param rowIndex global 0-based row index
   * @param label −1.0 or +1.0
   * @param idx0 0-based strictly increasing feature indices (first {@code nnz} used; not retained)
   * @param vals values matching {@code idx0} (first {@code nnz} used; not retained)
   * @param nnz number of entries
   */
  public void addSparse(long rowIndex, double label, int[] idx0, double[] vals, int nnz) {
    checkOpen();
    checkLabel(rowIndex, label);
    if (nnz < 0 || nnz > idx0.length || nnz > vals.length) {
      throw new IllegalArgumentException(
          "row "
              + rowIndex
              + ": nnz must be in [0, "
              + Math.min(idx0.length, vals.length)
              + "], got "
              + nnz);
    }
    int prev = -1;
    for (int k = 0; k < nnz; k++) {
      int j = idx0[k];
      if (j <= prev || j >= features) {
        throw new IllegalArgumentException(
            "row "
                + rowIndex
                + ": indices must increase strictly within [0, "
                + features
                + "), got "
                + j
                + " after "
                + prev);
      }
      checkFinite(rowIndex, j, vals[k]);
      prev = j;
    }
    startRow(rowIndex, label);
    if (sparse) {
      ensureNonZeros(nnz);
      int base = rowPtr[rows];
      System.arraycopy(idx0, 0, colIdx, base, nnz);
      System.arraycopy(vals, 0, values, base, nnz);
      rowPtr[rows + 1] = base + nnz;
    } else {
      int base = rows * features;
      Arrays.fill(dense, base, base + features, 0.0);
      for (int k = 0; k < nnz; k++) {
        dense[base + idx0[k]] = vals[k];
      }
    }
    endRow();
  }

  /**
   * Adds a dense row.
   *
   * @param rowIndex global 0-based row index
   * @param label −1.0 or +1.0
   * @param x the features, length {@code features} (not retained)
   */
  public void addDense(long rowIndex, double label, double[] x) {
    checkOpen();
    checkLabel(rowIndex, label);
    if (x.length != features) {
      throw new IllegalArgumentException(
          "row " + rowIndex + ": x must have length " + features + ", got " + x.length);
    }
    int nnz = 0;
    for (int j = 0; j < features; j++) {
      checkFinite(rowIndex, j, x[j]);
      if (x[j] != 0.0) {
        nnz++;
      }
    }
    startRow(rowIndex, label);
    if (sparse) {
      ensureNonZeros(nnz);
      int p = rowPtr[rows];
      for (int j = 0; j < features; j++) {
        if (x[j] != 0.0) {
          colIdx[p] = j;
          values[p] = x[j];
          p++;
        }
      }
      rowPtr[rows + 1] = p;
    } else {
      System.arraycopy(x, 0, dense, rows * features, features);
    }
    endRow();
  }

  /**
   * Adds {@code n} dense rows at once, as {@code n} calls of {@link #addDense} would (the same
   * blocks), but checking every label and value before adding any row: row r has global index
   * {@code firstIndex + r}, label {@code y[yFrom + r]} and features {@code x[xFrom + r · features],
   * …} (the arrays are not retained).
   *
   * @throws IllegalArgumentException naming the first row with a label other than ±1 or a value
   *     that is not finite; nothing is added then
   */
  public void addDenseRows(long firstIndex, double[] y, int yFrom, double[] x, int xFrom, int n) {
    checkOpen();
    if (n < 0
        || yFrom < 0
        || xFrom < 0
        || yFrom + (long) n > y.length
        || xFrom + (long) n * features > x.length) {
      throw new IllegalArgumentException(
          "rows from "
              + firstIndex
              + ": "
              + n
              + " rows of "
              + features
              + " features do not fit y["
              + y.length
              + "] from "
              + yFrom
              + " and x["
              + x.length
              + "] from "
              + xFrom);
    }
    for (int r = 0; r < n; r++) {
      checkLabel(firstIndex + r, y[yFrom + r]);
    }
    int end = xFrom + n * features;
    for (int k = xFrom; k < end; k++) {
      if (!Double.isFinite(x[k])) {
        int r = (k - xFrom) / features;
        checkFinite(firstIndex + r, k - xFrom - r * features, x[k]);
      }
    }
    if (sparse) {
      double[] row = new double[features];
      for (int r = 0; r < n; r++) {
        System.arraycopy(x, xFrom + r * features, row, 0, features);
        addDense(firstIndex + r, y[yFrom + r], row);
      }
      return;
    }
    int done = 0;
    while (done < n) {
      int take = Math.min(n - done, blockRows - rows);
      ensureRows(rows + take);
      System.arraycopy(y, yFrom + done, labels, rows, take);
      for (int r = 0; r < take; r++) {
        rowIndex[rows + r] = firstIndex + done + r;
      }
      System.arraycopy(x, xFrom + done * features, dense, rows * features, take * features);
      rows += take;
      done += take;
      if (rows == blockRows) {
        emit();
      }
    }
  }

  /**
   * Adds {@code n} dense rows given column by column by {@code source} (dense blocks only): the
   * blocks {@code n} calls of {@link #addDense} would give, row r with global index {@code
   * firstIndex + r}. The arrays of every block the rows reach are made first (the open block's,
   * then new ones: the cache itself), the source writes each column into them with the rows'
   * stride, and the rows are added only when the source gave every column and every label is ±1 and
   * every value finite. Otherwise (the source declined, or a bad label or value) nothing is added
   * and false is returned: the caller reads the rows in another way, which reports what is wrong.
   *
   * @throws IOException from the source
   */
  public boolean addDenseColumns(long firstIndex, int n, DenseColumnSource source)
      throws IOException {
    return addDenseColumns(firstIndex, n, source, false);
  }

  /**
   * As {@link #addDenseColumns(long, int, DenseColumnSource)}; with {@code floatBlocks} every full
   * block the rows fill is built in single precision instead ({@link FloatDenseBlock}, equal to
   * {@link FloatStorage#compact} of the double block: values {@code (float) v}, labels as bytes),
   * its columns read through a staging of one block's rows, so the rows never exist in double
   * beside the cache (a row group of a large Parquet file would otherwise be held in double until
   * each block is compacted). Rows completing a partly filled open block, and a last partial block,
   * stay double. A value beyond float range declines (false) like a bad value: the caller's other
   * reader then adds the rows in double, and compacting them reports the value.
   *
   * @throws IOException from the source
   */
  public boolean addDenseColumns(
      long firstIndex, int n, DenseColumnSource source, boolean floatBlocks) throws IOException {
    checkOpen();
    if (sparse) {
      throw new IllegalStateException("addDenseColumns builds dense blocks only");
    }
    if (n < 0) {
      throw new IllegalArgumentException("rows from " + firstIndex + ": n must be >= 0, got " + n);
    }
    if (n == 0) {
      return true;
    }
    // In float, an empty open block takes no rows: its rows start the first (float) full block.
    int head = floatBlocks && rows == 0 ? 0 : Math.min(n, blockRows - rows);
    ensureRows(rows + head);
    int full = (n - head) / blockRows;
    int last = (n - head) % blockRows;
    int segments = 1 + full + (last > 0 ? 1 : 0);
    double[][] ys = new double[segments][];
    double[][] xs = new double[segments][];
    float[][] fs = new float[segments][]; // the full blocks' values when floatBlocks
    int[] from = new int[segments];
    int[] count = new int[segments];
    ys[0] = labels;
    xs[0] = dense;
    from[0] = rows;
    count[0] = head;
    for (int s = 1; s < segments; s++) {
      count[s] = s <= full ? blockRows : last;
      ys[s] = new double[count[s]];
      if (floatBlocks && s <= full) {
        fs[s] = new float[count[s] * features];
      } else {
        xs[s] = new double[count[s] * features];
      }
    }
    for (int s = 0; s < segments; s++) {
      if (count[s] > 0 && !source.next(-1, 1, ys[s], from[s], 1, count[s])) {
        return false;
      }
    }
    int group = Math.max(1, source.columnsPerCall());
    double[] staging = floatBlocks && full > 0 ? new double[blockRows * group] : null;
    for (int c = 0; c < features; c += group) {
      int k = Math.min(group, features - c);
      for (int s = 0; s < segments; s++) {
        if (count[s] == 0) {
          continue;
        }
        if (fs[s] != null) {
          if (!source.next(c, k, staging, 0, k, count[s])
              || !narrow(staging, k, count[s], fs[s], c)) {
            return false;
          }
        } else if (!source.next(c, k, xs[s], from[s] * features + c, features, count[s])) {
          return false;
        }
      }
    }
    for (int s = 0; s < segments; s++) {
      for (int r = from[s]; r < from[s] + count[s]; r++) {
        double y = ys[s][r];
        if (y != 1.0 && y != -1.0) {
          return false;
        }
      }
      if (xs[s] == null) {
        continue; // float values were checked as they were narrowed
      }
      int end = (from[s] + count[s]) * features;
      for (int k = from[s] * features; k < end; k++) {
        if (!Double.isFinite(xs[s][k])) {
          return false;
        }
      }
    }
    long index = firstIndex;
    for (int r = 0; r < head; r++) {
      rowIndex[rows + r] = index++;
    }
    rows += head;
    if (rows == blockRows) {
      emit();
    }
    for (int s = 1; s < segments; s++) {
      if (fs[s] != null) {
        byte[] y = FloatStorage.labelBytes(ys[s], blockRows);
        blocks.add(new FloatDenseBlock(blockRows, features, fs[s], y, index));
        index += blockRows;
        continue;
      }
      long[] idx = new long[count[s]];
      for (int r = 0; r < idx.length; r++) {
        idx[r] = index++;
      }
      if (count[s] == blockRows) {
        blocks.add(new DenseBlock(blockRows, features, xs[s], ys[s], idx));
      } else { // the last, partial block stays open
        labels = ys[s];
        rowIndex = idx;
        dense = xs[s];
        rows = count[s];
      }
    }
    return true;
  }

  /**
   * Writes {@code k} staged columns of {@code rows} rows ({@code staging[r · k + j]}) into columns
   * {@code column …} of the float block {@code out}, rounded as {@link FloatStorage#compact} does;
   * false when a value is not finite or beyond float range.
   */
  private boolean narrow(double[] staging, int k, int rows, float[] out, int column) {
    for (int r = 0; r < rows; r++) {
      int to = r * features + column;
      int at = r * k;
      for (int j = 0; j < k; j++) {
        double v = staging[at + j];
        float f = (float) v;
        if (!Double.isFinite(v) || Float.isInfinite(f)) {
          return false;
        }
        out[to + j] = f;
      }
    }
    return true;
  }

  /**
   * Removes and returns the full blocks emitted since the last call, in row order, so that a caller
   * streaming rows can hand each block on as soon as it is complete instead of holding them all;
   * {@link #finish} then returns only the blocks not drained yet.
   */
  public List<RowBlock> drainEmitted() {
    if (blocks.isEmpty()) {
      return List.of();
    }
    List<RowBlock> out = List.copyOf(blocks);
    for (RowBlock b : out) {
      drainedRows += b.rows();
    }
    blocks.clear();
    return out;
  }

  /**
   * Emits the last partial block and returns every block not yet {@linkplain #drainEmitted drained}
   * in row order (unmodifiable). The builder accepts no rows afterwards.
   */
  public List<RowBlock> finish() {
    checkOpen();
    if (rows > 0) {
      emit();
    }
    finished = true;
    return Collections.unmodifiableList(blocks);
  }

  private void checkOpen() {
    if (finished) {
      throw new IllegalStateException("RowBlockBuilder already finished");
    }
  }

  private static void checkLabel(long rowIndex, double label) {
    if (label != 1.0 && label != -1.0) {
      throw new IllegalArgumentException(
          "row " + rowIndex + ": label must be -1.0 or +1.0, got " + label);
    }
  }

  private static void checkFinite(long rowIndex, int j, double v) {
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException(
          "row " + rowIndex + ": feature " + j + " must be finite, got " + v);
    }
  }

  /** Makes room for one more row and records its label and index. */
  private void startRow(long index, double label) {
    ensureRows(rows + 1);
    labels[rows] = label;
    rowIndex[rows] = index;
  }

  /** Makes room for {@code need} (≤ blockRows) rows in the open block. */
  private void ensureRows(int need) {
    if (need > labels.length) {
      int cap =
          (int) Math.min(blockRows, Math.max(need, Math.max(INITIAL_ROWS, 2L * labels.length)));
      labels = Arrays.copyOf(labels, cap);
      rowIndex = Arrays.copyOf(rowIndex, cap);
      if (sparse) {
        rowPtr = Arrays.copyOf(rowPtr, cap + 1);
      } else {
        dense = Arrays.copyOf(dense, cap * features);
      }
    }
  }

  private void endRow() {
    rows++;
    if (rows == blockRows) {
      emit();
    }
  }

  private void ensureNonZeros(int extra) {
    long need = (long) rowPtr[rows] + extra;
    if (need > MAX_ARRAY) {
      throw new IllegalStateException(
          "sparse block exceeds " + MAX_ARRAY + " non-zeros; use a smaller blockRows");
    }
    if (need > colIdx.length) {
      int cap = (int) Math.min(MAX_ARRAY, Math.max(need, Math.max(1024L, 2L * colIdx.length)));
      colIdx = Arrays.copyOf(colIdx, cap);
      values = Arrays.copyOf(values, cap);
    }
  }

  private void emit() {
    double[] y = Arrays.copyOf(labels, rows);
    long[] idx = Arrays.copyOf(rowIndex, rows);
    if (sparse) {
      int nnz = rowPtr[rows];
      blocks.add(
          new CsrBlock(
              rows,
              features,
              Arrays.copyOf(rowPtr, rows + 1),
              Arrays.copyOf(colIdx, nnz),
              Arrays.copyOf(values, nnz),
              y,
              idx));
    } else if (dense.length == rows * features) {
      // a full array: handed over as it is (the same block); the next block gets a new one
      blocks.add(new DenseBlock(rows, features, dense, y, idx));
      dense = new double[dense.length];
    } else {
      blocks.add(new DenseBlock(rows, features, Arrays.copyOf(dense, rows * features), y, idx));
    }
    rows = 0;
    rowPtr[0] = 0;
  }
}

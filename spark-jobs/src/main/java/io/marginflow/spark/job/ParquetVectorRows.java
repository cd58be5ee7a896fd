package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.ParsedRow;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;

/**
 * The Spark ML vector column of one column batch (see {@link ParquetBatchDecoder}) with its
 * elements fetched in bulk: the vector kinds, and the indices and values of every row as two
 * arrays, so that a row's entries are read from plain arrays instead of through a column vector
 * call per entry. Only for batches of Spark's vectorized reader ({@link WritableColumnVector}s)
 * without null vectors; {@link #of} returns null otherwise.
 */
final class ParquetVectorRows {

  private static final byte DENSE = 1;

  private final String column;
  private final byte[] kinds;
  private final WritableColumnVector indexRows;
  private final WritableColumnVector valueRows;
  private final int[] indices;
  private final int valEnd;
  private double[] values; // fetched on first use: a batch copied at once never needs them

  private ParquetVectorRows(
      String column,
      byte[] kinds,
      WritableColumnVector indexRows,
      WritableColumnVector valueRows,
      int[] indices,
      int valEnd) {
    this.column = column;
    this.kinds = kinds;
    this.indexRows = indexRows;
    this.valueRows = valueRows;
    this.indices = indices;
    this.valEnd = valEnd;
  }

  /**
   * The first {@code rows} vectors of {@code v}, or null when the bulk view does not apply; with
   * {@code denseOnly}, {@code v} holds only {@code type} and {@code values} ({@link
   * ParquetBatchDecoder#denseOnly}): a sparse row must not be decoded then.
   */
  static ParquetVectorRows of(ColumnVector v, int rows, String column, boolean denseOnly) {
    WritableColumnVector idx = null;
    if (v.hasNull()
        || !(denseOnly || v.getChild(2) instanceof WritableColumnVector)
        || !(v.getChild(denseOnly ? 1 : 3) instanceof WritableColumnVector val)) {
      return null;
    }
    if (!denseOnly) {
      idx = (WritableColumnVector) v.getChild(2);
    }
    byte[] kinds = v.getChild(0).getBytes(0, rows);
    int idxEnd = 0;
    int valEnd = 0;
    for (int i = 0; i < rows; i++) {
      if (idx != null && kinds[i] != DENSE && !idx.isNullAt(i)) {
        idxEnd = Math.max(idxEnd, idx.getArrayOffset(i) + idx.getArrayLength(i));
      }
      if (!val.isNullAt(i)) {
        valEnd = Math.max(valEnd, val.getArrayOffset(i) + val.getArrayLength(i));
      }
    }
    int[] allIdx = idxEnd == 0 ? new int[0] : idx.arrayData().getInts(0, idxEnd);
    return new ParquetVectorRows(column, kinds, idx, val, allIdx, valEnd);
  }

  /**
   * Appends row {@code i}'s entries to {@code out} (a sparse vector's as stored, a dense one's
   * non-zeros), checking them as {@link ParquetBatchDecoder#decode} does.
   */
  void decode(int i, String file, long row, ParsedRow out) {
    if (valueRows.isNullAt(i)) {
      throw new DataFormatException(file, row, "column '" + column + "': no values");
    }
    int at = valueRows.getArrayOffset(i);
    int n = valueRows.getArrayLength(i);
    double[] values = values();
    if (kinds[i] == DENSE) {
      for (int j = 0; j < n; j++) {
        double x = values[at + j];
        if (x != 0.0) {
          if (x - x != 0.0) { // NaN or infinite: the message only now
            ParquetBatchDecoder.finite(x, file, row, column + "[" + j + "]");
          }
          out.append(j, x);
        }
      }
      return;
    }
    if (indexRows == null) {
      throw new IllegalStateException(
          file + ":" + row + ": a sparse vector read without its indices");
    }
    if (indexRows.isNullAt(i) || indexRows.getArrayLength(i) != n) {
      throw new DataFormatException(
          file, row, "column '" + column + "': indices and values differ in length");
    }
    int from = indexRows.getArrayOffset(i);
    int prev = -1;
    for (int k = 0; k < n; k++) {
      int j = indices[from + k];
      double x = values[at + k];
      if (j <= prev) {
        throw new DataFormatException(
            file, row, "column '" + column + "': indices not increasing at entry " + k);
      }
      if (x - x != 0.0) {
        ParquetBatchDecoder.finite(x, file, row, column + "[" + j + "]");
      }
      out.append(j, x);
      prev = j;
    }
  }

  /** True when row {@code i} is a dense vector of exactly {@code n} values. */
  boolean isDense(int i, int n) {
    return kinds[i] == DENSE && !valueRows.isNullAt(i) && valueRows.getArrayLength(i) == n;
  }

  /**
   * Copies the values of row {@code i}, a dense vector of {@code x.length} values ({@link
   * #isDense}), to {@code x}: −0.0 as 0.0, as {@link #decode} drops it; a NaN or infinite value
   * throws as {@link #decode} does.
   */
  void copyDense(int i, String file, long row, double[] x) {
    int at = valueRows.getArrayOffset(i);
    double[] values = values();
    double bad = 0.0; // v - v is 0 for finite v, NaN otherwise
    for (int j = 0; j < x.length; j++) {
      double v = values[at + j];
      bad += v - v;
      x[j] = v + 0.0; // −0.0 + 0.0 = +0.0; any other v unchanged
    }
    if (bad != 0.0) { // a NaN or infinite value: find the first for the message
      for (int j = 0; j < x.length; j++) {
        ParquetBatchDecoder.finite(x[j], file, row, column + "[" + j + "]");
      }
    }
  }

  /**
   * Where rows [{@code from}, {@code to}) start in the batch's values when every one of them is a
   * dense vector of {@code width} values and each starts where the one before it ends, else −1.
   */
  int denseRun(int from, int to, int width) {
    if (from >= to) {
      return -1;
    }
    int at = valueRows.getArrayOffset(from);
    for (int i = from; i < to; i++) {
      if (kinds[i] != DENSE
          || valueRows.isNullAt(i)
          || valueRows.getArrayLength(i) != width
          || valueRows.getArrayOffset(i) != at + (i - from) * width) {
        return -1;
      }
    }
    return at;
  }

  /**
   * Copies {@code rows} dense rows of {@code width} values, stored from element {@code at} of the
   * batch's values ({@link #denseRun}), to {@code out} (from 0), −0.0 as 0.0 (as {@link #decode}
   * drops it), straight from the column vector in one pass, and returns the first of them (0-based)
   * that holds a NaN or infinite value (copied up to it), or {@code rows}.
   */
  int copyDenseRows(int at, int rows, int width, double[] out) {
    WritableColumnVector data = valueRows.arrayData();
    int n = rows * width;
    for (int k = 0; k < n; k++) {
      double v = data.getDouble(at + k);
      if (v - v != 0.0) { // NaN or infinite (v - v is 0 for every finite v)
        return k / width;
      }
      out[k] = v + 0.0; // −0.0 + 0.0 = +0.0; any other v unchanged
    }
    return rows;
  }

  /**
   * Throws the {@link DataFormatException} of the first NaN or infinite value of the dense row of
   * {@code width} values stored from element {@code at} of the batch's values, the 1-based row
   * {@code row} of {@code file}.
   */
  void throwNonFinite(int at, int width, String file, long row) {
    WritableColumnVector data = valueRows.arrayData();
    for (int j = 0; j < width; j++) {
      ParquetBatchDecoder.finite(data.getDouble(at + j), file, row, column + "[" + j + "]");
    }
    throw new IllegalStateException(file + ":" + row + ": no non-finite value");
  }

  /** The values of every row of the batch, fetched in bulk on first use. */
  private double[] values() {
    if (values == null) {
      values = valEnd == 0 ? new double[0] : valueRows.arrayData().getDoubles(0, valEnd);
    }
    return values;
  }

  /** Row i's dense size, or 0 for a sparse vector. */
  int storedWidth(int i) {
    return kinds[i] == DENSE ? valueRows.getArrayLength(i) : 0;
  }
}

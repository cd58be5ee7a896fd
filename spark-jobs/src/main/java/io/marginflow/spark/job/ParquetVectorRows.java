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
  private final double[] values;

  private ParquetVectorRows(
      String column,
      byte[] kinds,
      WritableColumnVector indexRows,
      WritableColumnVector valueRows,
      int[] indices,
      double[] values) {
    this.column = column;
    this.kinds = kinds;
    this.indexRows = indexRows;
    this.valueRows = valueRows;
    this.indices = indices;
    this.values = values;
  }

  /** The first {@code rows} vectors of {@code v}, or null when the bulk view does not apply. */
  static ParquetVectorRows of(ColumnVector v, int rows, String column) {
    if (v.hasNull()
        || !(v.getChild(2) instanceof WritableColumnVector idx)
        || !(v.getChild(3) instanceof WritableColumnVector val)) {
      return null;
    }
    byte[] kinds = v.getChild(0).getBytes(0, rows);
    int idxEnd = 0;
    int valEnd = 0;
    for (int i = 0; i < rows; i++) {
      if (kinds[i] != DENSE && !idx.isNullAt(i)) {
        idxEnd = Math.max(idxEnd, idx.getArrayOffset(i) + idx.getArrayLength(i));
      }
      if (!val.isNullAt(i)) {
        valEnd = Math.max(valEnd, val.getArrayOffset(i) + val.getArrayLength(i));
      }
    }
    int[] allIdx = idxEnd == 0 ? new int[0] : idx.arrayData().getInts(0, idxEnd);
    double[] allVal = valEnd == 0 ? new double[0] : val.arrayData().getDoubles(0, valEnd);
    return new ParquetVectorRows(column, kinds, idx, val, allIdx, allVal);
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

  /** Row i's dense size, or 0 for a sparse vector. */
  int storedWidth(int i) {
    return kinds[i] == DENSE ? valueRows.getArrayLength(i) : 0;
  }
}

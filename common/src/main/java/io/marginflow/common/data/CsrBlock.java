package io.marginflow.common.data;

import java.util.Objects;

/**
 * Sparse rows in compressed sparse row form: the non-zeros of local row r are at positions {@code
 * rowPtr[r] .. rowPtr[r+1]-1} of {@code colIdx} (0-based feature index, strictly increasing within
 * a row) and {@code values}.
 *
 * @param rows number of rows
 * @param features number of columns (the declared feature count)
 * @param rowPtr row pointers, length ≥ rows + 1, rowPtr[0] = 0
 * @param colIdx 0-based column of each non-zero
 * @param values value of each non-zero
 * @param labels ±1 labels, length ≥ rows
 * @param rowIndex global row indices, length ≥ rows
 */
public record CsrBlock(
    int rows,
    int features,
    int[] rowPtr,
    int[] colIdx,
    double[] values,
    double[] labels,
    long[] rowIndex)
    implements RowBlock {

  /** Validates shapes; contents are the readers' job. */
  public CsrBlock {
    Objects.requireNonNull(rowPtr, "rowPtr");
    Objects.requireNonNull(colIdx, "colIdx");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(rowIndex, "rowIndex");
    if (rows < 0 || features <= 0) {
      throw new IllegalArgumentException(
          "CsrBlock needs rows >= 0 and features > 0, got rows=" + rows + ", features=" + features);
    }
    if (rowPtr.length < rows + 1 || labels.length < rows || rowIndex.length < rows) {
      throw new IllegalArgumentException(
          "CsrBlock arrays too short for rows=" + rows + ": rowPtr=" + rowPtr.length);
    }
    int nnz = rowPtr[rows];
    if (colIdx.length < nnz || values.length < nnz) {
      throw new IllegalArgumentException(
          "CsrBlock has nnz=" + nnz + " but colIdx=" + colIdx.length + ", values=" + values.length);
    }
  }

  /** Number of stored non-zeros. */
  public int nonZeros() {
    return rowPtr[rows];
  }

  @Override
  public CsrBlock select(int[] localRows, int count) {
    int nnz = 0;
    for (int k = 0; k < count; k++) {
      int r = localRows[k];
      nnz += rowPtr[r + 1] - rowPtr[r];
    }
    int[] ptr = new int[count + 1];
    int[] col = new int[nnz];
    double[] val = new double[nnz];
    double[] y = new double[count];
    long[] idx = new long[count];
    int pos = 0;
    for (int k = 0; k < count; k++) {
      int r = localRows[k];
      int len = rowPtr[r + 1] - rowPtr[r];
      System.arraycopy(colIdx, rowPtr[r], col, pos, len);
      System.arraycopy(values, rowPtr[r], val, pos, len);
      pos += len;
      ptr[k + 1] = pos;
      y[k] = labels[r];
      idx[k] = rowIndex[r];
    }
    return new CsrBlock(count, features, ptr, col, val, y, idx);
  }

  /**
   * This block as a dense row-major block (for layers that need dense input, e.g. convolutions).
   */
  public DenseBlock toDense() {
    double[] v = new double[rows * features];
    for (int r = 0; r < rows; r++) {
      for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
        v[r * features + colIdx[p]] = values[p];
      }
    }
    return new DenseBlock(rows, features, v, labels.clone(), rowIndex.clone());
  }

  @Override
  public long sizeInBytes() {
    return 4L * rowPtr.length + 12L * rowPtr[rows] + 16L * rows;
  }
}

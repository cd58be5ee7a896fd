package io.marginflow.common.data;

import java.util.Objects;

/**
 * Sparse rows in CSR form stored in single precision ({@code --feature-storage float}): as {@link
 * CsrBlock}, with float values, ±1 byte labels and contiguous global indices {@code firstRow …}.
 * Kernels never see this type: {@link #select} and {@link FloatStorage#widen} give {@link
 * CsrBlock}s whose values are the floats widened exactly.
 *
 * @param rows number of rows
 * @param features number of columns
 * @param rowPtr row pointers, length ≥ rows + 1, rowPtr[0] = 0
 * @param colIdx 0-based column of each entry
 * @param values value of each entry
 * @param labelBytes ±1 labels as bytes, length ≥ rows
 * @param firstRow global index of local row 0
 */
public record FloatCsrBlock(
    int rows,
    int features,
    int[] rowPtr,
    int[] colIdx,
    float[] values,
    byte[] labelBytes,
    long firstRow)
    implements RowBlock {

  /** Validates shapes. */
  public FloatCsrBlock {
    Objects.requireNonNull(rowPtr, "rowPtr");
    Objects.requireNonNull(colIdx, "colIdx");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(labelBytes, "labelBytes");
    if (rows < 0 || features <= 0 || rowPtr.length < rows + 1 || labelBytes.length < rows) {
      throw new IllegalArgumentException(
          "FloatCsrBlock arrays too short for rows=" + rows + ", features=" + features);
    }
    int nnz = rowPtr[rows];
    if (colIdx.length < nnz || values.length < nnz) {
      throw new IllegalArgumentException(
          "FloatCsrBlock has nnz="
              + nnz
              + " but colIdx="
              + colIdx.length
              + ", values="
              + values.length);
    }
  }

  /** Number of stored entries. */
  public int nonZeros() {
    return rowPtr[rows];
  }

  @Override
  public double[] labels() {
    return FloatStorage.widenLabels(labelBytes, rows, new double[rows]);
  }

  @Override
  public long[] rowIndex() {
    return FloatStorage.indices(firstRow, rows, new long[rows]);
  }

  @Override
  public long firstRowIndex() {
    return firstRow;
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
      for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) {
        col[pos] = colIdx[p];
        val[pos] = values[p];
        pos++;
      }
      ptr[k + 1] = pos;
      y[k] = labelBytes[r];
      idx[k] = firstRow + r;
    }
    return new CsrBlock(count, features, ptr, col, val, y, idx);
  }

  @Override
  public long sizeInBytes() {
    return 4L * rowPtr.length + 8L * rowPtr[rows] + labelBytes.length + 8L;
  }
}

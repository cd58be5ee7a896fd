package io.marginflow.common.data;

import java.util.Objects;

/**
 * Dense rows stored in single precision ({@code --feature-storage float}): feature j of local row r
 * is {@code values[r * features + j]}, labels are ±1 bytes and the rows hold the contiguous global
 * indices {@code firstRow …}. Kernels never see this type: {@link #select} and {@link
 * FloatStorage#widen} give double blocks whose values are the floats widened exactly, so a run
 * equals a double run on the float-rounded data bit for bit.
 *
 * @param rows number of rows
 * @param features number of columns
 * @param values row-major features, length ≥ rows × features
 * @param labelBytes ±1 labels as bytes, length ≥ rows
 * @param firstRow global index of local row 0
 */
public record FloatDenseBlock(
    int rows, int features, float[] values, byte[] labelBytes, long firstRow) implements RowBlock {

  /** Validates shapes. */
  public FloatDenseBlock {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(labelBytes, "labelBytes");
    if (rows < 0
        || features <= 0
        || (long) rows * features > values.length
        || labelBytes.length < rows) {
      throw new IllegalArgumentException(
          "FloatDenseBlock arrays too short for rows=" + rows + ", features=" + features);
    }
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
  public DenseBlock select(int[] localRows, int count) {
    double[] v = new double[count * features];
    double[] y = new double[count];
    long[] idx = new long[count];
    for (int k = 0; k < count; k++) {
      int r = localRows[k];
      int from = r * features;
      int to = k * features;
      for (int j = 0; j < features; j++) {
        v[to + j] = values[from + j];
      }
      y[k] = labelBytes[r];
      idx[k] = firstRow + r;
    }
    return new DenseBlock(count, features, v, y, idx);
  }

  @Override
  public long sizeInBytes() {
    return 4L * values.length + labelBytes.length + 8L;
  }
}

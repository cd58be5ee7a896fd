package io.marginflow.common.data;

import java.util.Objects;

/**
 * Dense rows in one row-major array: feature j of local row r is {@code values[r * features + j]}.
 *
 * @param rows number of rows
 * @param features number of columns
 * @param values row-major features, length ≥ rows × features
 * @param labels ±1 labels, length ≥ rows
 * @param rowIndex global row indices, length ≥ rows
 */
public record DenseBlock(int rows, int features, double[] values, double[] labels, long[] rowIndex)
    implements RowBlock {

  /** Validates shapes; contents (finite values, ±1 labels) are the readers' job. */
  public DenseBlock {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(rowIndex, "rowIndex");
    if (rows < 0 || features <= 0) {
      throw new IllegalArgumentException(
          "DenseBlock needs rows >= 0 and features > 0, got rows="
              + rows
              + ", features="
              + features);
    }
    if ((long) rows * features > values.length || labels.length < rows || rowIndex.length < rows) {
      throw new IllegalArgumentException(
          "DenseBlock arrays too short for rows="
              + rows
              + ", features="
              + features
              + ": values="
              + values.length
              + ", labels="
              + labels.length
              + ", rowIndex="
              + rowIndex.length);
    }
  }

  @Override
  public DenseBlock select(int[] localRows, int count) {
    double[] v = new double[count * features];
    double[] y = new double[count];
    long[] idx = new long[count];
    for (int k = 0; k < count; k++) {
      int r = localRows[k];
      System.arraycopy(values, r * features, v, k * features, features);
      y[k] = labels[r];
      idx[k] = rowIndex[r];
    }
    return new DenseBlock(count, features, v, y, idx);
  }

  @Override
  public long sizeInBytes() {
    return 8L * values.length + 8L * labels.length + 8L * rowIndex.length;
  }
}

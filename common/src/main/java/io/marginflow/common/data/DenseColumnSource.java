package io.marginflow.common.data;

import java.io.IOException;

/**
 * Dense rows handed over column by column ({@link RowBlockBuilder#addDenseColumns}): a columnar
 * file read one column at a time writes each column's values straight into the rows of the blocks,
 * so that only one column of the source needs to be in memory at a time.
 */
public interface DenseColumnSource {

  /**
   * Writes the next {@code count} values of the {@code columns} columns from {@code column} on (−1:
   * the labels, always alone; 0 … features − 1: features) to {@code dst}: row r's value of column
   * {@code column + j} at {@code dst[offset + r · stride + j]} (modifying {@code dst}). The builder
   * asks for the labels first, then the features in groups of {@link #columnsPerCall()} (fewer at
   * the end) in order, every group's values in row order.
   *
   * @return false when the source cannot give them (the builder then adds none of its rows)
   * @throws IOException when reading the source fails
   */
  boolean next(int column, int columns, double[] dst, int offset, int stride, int count)
      throws IOException;

  /**
   * Feature columns written per call (≥ 1; default 1): a source that can give several columns at
   * once lets the builder write adjacent values of a row together, in fewer passes over the rows.
   */
  default int columnsPerCall() {
    return 1;
  }
}

package io.marginflow.common.data;

import java.io.IOException;

/**
 * Dense rows handed over column by column ({@link RowBlockBuilder#addDenseColumns}): a columnar
 * file read one column at a time writes each column's values straight into the rows of the blocks,
 * so that only one column of the source needs to be in memory at a time.
 */
@FunctionalInterface
public interface DenseColumnSource {

  /**
   * Writes the next {@code count} values of {@code column} (−1: the labels; 0 … features − 1: a
   * feature) to {@code dst[offset]}, {@code dst[offset + stride]}, … (modifying {@code dst}). The
   * builder asks for the labels first, then each feature in order, every column's values in row
   * order.
   *
   * @return false when the source cannot give them (the builder then adds none of its rows)
   * @throws IOException when reading the source fails
   */
  boolean next(int column, double[] dst, int offset, int stride, int count) throws IOException;
}

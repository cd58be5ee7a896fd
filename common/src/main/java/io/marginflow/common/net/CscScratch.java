package io.marginflow.common.net;

/**
 * Grow-only scratch of the vector sparse backward ({@link VectorSparseKernels}): a row block
 * re-indexed by column (CSC) and a padded copy of the block's output gradient. Owned by one {@link
 * Workspace}; not thread-safe.
 */
final class CscScratch {

  /** Column starts, length ≥ features + 1. */
  int[] start = new int[0];

  /** Insertion cursor per column, length ≥ features. */
  int[] next = new int[0];

  /** Offset of each entry's row in {@link #rowsBlock}, length ≥ block non-zeros. */
  int[] rowOffset = new int[0];

  /** Value of each entry, length ≥ block non-zeros. */
  double[] value = new double[0];

  /** The block's dz rows at the padded leading dimension. */
  double[] rowsBlock = new double[0];

  /** Grows the arrays (contents are not kept) to hold the given sizes. */
  void ensure(int features, int nonZeros, int blockDoubles) {
    if (start.length < features + 1) {
      start = new int[features + 1];
      next = new int[features];
    }
    if (rowOffset.length < nonZeros) {
      rowOffset = new int[nonZeros];
      value = new double[nonZeros];
    }
    if (rowsBlock.length < blockDoubles) {
      rowsBlock = new double[blockDoubles];
    }
  }
}

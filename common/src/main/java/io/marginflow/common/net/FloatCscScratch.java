package io.marginflow.common.net;

/**
 * Grow-only scratch of the float sparse backward ({@link FloatSparseKernels}): a row block
 * re-indexed by column (CSC) and a padded float copy of the block's output gradient. Owned by one
 * {@link SingleStepKernel}; not thread-safe.
 */
final class FloatCscScratch {

  /** Column starts, length ≥ features + 1. */
  int[] start = new int[0];

  /** Insertion cursor per column, length ≥ features. */
  int[] next = new int[0];

  /** Offset of each entry's row in {@link #rowsBlock}, length ≥ block non-zeros. */
  int[] rowOffset = new int[0];

  /** Value of each entry (rounded to float), length ≥ block non-zeros. */
  float[] value = new float[0];

  /** The block's dz rows at the padded leading dimension. */
  float[] rowsBlock = new float[0];

  /** Grows the arrays (contents are not kept) to hold the given sizes. */
  void ensure(int features, int nonZeros, int blockFloats) {
    if (start.length < features + 1) {
      start = new int[features + 1];
      next = new int[features];
    }
    if (rowOffset.length < nonZeros) {
      rowOffset = new int[nonZeros];
      value = new float[nonZeros];
    }
    if (rowsBlock.length < blockFloats) {
      rowsBlock = new float[blockFloats];
    }
  }
}

package io.marginflow.common.net;

/**
 * Grow-only scratch of the vector sparse backward ({@link VectorSparseKernels}): a row block
 * re-indexed by column, the entries' values in that order and a padded copy of the block's output
 * gradient. Owned by one {@link Workspace}; not thread-safe.
 */
final class CscScratch {

  final ColumnIndex index = new ColumnIndex();

  /** Value of each indexed entry, length ≥ block non-zeros. */
  double[] value = new double[0];

  /** The block's dz rows at the padded leading dimension. */
  double[] rowsBlock = new double[0];

  /** Grows the arrays (contents are not kept) to hold the given sizes. */
  void ensure(int features, int nonZeros, int blockDoubles) {
    index.ensure(features, nonZeros);
    if (value.length < nonZeros) {
      value = new double[nonZeros];
    }
    if (rowsBlock.length < blockDoubles) {
      rowsBlock = new double[blockDoubles];
    }
  }
}

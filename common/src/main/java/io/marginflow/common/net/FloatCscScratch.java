package io.marginflow.common.net;

/**
 * Grow-only scratch of the float sparse backward ({@link VectorFloatSparseKernels}): a row block
 * re-indexed by column, the entries' values (rounded to float) in that order and a padded float
 * copy of the block's output gradient. Owned by one {@link SingleStepKernel}; not thread-safe.
 */
final class FloatCscScratch {

  final ColumnIndex index = new ColumnIndex();

  /** Value of each indexed entry, length ≥ block non-zeros. */
  float[] value = new float[0];

  /** The block's dz rows at the padded leading dimension. */
  float[] rowsBlock = new float[0];

  /** Grows the arrays (contents are not kept) to hold the given sizes. */
  void ensure(int features, int nonZeros, int blockFloats) {
    index.ensure(features, nonZeros);
    if (value.length < nonZeros) {
      value = new float[nonZeros];
    }
    if (rowsBlock.length < blockFloats) {
      rowsBlock = new float[blockFloats];
    }
  }
}

package io.marginflow.common.data;

/**
 * A block of labelled rows stacked for level-3 kernels: either a dense row-major matrix or a CSR
 * matrix. Labels are ±1 stored as doubles; every row also carries its global row index (its
 * position in the whole dataset, 0-based), which is what the samplers speak about.
 *
 * <p>Blocks are immutable by convention: kernels never modify the arrays they are given. Kernels
 * take {@link DenseBlock} and {@link CsrBlock}; the float-storage blocks ({@link FloatDenseBlock},
 * {@link FloatCsrBlock}) are cached forms that {@link FloatStorage} and {@code select} widen to
 * those before any kernel runs.
 */
public sealed interface RowBlock extends java.io.Serializable
    permits DenseBlock, CsrBlock, FloatDenseBlock, FloatCsrBlock {

  /** Number of rows in this block. */
  int rows();

  /** Number of features (columns) of every row. */
  int features();

  /** Labels, one per row, each exactly −1.0 or +1.0; length ≥ {@link #rows()}. */
  double[] labels();

  /** Global 0-based row index of each row; length ≥ {@link #rows()}. */
  long[] rowIndex();

  /** Global index of local row 0 (blocks hold contiguous ranges); not defined for 0 rows. */
  default long firstRowIndex() {
    return rowIndex()[0];
  }

  /** A new block holding the given local rows, in the given order (used to gather a minibatch). */
  RowBlock select(int[] localRows, int count);

  /** Bytes held by this block's arrays (for memory reports). */
  long sizeInBytes();
}

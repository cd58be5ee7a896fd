package io.marginflow.common.net;

import java.util.Arrays;

/**
 * A block of CSR rows re-indexed by column (CSC), for the column-blocked sparse backward kernels
 * ({@link VectorSparseKernels}, {@link VectorFloatSparseKernels}): the entries of column j are k ∈
 * [start[j], start[j + 1]), rows ascending, each with its row's offset in a padded row block and
 * its position in the CSR arrays. Grow-only scratch; not thread-safe.
 */
final class ColumnIndex {

  /** Column starts, length ≥ features + 1. */
  int[] start = new int[0];

  /** Insertion cursor per column, length ≥ features. */
  private int[] next = new int[0];

  /** (r − r0)·ld of each entry's row r. */
  int[] rowOffset = new int[0];

  /** Each entry's position q in the CSR arrays. */
  int[] source = new int[0];

  /** Grows the arrays (contents are not kept). */
  void ensure(int features, int nonZeros) {
    if (start.length < features + 1) {
      start = new int[features + 1];
      next = new int[features];
    }
    if (rowOffset.length < nonZeros) {
      rowOffset = new int[nonZeros];
      source = new int[nonZeros];
    }
  }

  /** The most non-zeros in any block of {@code rowBlock} consecutive rows, blocks from row 0. */
  static int maxBlockNonZeros(int rows, int[] ptr, int rowBlock) {
    int max = 0;
    for (int r0 = 0; r0 < rows; r0 += rowBlock) {
      max = Math.max(max, ptr[Math.min(rows, r0 + rowBlock)] - ptr[r0]);
    }
    return max;
  }

  /**
   * Indexes rows r0 ≤ r &lt; r1 by column (a counting sort; rows stay ascending within a column).
   * Requires {@link #ensure} for {@code features} and the block's non-zeros.
   */
  void build(int r0, int r1, int[] ptr, int[] col, int features, int ld) {
    Arrays.fill(start, 0, features + 1, 0);
    for (int q = ptr[r0]; q < ptr[r1]; q++) {
      start[col[q] + 1]++;
    }
    for (int j = 0; j < features; j++) {
      start[j + 1] += start[j];
    }
    System.arraycopy(start, 0, next, 0, features);
    for (int r = r0; r < r1; r++) {
      int off = (r - r0) * ld;
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        int d = next[col[q]]++;
        rowOffset[d] = off;
        source[d] = q;
      }
    }
  }
}

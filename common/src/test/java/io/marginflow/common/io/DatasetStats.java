package io.marginflow.common.io;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;

/** Counts taken from a dataset's blocks, the slow obvious way, for comparing with a README. */
record DatasetStats(
    long rows, long negatives, long positives, long storedEntries, int maxIndex1, long emptyRows) {

  static DatasetStats of(Dataset data) {
    long rows = 0;
    long neg = 0;
    long pos = 0;
    long entries = 0;
    int max = 0;
    long empty = 0;
    long expectedIndex = 0;
    for (RowBlock block : data.blocks()) {
      for (int r = 0; r < block.rows(); r++) {
        if (block.rowIndex()[r] != expectedIndex++) {
          throw new AssertionError("row index " + block.rowIndex()[r] + " out of order");
        }
        double y = block.labels()[r];
        if (y == 1.0) {
          pos++;
        } else if (y == -1.0) {
          neg++;
        } else {
          throw new AssertionError("label " + y);
        }
        int count = 0;
        if (block instanceof CsrBlock csr) {
          for (int p = csr.rowPtr()[r]; p < csr.rowPtr()[r + 1]; p++) {
            count++;
            max = Math.max(max, csr.colIdx()[p] + 1);
          }
        } else if (block instanceof DenseBlock dense) {
          for (int j = 0; j < dense.features(); j++) {
            if (dense.values()[r * dense.features() + j] != 0.0) {
              count++;
              max = Math.max(max, j + 1);
            }
          }
        }
        entries += count;
        if (count == 0) {
          empty++;
        }
        rows++;
      }
    }
    return new DatasetStats(rows, neg, pos, entries, max, empty);
  }
}

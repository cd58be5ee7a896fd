package io.marginflow.common.data;

import java.util.List;

/** Operations on several blocks of the same kind and width. */
public final class RowBlocks {

  private RowBlocks() {}

  /**
   * One block holding the rows of {@code parts} in order (all dense or all CSR, same features).
   * Used to run one kernel call over a partition's minibatch members instead of one per block.
   */
  public static RowBlock concat(List<RowBlock> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("concat: no blocks");
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    RowBlock first = parts.get(0);
    int features = first.features();
    int rows = 0;
    for (RowBlock b : parts) {
      if (b.features() != features || b.getClass() != first.getClass()) {
        throw new IllegalArgumentException(
            "concat: blocks differ in kind or width ("
                + first.getClass().getSimpleName()
                + " × "
                + features
                + " vs "
                + b.getClass().getSimpleName()
                + " × "
                + b.features()
                + ")");
      }
      rows += b.rows();
    }
    double[] y = new double[rows];
    long[] idx = new long[rows];
    if (first instanceof DenseBlock) {
      double[] v = new double[rows * features];
      int r = 0;
      for (RowBlock b : parts) {
        DenseBlock d = (DenseBlock) b;
        System.arraycopy(d.values(), 0, v, r * features, d.rows() * features);
        System.arraycopy(d.labels(), 0, y, r, d.rows());
        System.arraycopy(d.rowIndex(), 0, idx, r, d.rows());
        r += d.rows();
      }
      return new DenseBlock(rows, features, v, y, idx);
    }
    int nnz = 0;
    for (RowBlock b : parts) {
      nnz += ((CsrBlock) b).nonZeros();
    }
    int[] ptr = new int[rows + 1];
    int[] col = new int[nnz];
    double[] val = new double[nnz];
    int r = 0;
    int p = 0;
    for (RowBlock b : parts) {
      CsrBlock c = (CsrBlock) b;
      int k = c.nonZeros();
      System.arraycopy(c.colIdx(), 0, col, p, k);
      System.arraycopy(c.values(), 0, val, p, k);
      for (int i = 0; i < c.rows(); i++) {
        ptr[r + i + 1] = p + c.rowPtr()[i + 1];
      }
      System.arraycopy(c.labels(), 0, y, r, c.rows());
      System.arraycopy(c.rowIndex(), 0, idx, r, c.rows());
      r += c.rows();
      p += k;
    }
    return new CsrBlock(rows, features, ptr, col, val, y, idx);
  }
}

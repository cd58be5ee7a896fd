package io.marginflow.spark.job;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.Arrays;

/**
 * Dense blocks as the CSR blocks a {@link io.marginflow.common.data.RowBlockBuilder} makes of the
 * same rows given as their non-zeros: a run that loaded dense Spark ML vectors as dense blocks (the
 * footers give no non-zero count, {@link ParquetFooterScan}) and then counted fewer non-zeros than
 * the dense/CSR rule allows ({@link TrainJob#isSparse}) maps its cached blocks through {@link
 * #toCsr} instead of decoding the Parquet files again. The blocks equal those of a load with CSR
 * blocks: a decoded dense vector gives its non-zeros ({@code x != 0.0}) in index order, and a dense
 * block holds exactly those. The other way round ({@link #toLayout}), a run that loaded CSR blocks
 * first (the footers hinted at many zeros, {@link ParquetIngest#looksSparse}) and counted more
 * non-zeros than the rule allows maps them to the dense blocks a dense load makes: zeros, and the
 * stored non-zeros at their indices.
 */
public final class CsrConversion {

  private CsrConversion() {}

  /** The non-zeros of a dense block ({@code x != 0.0}), or the stored entries of a CSR block. */
  public static long nonZeros(RowBlock b) {
    if (b instanceof CsrBlock c) {
      return c.nonZeros();
    }
    if (!(b instanceof DenseBlock d)) {
      throw new IllegalArgumentException("not a double block: " + b.getClass().getSimpleName());
    }
    double[] v = d.values();
    int n = d.rows() * d.features();
    long count = 0;
    for (int i = 0; i < n; i++) {
      if (v[i] != 0.0) {
        count++;
      }
    }
    return count;
  }

  /** Block {@code b} as a CSR block ({@code sparse}, {@link #toCsr}) or a dense one. */
  public static RowBlock toLayout(RowBlock b, boolean sparse) {
    if (sparse) {
      return toCsr(b);
    }
    return b instanceof CsrBlock c ? c.toDense() : b;
  }

  /** The CSR block of dense block {@code b}'s non-zeros (a CSR block as it is). */
  public static RowBlock toCsr(RowBlock b) {
    if (b instanceof CsrBlock) {
      return b;
    }
    DenseBlock d = (DenseBlock) b;
    int rows = d.rows();
    int p = d.features();
    double[] v = d.values();
    int nnz = (int) nonZeros(d);
    int[] rowPtr = new int[rows + 1];
    int[] colIdx = new int[nnz];
    double[] values = new double[nnz];
    int k = 0;
    for (int r = 0; r < rows; r++) {
      int base = r * p;
      for (int j = 0; j < p; j++) {
        double x = v[base + j];
        if (x != 0.0) {
          colIdx[k] = j;
          values[k] = x;
          k++;
        }
      }
      rowPtr[r + 1] = k;
    }
    return new CsrBlock(
        rows,
        p,
        rowPtr,
        colIdx,
        values,
        Arrays.copyOf(d.labels(), rows),
        Arrays.copyOf(d.rowIndex(), rows));
  }
}

package io.marginflow.spark.job;

import java.io.Serializable;

/**
 * What the scan of one row group of a Parquet file found (see {@link ParquetIngest}); a file's row
 * groups merge into its {@link InputFile}. Row numbers are 1-based in the file (0: none).
 *
 * @param file index of the file in the input list
 * @param rows data rows
 * @param positives rows labelled +1
 * @param nonZeros stored entries (a sparse vector's as stored, else the non-zeros)
 * @param maxIndex largest 1-based feature index (dense vectors and columns: the width)
 * @param firstZero first row whose label is 0
 * @param firstMinusOne first row whose label is −1
 * @param errorRow first bad row, 0 if none
 * @param error what is wrong with it, or null
 * @param loadCountsNonZeros true when the facts come from the footers of Spark ML dense vectors or
 *     of numeric columns ({@link ParquetFooterScan}): {@code nonZeros} is then the stored values,
 *     an upper bound of the non-zeros, and every vector must hold {@code maxIndex} values
 */
public record ParquetScan(
    int file,
    long rows,
    long positives,
    long nonZeros,
    int maxIndex,
    long firstZero,
    long firstMinusOne,
    long errorRow,
    String error,
    boolean loadCountsNonZeros)
    implements Serializable {

  /** A scan whose non-zeros are counted here (the load need not count them). */
  public ParquetScan(
      int file,
      long rows,
      long positives,
      long nonZeros,
      int maxIndex,
      long firstZero,
      long firstMinusOne,
      long errorRow,
      String error) {
    this(
        file,
        rows,
        positives,
        nonZeros,
        maxIndex,
        firstZero,
        firstMinusOne,
        errorRow,
        error,
        false);
  }

  /** The two scans of partitions of one file as one. */
  ParquetScan merge(ParquetScan o) {
    boolean mine = errorRow > 0 && (o.errorRow == 0 || errorRow < o.errorRow);
    return new ParquetScan(
        file,
        rows + o.rows,
        positives + o.positives,
        nonZeros + o.nonZeros,
        Math.max(maxIndex, o.maxIndex),
        first(firstZero, o.firstZero),
        first(firstMinusOne, o.firstMinusOne),
        mine ? errorRow : o.errorRow,
        mine ? error : o.error,
        loadCountsNonZeros && o.loadCountsNonZeros);
  }

  private static long first(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.ParsedRow;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;

/**
 * Spark ML vector values of a Parquet vector column. Kept apart from {@link ParquetRowDecoder} so
 * that spark-mllib's classes are loaded only for files that have such a column (the column layout
 * and the rest of marginflow run without spark-mllib).
 */
final class VectorColumn {

  private VectorColumn() {}

  /** Appends a sparse vector's entries as stored, or a dense vector's non-zeros, to {@code out}. */
  static void decode(Object value, String column, String file, long row, ParsedRow out) {
    if (value instanceof SparseVector s) {
      int[] idx = s.indices();
      double[] val = s.values();
      for (int k = 0; k < idx.length; k++) {
        if (k > 0 && idx[k] <= idx[k - 1]) {
          throw new DataFormatException(
              file, row, "column '" + column + "': indices not increasing at entry " + k);
        }
        out.append(
            idx[k], ParquetRowDecoder.finite(val[k], file, row, column + "[" + idx[k] + "]"));
      }
      return;
    }
    double[] val = ((DenseVector) value).values();
    for (int j = 0; j < val.length; j++) {
      if (val[j] != 0.0) {
        out.append(j, ParquetRowDecoder.finite(val[j], file, row, column + "[" + j + "]"));
      }
    }
  }

  /** A dense vector's size; 0 for a sparse vector. */
  static int denseSize(Object value) {
    return value instanceof DenseVector d ? d.size() : 0;
  }
}

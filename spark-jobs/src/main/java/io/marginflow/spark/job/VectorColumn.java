package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.ParsedRow;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Spark ML vector values of a Parquet vector column in Spark's internal form, the struct {@code
 * (type: byte, size: int, indices: array<int>, values: array<double>)} of {@code VectorUDT} (type
 * 0: sparse, 1: dense, whose size and indices are null). Read as such, without spark-mllib's
 * classes.
 */
final class VectorColumn {

  /** Fields of the struct. */
  static final int FIELDS = 4;

  private static final byte DENSE = 1;

  private VectorColumn() {}

  /** Appends a sparse vector's entries as stored, or a dense vector's non-zeros, to {@code out}. */
  static void decode(InternalRow v, String column, String file, long row, ParsedRow out) {
    ArrayData values = v.getArray(3);
    if (v.getByte(0) == DENSE) {
      for (int j = 0; j < values.numElements(); j++) {
        double x = values.getDouble(j);
        if (x != 0.0) {
          out.append(j, ParquetRowDecoder.finite(x, file, row, column + "[" + j + "]"));
        }
      }
      return;
    }
    ArrayData idx = v.getArray(2);
    int prev = -1;
    for (int k = 0; k < idx.numElements(); k++) {
      int j = idx.getInt(k);
      if (j <= prev) {
        throw new DataFormatException(
            file, row, "column '" + column + "': indices not increasing at entry " + k);
      }
      out.append(
          j, ParquetRowDecoder.finite(values.getDouble(k), file, row, column + "[" + j + "]"));
      prev = j;
    }
  }

  /** A dense vector's size; 0 for a sparse vector. */
  static int denseSize(InternalRow v) {
    return v.getByte(0) == DENSE ? v.getArray(3).numElements() : 0;
  }
}

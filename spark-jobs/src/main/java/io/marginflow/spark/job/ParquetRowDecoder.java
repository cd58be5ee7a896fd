package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelParser;
import io.marginflow.common.io.ParsedRow;
import java.io.Serializable;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Turns one row of {@link ParquetIngest}'s frame ({@code file, row_index, label, features…},
 * numeric columns cast to double), in Spark's internal form (no conversion to external rows), into
 * a {@link ParsedRow}: the label mapped as LIBSVM's tokens are ({@link LabelParser#ofValue}), a
 * sparse vector's entries as stored, a dense vector's or the columns' non-zeros. A null, NaN or
 * infinite value throws a {@link DataFormatException} naming the file, the 1-based row and the
 * column.
 */
final class ParquetRowDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Columns before the features in the frame: file index, row index, label. */
  static final int FIRST_FEATURE = 3;

  private final ParquetLayout layout;

  ParquetRowDecoder(ParquetLayout layout) {
    this.layout = layout;
  }

  /** The 1-based row number of {@code r} in its file. */
  static long rowNumber(InternalRow r) {
    return r.getLong(1) + 1;
  }

  /** Decodes {@code r} of {@code file} into {@code out}. */
  void decode(InternalRow r, String file, ParsedRow out) {
    long row = rowNumber(r);
    out.clear();
    if (r.isNullAt(2)) {
      throw new DataFormatException(file, row, "column '" + layout.label() + "' is null");
    }
    double v = r.getDouble(2);
    out.setLabel(LabelParser.ofValue(v, file, row, layout.label()), v == 0.0);
    if (layout.isVector()) {
      vector(r, file, row, out);
      return;
    }
    for (int j = 0; j < layout.columnCount(); j++) {
      int at = FIRST_FEATURE + j;
      if (r.isNullAt(at)) {
        throw new DataFormatException(
            file, row, "column '" + layout.columns().get(j) + "' is null");
      }
      double x = r.getDouble(at);
      if (x != 0.0) {
        out.append(j, finite(x, file, row, layout.columns().get(j)));
      }
    }
  }

  private void vector(InternalRow r, String file, long row, ParsedRow out) {
    if (r.isNullAt(FIRST_FEATURE)) {
      throw new DataFormatException(file, row, "column '" + layout.vector() + "' is null");
    }
    VectorColumn.decode(
        r.getStruct(FIRST_FEATURE, VectorColumn.FIELDS), layout.vector(), file, row, out);
  }

  /**
   * The width every row of {@code r}'s kind stores: the column count, a dense vector's size, or 0
   * for a sparse vector (whose width is its largest index).
   */
  int storedWidth(InternalRow r) {
    if (!layout.isVector()) {
      return layout.columnCount();
    }
    return r.isNullAt(FIRST_FEATURE)
        ? 0
        : VectorColumn.denseSize(r.getStruct(FIRST_FEATURE, VectorColumn.FIELDS));
  }

  static double finite(double x, String file, long row, String column) {
    if (!Double.isFinite(x)) {
      throw new DataFormatException(
          file, row, "column '" + column + "': value must be finite (got " + x + ")");
    }
    return x;
  }
}

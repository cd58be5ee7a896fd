package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelParser;
import io.marginflow.common.io.ParsedRow;
import java.io.Serializable;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Turns row i of a column batch of one Parquet file ({@link ParquetBatchReader}, columns: the
 * label, then the vector column or the feature columns of the {@link ParquetLayout}) into a {@link
 * ParsedRow}: the label mapped as LIBSVM's tokens are ({@link LabelParser#ofValue}), numeric
 * columns read as Spark's {@code cast(double)} reads them, a Spark ML vector (the struct {@code
 * (type: byte, size: int, indices: array<int>, values: array<double>)} of {@code VectorUDT}, type 0
 * sparse, 1 dense) read without spark-mllib's classes: a sparse vector's entries as stored, a dense
 * vector's or the columns' non-zeros. A null, NaN or infinite value throws a {@link
 * DataFormatException} naming the file, the 1-based row and the column.
 */
final class ParquetBatchDecoder implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The vector column's storage type ({@code VectorUDT.sqlType}). */
  static final StructType VECTOR_STRUCT =
      new StructType()
          .add("type", DataTypes.ByteType, false)
          .add("size", DataTypes.IntegerType, true)
          .add("indices", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
          .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true);

  /**
   * The vector struct pruned to what a dense vector needs ({@code type}, {@code values}): Spark's
   * reader then decodes neither {@code size} nor the empty {@code indices} lists ({@link
   * #denseOnly}).
   */
  static final StructType DENSE_VECTOR_STRUCT =
      new StructType()
          .add("type", DataTypes.ByteType, false)
          .add("values", DataTypes.createArrayType(DataTypes.DoubleType, false), true);

  private static final byte DENSE = 1;

  private final ParquetLayout layout;
  private final StructType schema;
  private final boolean denseOnly;
  private final StructType requested;
  private final DataType[] types;

  /** The decoder of a file with Spark schema {@code schema} in layout {@code layout}. */
  ParquetBatchDecoder(ParquetLayout layout, StructType schema) {
    this(layout, schema, false);
  }

  private ParquetBatchDecoder(ParquetLayout layout, StructType schema, boolean denseOnly) {
    this.layout = layout;
    this.schema = schema;
    this.denseOnly = denseOnly;
    StructType req = new StructType().add(field(schema, layout.label()));
    if (layout.isVector()) {
      StructField v = field(schema, layout.vector());
      req = req.add(v.name(), denseOnly ? DENSE_VECTOR_STRUCT : VECTOR_STRUCT, v.nullable());
    } else {
      for (String c : layout.columns()) {
        req = req.add(field(schema, c));
      }
    }
    this.requested = req;
    this.types = new DataType[req.size()];
    for (int k = 0; k < types.length; k++) {
      types[k] = req.fields()[k].dataType();
    }
  }

  /**
   * This decoder reading only the {@code type} and {@code values} of the vector column (vector
   * layout; else this decoder): for files whose footers say that every vector is dense ({@link
   * ParquetFooterScan}). Its batches hold no indices: a row that is not a dense vector of the
   * expected length must be rejected ({@link #checkDenseLength}) before it is decoded.
   */
  ParquetBatchDecoder denseOnly() {
    return layout.isVector() && !denseOnly ? new ParquetBatchDecoder(layout, schema, true) : this;
  }

  /** The layout this decoder reads. */
  ParquetLayout layout() {
    return layout;
  }

  /** True when the vector column is read pruned to {@code type} and {@code values}. */
  boolean isDenseOnly() {
    return denseOnly;
  }

  /** The child of the vector struct holding the values. */
  private int valuesChild() {
    return denseOnly ? 1 : 3;
  }

  /** The columns to read, in the order the decoder expects them. */
  StructType requested() {
    return requested;
  }

  private static StructField field(StructType schema, String name) {
    return schema.fields()[schema.fieldIndex(name)];
  }

  /**
   * The bulk view of {@code b}'s vector column (vector layout; {@link ParquetVectorRows#of}), or
   * null: {@link #decode} then reads the vectors entry by entry.
   */
  ParquetVectorRows vectorRows(ColumnarBatch b) {
    return layout.isVector()
        ? ParquetVectorRows.of(b.column(1), b.numRows(), layout.vector(), denseOnly)
        : null;
  }

  /** Decodes row {@code i} of {@code b}, the 1-based row {@code row} of {@code file}. */
  void decode(ColumnarBatch b, int i, String file, long row, ParsedRow out) {
    decode(b, i, file, row, out, null);
  }

  /** The same, the vector entries from {@code view} (of {@link #vectorRows}) if not null. */
  void decode(
      ColumnarBatch b, int i, String file, long row, ParsedRow out, ParquetVectorRows view) {
    out.clear();
    double v = rawLabel(b, i, file, row);
    out.setLabel(LabelParser.ofValue(v, file, row, layout.label()), v == 0.0);
    if (view != null) {
      view.decode(i, file, row, out);
      return;
    }
    if (layout.isVector()) {
      vector(b.column(1), i, file, row, out);
      return;
    }
    for (int j = 0; j < layout.columnCount(); j++) {
      ColumnVector c = b.column(j + 1);
      if (c.isNullAt(i)) {
        throw new DataFormatException(
            file, row, "column '" + layout.columns().get(j) + "' is null");
      }
      double x = number(c, types[j + 1], i);
      if (x != 0.0) {
        out.append(j, finite(x, file, row, layout.columns().get(j)));
      }
    }
  }

  /** Row i's label as stored (a null throws naming the file, row and column). */
  private double rawLabel(ColumnarBatch b, int i, String file, long row) {
    ColumnVector label = b.column(0);
    if (label.isNullAt(i)) {
      throw new DataFormatException(file, row, "column '" + layout.label() + "' is null");
    }
    return number(label, types[0], i);
  }

  /**
   * Adds row {@code i} of {@code b} (vector layout, bulk view {@code view}) to {@code builder} as a
   * dense row with index {@code index} and returns true when it is a dense vector of exactly {@code
   * x.length} values (the builder's width; {@code x}: scratch): the row {@link #decode} and {@link
   * RowBlockBuilder#addSparse} would give, without going through its non-zeros. Returns false,
   * adding nothing, for any other vector: the caller then decodes it.
   */
  boolean addDenseVector(
      ColumnarBatch b,
      int i,
      ParquetVectorRows view,
      String file,
      long row,
      long index,
      double[] x,
      RowBlockBuilder builder) {
    if (!view.isDense(i, x.length)) {
      return false;
    }
    double y = LabelParser.ofValue(rawLabel(b, i, file, row), file, row, layout.label());
    view.copyDense(i, file, row, x);
    builder.addDense(index, y, x);
    return true;
  }

  /**
   * Adds rows [{@code from}, {@code to}) of {@code b} (vector layout, bulk view {@code view}),
   * whose first has the global index {@code firstIndex} and the 1-based row {@code firstRow} of
   * {@code file}, to {@code builder} as dense rows and returns true when every one of them is a
   * dense vector of exactly {@code width} values (the builder's width), stored one after another:
   * the rows {@link #addDenseVector} would give, their values copied from the column vector in one
   * pass per chunk of rows (−0.0 as 0.0; the first NaN or infinite value, or a bad label in a row
   * up to it, throws as {@link #decode} would). Returns false, adding nothing, otherwise. Scratch:
   * {@code y} of at least {@code to − from} labels, {@code xs} of whole rows (≥ {@code width}).
   */
  boolean addDenseRows(
      ColumnarBatch b,
      int from,
      int to,
      ParquetVectorRows view,
      String file,
      long firstRow,
      long firstIndex,
      int width,
      double[] y,
      double[] xs,
      RowBlockBuilder builder) {
    int at = view.denseRun(from, to, width);
    if (at < 0) {
      return false;
    }
    int chunk = xs.length / width;
    for (int done = 0; done < to - from; done += chunk) {
      int n = Math.min(chunk, to - from - done);
      int bad = view.copyDenseRows(at + done * width, n, width, xs); // first bad row, or n
      for (int r = 0; r < Math.min(n, bad + 1); r++) { // rows up to it: labels first, as decode
        long row = firstRow + done + r;
        y[r] =
            LabelParser.ofValue(rawLabel(b, from + done + r, file, row), file, row, layout.label());
      }
      if (bad < n) {
        view.throwNonFinite(at + (done + bad) * width, width, file, firstRow + done + bad);
      }
      builder.addDenseRows(firstIndex + done, y, 0, xs, 0, n);
    }
    return true;
  }

  /**
   * Throws a {@link DataFormatException} naming {@code file}, {@code row} and the vector column
   * unless row {@code i} of {@code b} is a dense vector of {@code width} values (the load's check
   * of the width a scan took from the footers of dense vectors: {@link ParquetFooterScan}).
   */
  void checkDenseLength(
      ColumnarBatch b, int i, ParquetVectorRows view, int width, String file, long row) {
    int n = storedWidth(b, i, view);
    if (n != width) {
      throw new DataFormatException(
          file,
          row,
          "column '"
              + layout.vector()
              + "': "
              + (n == 0 ? "a sparse vector" : "a dense vector of " + n + " values")
              + " where the file's footers give dense vectors of "
              + width
              + " values each");
    }
  }

  /**
   * Throws a {@link DataFormatException} naming {@code file}, {@code row} and the vector column
   * when decoded row {@code out} has an index at or past {@code features} (the load's check of the
   * indices a scan took from the footers: {@link ParquetFooterScan}).
   */
  void checkWidth(ParsedRow out, int features, String file, long row) {
    if (out.maxIndex() >= features) {
      throw new DataFormatException(
          file,
          row,
          "column '"
              + (layout.isVector() ? layout.vector() : layout.columns().get(out.maxIndex()))
              + "': feature index "
              + out.maxIndex()
              + " (0-based) is past the "
              + features
              + " features");
    }
  }

  /**
   * The width every row of its kind stores: the column count, a dense vector's size, or 0 for a
   * sparse vector (whose width is its largest index) or a null one.
   */
  int storedWidth(ColumnarBatch b, int i, ParquetVectorRows view) {
    if (!layout.isVector()) {
      return layout.columnCount();
    }
    if (view != null) {
      return view.storedWidth(i);
    }
    ColumnVector v = b.column(1);
    return v.isNullAt(i) || v.getChild(0).getByte(i) != DENSE
        ? 0
        : v.getChild(valuesChild()).getArray(i).numElements();
  }

  private void vector(ColumnVector v, int i, String file, long row, ParsedRow out) {
    String column = layout.vector();
    if (v.isNullAt(i)) {
      throw new DataFormatException(file, row, "column '" + column + "' is null");
    }
    ColumnarArray values = v.getChild(valuesChild()).getArray(i);
    int n = values.numElements();
    if (v.getChild(0).getByte(i) == DENSE) {
      for (int j = 0; j < n; j++) {
        double x = values.getDouble(j);
        if (x != 0.0) {
          if (x - x != 0.0) { // NaN or infinite: the message only now
            finite(x, file, row, column + "[" + j + "]");
          }
          out.append(j, x);
        }
      }
      return;
    }
    if (denseOnly) {
      throw new IllegalStateException(
          file + ":" + row + ": a sparse vector read without its indices");
    }
    ColumnarArray idx = v.getChild(2).getArray(i);
    int prev = -1;
    for (int k = 0; k < idx.numElements(); k++) {
      int j = idx.getInt(k);
      double x = values.getDouble(k);
      if (j <= prev) {
        throw new DataFormatException(
            file, row, "column '" + column + "': indices not increasing at entry " + k);
      }
      if (x - x != 0.0) {
        finite(x, file, row, column + "[" + j + "]");
      }
      out.append(j, x);
      prev = j;
    }
  }

  /** True for the column layout, whose batches are checked and copied column by column. */
  boolean columnar() {
    return !layout.isVector();
  }

  /**
   * What {@link #check} found in a batch of the column layout.
   *
   * @param bad first row (0-based) with a null, non-finite value or bad label, or -1
   * @param nonZeros non-zero feature values (of every row when there is no bad row)
   * @param positives rows labelled 1
   * @param firstZero first row labelled 0, or -1
   * @param firstMinusOne first row labelled −1, or -1
   */
  record BatchCheck(int bad, long nonZeros, int positives, int firstZero, int firstMinusOne) {}

  /**
   * Checks every row of {@code b} (column layout) column by column: the row-wise {@link #decode} of
   * the first bad row gives its error message.
   */
  BatchCheck check(ColumnarBatch b) {
    int n = b.numRows();
    int bad = n;
    long nnz = 0;
    int positives = 0;
    int firstZero = -1;
    int firstMinusOne = -1;
    for (int k = 0; k < types.length; k++) {
      ColumnVector c = b.column(k);
      bad = firstNull(c, bad);
      DataType t = types[k];
      if (k == 0) {
        for (int i = 0; i < bad; i++) {
          double v = number(c, t, i);
          if (v == 1.0) {
            positives++;
          } else if (v == 0.0) {
            firstZero = firstZero < 0 ? i : firstZero;
          } else if (v == -1.0) {
            firstMinusOne = firstMinusOne < 0 ? i : firstMinusOne;
          } else {
            bad = i;
          }
        }
        continue;
      }
      for (int i = 0; i < bad; i++) {
        double v = number(c, t, i);
        if (v - v != 0.0) { // NaN or infinite
          bad = i;
          break;
        }
        nnz += v != 0.0 ? 1 : 0;
      }
    }
    return new BatchCheck(bad == n ? -1 : bad, nnz, positives, firstZero, firstMinusOne);
  }

  /**
   * Adds rows [{@code from}, {@code to}) of {@code b} (column layout), whose first has the global
   * index {@code firstIndex} and the 1-based row {@code firstRow} of {@code file}, to {@code
   * builder} as dense rows ({@code x}: scratch of the builder's width; the columns first, −0.0 as
   * 0.0, as {@link #decode} drops it; a NaN or infinite value or a bad label throws the {@link
   * DataFormatException} {@link #decode} would). Returns false, adding nothing, when a column holds
   * a null or {@code x} is narrower than the columns (then {@link #decode} reports it).
   */
  boolean addRows(
      ColumnarBatch b,
      int from,
      int to,
      long firstIndex,
      long firstRow,
      String file,
      double[] x,
      RowBlockBuilder builder) {
    int p = types.length - 1;
    if (x.length < p) {
      return false;
    }
    for (int k = 0; k <= p; k++) {
      if (b.column(k).hasNull()) {
        return false;
      }
    }
    ColumnVector[] cols = new ColumnVector[p + 1];
    for (int k = 0; k <= p; k++) {
      cols[k] = b.column(k);
    }
    for (int i = from; i < to; i++) {
      double y = number(cols[0], types[0], i);
      double label = LabelParser.ofValue(y, file, firstRow + i - from, layout.label());
      for (int j = 0; j < p; j++) {
        double v = number(cols[j + 1], types[j + 1], i);
        if (v - v != 0.0) { // NaN or infinite: the message only now
          finite(v, file, firstRow + i - from, layout.columns().get(j));
        }
        x[j] = v == 0.0 ? 0.0 : v;
      }
      builder.addDense(firstIndex + i - from, label, x);
    }
    return true;
  }

  /** The first null row of {@code c} below {@code limit}, else {@code limit}. */
  private static int firstNull(ColumnVector c, int limit) {
    if (c.hasNull()) {
      for (int i = 0; i < limit; i++) {
        if (c.isNullAt(i)) {
          return i;
        }
      }
    }
    return limit;
  }

  /** Element i of a numeric column as Spark's {@code cast(double)} gives it. */
  private static double number(ColumnVector c, DataType t, int i) {
    if (t instanceof DoubleType) {
      return c.getDouble(i);
    } else if (t instanceof FloatType) {
      return c.getFloat(i);
    } else if (t instanceof LongType) {
      return c.getLong(i);
    } else if (t instanceof IntegerType) {
      return c.getInt(i);
    } else if (t instanceof ShortType) {
      return c.getShort(i);
    } else if (t instanceof ByteType) {
      return c.getByte(i);
    } else if (t instanceof DecimalType d) {
      return c.getDecimal(i, d.precision(), d.scale()).toDouble();
    }
    throw new IllegalStateException("not a numeric column type: " + t.simpleString());
  }

  static double finite(double x, String file, long row, String column) {
    if (!Double.isFinite(x)) {
      throw new DataFormatException(
          file, row, "column '" + column + "': value must be finite (got " + x + ")");
    }
    return x;
  }
}

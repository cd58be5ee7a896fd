package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Where a Parquet file keeps its rows: the numeric label column and either one Spark ML vector
 * column (the layout of {@code spark.read.format("libsvm")} and of MLlib pipelines) or numeric
 * feature columns in order. Resolved on the driver from each file's schema; every part file of an
 * input must resolve to the same layout.
 *
 * @param label the label column
 * @param vector the vector column, or null for the column layout
 * @param columns the feature columns (column layout; empty for the vector layout)
 */
public record ParquetLayout(String label, String vector, List<String> columns)
    implements Serializable {

  /** Copies the list. */
  public ParquetLayout {
    columns = List.copyOf(columns);
  }

  /** True for Spark ML's layout (one vector column). */
  public boolean isVector() {
    return vector != null;
  }

  /** The feature count of the column layout (the vector layout's comes from the data). */
  public int columnCount() {
    return columns.size();
  }

  /** A short description for logs and {@code check}. */
  public String describe() {
    return isVector()
        ? "label '" + label + "', vector '" + vector + "'"
        : "label '" + label + "', " + columns.size() + " numeric feature columns " + columns;
  }

  /**
   * The layout of {@code file} with schema {@code schema} for the requested {@code cols}; throws a
   * {@link DataFormatException} naming the file and column when a column is missing or not numeric.
   */
  public static ParquetLayout of(StructType schema, ParquetColumns cols, String file) {
    numeric(schema, cols.label(), file, "label-column");
    if (!cols.features().isEmpty()) {
      for (String c : cols.features()) {
        numeric(schema, c, file, "feature-columns");
      }
      return new ParquetLayout(cols.label(), null, cols.features());
    }
    List<String> vectors = new ArrayList<>();
    List<String> numeric = new ArrayList<>();
    for (StructField f : schema.fields()) {
      if (f.name().equals(cols.label())) {
        continue;
      }
      if (isVector(f.dataType())) {
        vectors.add(f.name());
      } else if (f.dataType() instanceof NumericType) {
        numeric.add(f.name());
      }
    }
    if (vectors.size() == 1) {
      return new ParquetLayout(cols.label(), vectors.get(0), List.of());
    }
    if (vectors.size() > 1) {
      throw new DataFormatException(
          file,
          0,
          "several vector columns "
              + vectors
              + "; name the features with --feature-columns (numeric columns only)");
    }
    if (numeric.isEmpty()) {
      throw new DataFormatException(
          file, 0, "no vector or numeric feature column besides '" + cols.label() + "'");
    }
    return new ParquetLayout(cols.label(), null, numeric);
  }

  private static void numeric(StructType schema, String name, String file, String key) {
    StructField f = null;
    for (StructField g : schema.fields()) {
      if (g.name().equals(name)) {
        f = g;
      }
    }
    if (f == null) {
      throw new DataFormatException(
          file,
          0,
          key + ": no column '" + name + "' (columns: " + String.join(", ", schema.names()) + ")");
    }
    if (!(f.dataType() instanceof NumericType)) {
      throw new DataFormatException(
          file,
          0,
          key
              + ": column '"
              + name
              + "' is "
              + f.dataType().simpleString()
              + ", expected a numeric type");
    }
  }

  /** Spark ML's vector type, by name: spark-mllib is needed only when the files have one. */
  private static boolean isVector(DataType t) {
    return t.getClass().getName().equals("org.apache.spark.ml.linalg.VectorUDT");
  }
}

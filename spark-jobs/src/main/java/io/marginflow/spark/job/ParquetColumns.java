package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.List;

/**
 * Which columns of a Parquet input hold the label and the features ({@code --label-column}, {@code
 * --feature-columns}).
 *
 * @param label the numeric label column
 * @param features numeric feature columns in order; empty: a vector column if the files have one
 *     (Spark ML's layout), else every other numeric column in schema order
 */
public record ParquetColumns(String label, List<String> features) implements Serializable {

  /** Spark ML's defaults: {@code label}, features found from the schema. */
  public static final ParquetColumns DEFAULT = new ParquetColumns("label", List.of());

  /** Validates and copies. */
  public ParquetColumns {
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException(
          "label-column: expected a column name, got '" + label + "'");
    }
    features = List.copyOf(features);
    if (features.contains(label)) {
      throw new IllegalArgumentException(
          "feature-columns: must not include the label column '" + label + "'");
    }
  }
}

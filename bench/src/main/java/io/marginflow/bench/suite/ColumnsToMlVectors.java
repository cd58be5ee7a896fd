package io.marginflow.bench.suite;

import java.io.File;
import java.util.Arrays;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Rewrites a Parquet set of numeric columns ({@code label}, {@code x1 … xp}, as {@code marginflow
 * generate --format parquet} writes it) in Spark ML's layout: {@code label} and a {@code features}
 * vector assembled by {@link VectorAssembler} (dense where a row has few zeros, as MLlib pipelines
 * write it): the same rows, in the order of Spark's read partitions (not the part files' names);
 * the dense-vector input of {@link ParquetIngestComparison} at scale.
 *
 * <p>Usage: {@code ColumnsToMlVectors IN OUT [MASTER]}.
 */
public final class ColumnsToMlVectors {

  private ColumnsToMlVectors() {}

  /** Converts. */
  public static void main(String[] args) {
    String in = args[0];
    String out = args[1];
    String master = args.length > 2 ? args[2] : "local[2]";
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-to-vectors"));
    Dataset<Row> columns = spark.read().parquet(in);
    String[] features =
        Arrays.stream(columns.columns()).filter(c -> !c.equals("label")).toArray(String[]::new);
    new VectorAssembler()
        .setInputCols(features)
        .setOutputCol("features")
        .transform(columns)
        .select("label", "features")
        .write()
        .parquet(out);
    System.out.printf(
        "wrote %s as label + features (%d columns) to %s%n", in, features.length, out);
    spark.stop();
  }
}

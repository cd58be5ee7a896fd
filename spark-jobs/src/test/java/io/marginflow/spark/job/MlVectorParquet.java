package io.marginflow.spark.job;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Test Parquet files in Spark ML's layout (a {@code label} double and a {@code features} vector),
 * written by Spark in part files of {@code perFile} rows and row groups of about 16 KiB, so that
 * later row groups and later files are exercised with small data.
 */
final class MlVectorParquet {
  private MlVectorParquet() {}

  /** Writes {@code rows} under {@code dir} and returns its part files in name order. */
  static List<String> write(
      SparkSession spark, List<Row> rows, Path dir, int perFile, HadoopConf conf)
      throws IOException {
    return write(spark, rows, dir, perFile, conf, true);
  }

  /**
   * The same; {@code compressed}: Spark's defaults (dictionary, snappy), else no compression and
   * the vectors' values plain (the labels keep their dictionary, from which a footer scan learns
   * that ±1 labels do not mix 0 and −1).
   */
  static List<String> write(
      SparkSession spark,
      List<Row> rows,
      Path dir,
      int perFile,
      HadoopConf conf,
      boolean compressed)
      throws IOException {
    StructType schema =
        new StructType()
            .add("label", DataTypes.DoubleType, false)
            .add("features", new VectorUDT(), false);
    spark
        .createDataFrame(rows, schema)
        .coalesce(1)
        .write()
        .option("maxRecordsPerFile", perFile)
        .option("parquet.block.size", 16 << 10)
        .option("parquet.enable.dictionary#features.values.list.element", compressed)
        .option("compression", compressed ? "snappy" : "none")
        .parquet(dir.toString());
    return InputFiles.expand(List.of(dir.toString()), conf.get());
  }
}

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
        .parquet(dir.toString());
    return InputFiles.expand(List.of(dir.toString()), conf.get());
  }
}

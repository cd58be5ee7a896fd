package io.marginflow.spark.job;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Where the scan pass over the input runs (see {@link SparkIngest}, and {@link ParquetIngest} for
 * Parquet): on Spark, as a run does; or in this JVM, file after file (Parquet: in a local session),
 * for a check that must answer without starting Spark (e.g. {@code marginflow check}, the service).
 * Both parse every line with the same code and return the same {@link InputFile} facts, or throw
 * the first bad line of a file as a {@link io.marginflow.common.io.DataFormatException} naming
 * {@code file:line}.
 */
@FunctionalInterface
public interface DataScanner {

  /** One {@link InputFile} per file, in order. */
  List<InputFile> scan(List<String> files, LineFormat format) throws IOException;

  /**
   * The scan as Spark tasks of the given context (one per file), for a run: Parquet files in Spark
   * ML's vector layout whose footers settle the facts are only fingerprinted, and their rows are
   * checked by the run's load, before the run writes anything ({@link
   * ParquetIngest#scan(SparkSession, List, ParquetColumns, HadoopConf, boolean)}).
   */
  static DataScanner spark(JavaSparkContext sc) {
    HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
    return (files, format) ->
        format.isParquet()
            ? ParquetIngest.scan(session(sc), files, format.parquet(), conf, true)
            : SparkIngest.scan(sc, files, format, conf);
  }

  /** The scan in this JVM (no Spark). */
  static DataScanner local(Configuration conf) {
    HadoopConf hc = new HadoopConf(conf);
    return (files, format) ->
        format.isParquet()
            ? ParquetIngest.scanLocal(files, format.parquet(), hc)
            : SparkIngest.scanLocal(files, format, hc);
  }

  /** The SQL session of a context (the one it was made for, or a new one sharing it). */
  static SparkSession session(JavaSparkContext sc) {
    return SparkSession.builder().config(sc.getConf()).getOrCreate();
  }
}

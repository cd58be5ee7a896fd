package io.marginflow.spark.job;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where the scan pass over line-oriented input runs (see {@link SparkIngest}): on Spark, one task
 * per file, as a run does; or in this JVM, file after file, for a check that must answer without
 * starting Spark (e.g. {@code marginflow check}, the service). Both parse every line with the same
 * code and return the same {@link InputFile} facts, or throw the first bad line of a file as a
 * {@link io.marginflow.common.io.DataFormatException} naming {@code file:line}.
 */
@FunctionalInterface
public interface DataScanner {

  /** One {@link InputFile} per file, in order. */
  List<InputFile> scan(List<String> files, LineFormat format) throws IOException;

  /** The scan as Spark tasks of the given context (one per file). */
  static DataScanner spark(JavaSparkContext sc) {
    HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
    return (files, format) -> SparkIngest.scan(sc, files, format, conf);
  }

  /** The scan in this JVM (no Spark). */
  static DataScanner local(Configuration conf) {
    HadoopConf hc = new HadoopConf(conf);
    return (files, format) -> SparkIngest.scanLocal(files, format, hc);
  }
}

package io.marginflow.bench.suite;

import java.io.File;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a LIBSVM file, replicated, as Parquet in Spark ML's layout ({@code label} and a {@code
 * features} vector column, as {@code spark.read.format("libsvm")} gives them): the sparse input of
 * {@link ParquetIngestComparison}.
 *
 * <p>Usage: {@code LibsvmToParquet IN OUT FEATURES COPIES FILES [MASTER]}.
 */
public final class LibsvmToParquet {

  private LibsvmToParquet() {}

  /** Converts. */
  public static void main(String[] args) {
    String in = args[0];
    String out = args[1];
    int features = Integer.parseInt(args[2]);
    int copies = Integer.parseInt(args[3]);
    int files = Integer.parseInt(args[4]);
    String master = args.length > 5 ? args[5] : "local[2]";
    SparkSession spark =
        BenchSpark.start(master, new File(System.getProperty("java.io.tmpdir"), "mf-to-parquet"));
    Dataset<Row> one =
        spark.read().format("libsvm").option("numFeatures", features).load(in).cache();
    Dataset<Row> all = one;
    for (int c = 1; c < copies; c++) {
      all = all.union(one);
    }
    all.repartition(files).write().parquet(out);
    System.out.printf("wrote %d rows to %s in %d files%n", one.count() * copies, out, files);
    spark.stop();
  }
}

package io.marginflow.spark.job;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.parquet.hadoop.ParquetInputFormat;
import org.apache.spark.internal.config.ConfigEntry;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport;
import org.apache.spark.sql.execution.datasources.parquet.ParquetReadSupport$;
import org.apache.spark.sql.execution.datasources.parquet.VectorizedParquetRecordReader;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Spark's vectorized Parquet reader ({@link VectorizedParquetRecordReader}, the reader behind
 * {@code spark.read.parquet}) over the row groups of one byte range of one file, projected to the
 * requested columns: column batches of up to {@link #BATCH_ROWS} rows, in file order, without a row
 * object per row. The reader is configured as Spark's Parquet source configures it ({@link
 * #configure}).
 */
final class ParquetBatchReader implements AutoCloseable {

  /** Rows per batch (Spark's default {@code spark.sql.parquet.columnarReaderBatchSize}). */
  static final int BATCH_ROWS = 4096;

  private final VectorizedParquetRecordReader reader;

  /**
   * Opens the row groups of {@code uri} whose midpoints lie in [{@code start}, {@code start +
   * length}), reading the columns of {@code requested}, with a configuration from {@link
   * #configure}.
   */
  ParquetBatchReader(
      String uri, long start, long length, StructType requested, Configuration configured)
      throws IOException {
    Configuration conf = new Configuration(configured);
    conf.set(ParquetReadSupport$.MODULE$.SPARK_ROW_REQUESTED_SCHEMA(), requested.json());
    reader = new VectorizedParquetRecordReader(false, BATCH_ROWS);
    try {
      reader.initialize(
          new FileSplit(new Path(uri), start, length, new String[0]),
          new TaskAttemptContextImpl(conf, new TaskAttemptID()));
      reader.initBatch(new StructType(), new GenericInternalRow(0));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reader.close();
      throw new IOException(uri + ": interrupted while opening", e);
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  /** The next batch, or null at the end; valid until the next call. */
  ColumnarBatch next() throws IOException {
    return reader.nextBatch() ? reader.resultBatch() : null;
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }

  /**
   * A copy of {@code base} with the settings Spark's Parquet source gives its readers (read support
   * class, schema conversion flags of the session).
   */
  static Configuration configure(SparkSession spark, Configuration base) {
    Configuration conf = new Configuration(base);
    conf.set(ParquetInputFormat.READ_SUPPORT_CLASS, ParquetReadSupport.class.getName());
    for (ConfigEntry<?> e :
        java.util.List.<ConfigEntry<?>>of(
            SQLConf.SESSION_LOCAL_TIMEZONE(),
            SQLConf.CASE_SENSITIVE(),
            SQLConf.NESTED_SCHEMA_PRUNING_ENABLED(),
            SQLConf.PARQUET_BINARY_AS_STRING(),
            SQLConf.PARQUET_INT96_AS_TIMESTAMP(),
            SQLConf.PARQUET_INFER_TIMESTAMP_NTZ_ENABLED(),
            SQLConf.LEGACY_PARQUET_NANOS_AS_LONG(),
            SQLConf.PARQUET_FIELD_ID_READ_ENABLED(),
            SQLConf.IGNORE_MISSING_PARQUET_FIELD_ID())) {
      conf.set(e.key(), spark.conf().get(e.key()));
    }
    return conf;
  }
}

package io.marginflow.spark.job;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * What the footer of one Parquet file says, read on the driver without a Spark job: the Spark
 * schema Spark wrote into it (null for files written by other tools, or when this Spark cannot read
 * it) and the row groups in file order, with their rows and byte ranges (a range holds exactly the
 * row group's midpoint, which is how Parquet's readers assign row groups to byte ranges).
 *
 * @param uri the file
 * @param schema the Spark schema stored in the footer, or null
 * @param groups the row groups in order
 */
public record ParquetFileMeta(String uri, StructType schema, List<RowGroup> groups)
    implements Serializable {

  /** The footer key under which Spark stores the schema of the rows it wrote. */
  static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  /** Copies the list. */
  public ParquetFileMeta {
    groups = List.copyOf(groups);
  }

  /**
   * One row group.
   *
   * @param rows its rows
   * @param start offset of its first column chunk
   * @param length its stored (compressed) bytes
   */
  public record RowGroup(long rows, long start, long length) implements Serializable {}

  /** Rows of the file. */
  public long rows() {
    return groups.stream().mapToLong(RowGroup::rows).sum();
  }

  /** Reads the footer of {@code uri} (once: {@link ParquetFooters}). */
  public static ParquetFileMeta read(String uri, Configuration conf) throws IOException {
    return of(ParquetFooters.of(uri, conf));
  }

  /** What {@code stored} says. */
  public static ParquetFileMeta of(ParquetFooter stored) throws IOException {
    String uri = stored.uri();
    ParquetMetadata footer = stored.metadata();
    List<RowGroup> groups = new ArrayList<>();
    for (BlockMetaData b : footer.getBlocks()) {
      groups.add(new RowGroup(b.getRowCount(), b.getStartingPos(), b.getCompressedSize()));
    }
    String json = footer.getFileMetaData().getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
    StructType schema = null;
    try {
      if (json != null && DataType.fromJson(json) instanceof StructType s) {
        schema = s;
      }
    } catch (RuntimeException unreadable) {
      // a type this Spark does not know: the caller asks Spark's source for the schema
    }
    return new ParquetFileMeta(uri, schema, groups);
  }
}

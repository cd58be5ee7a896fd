package io.marginflow.spark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelConventionCheck;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads Parquet input through Spark's Parquet source: Spark ML's layout (a numeric label and a
 * vector column) or numeric columns ({@link ParquetLayout}). The files are the part files of the
 * input in name order ({@link InputFiles#expand}); row r of file f gets the global index (rows of
 * the files before f) + r, with r from Spark's {@code _metadata.row_index}, so the same rows in the
 * same order give the same blocks, hence the same bits, as the LIBSVM file they came from.
 *
 * <p>The scan pass resolves each file's layout on the driver (missing or non-numeric column: an
 * error naming the file) and validates every row in parallel (null, NaN or infinite value, bad
 * label: an error naming the file, the 1-based row and the column), before anything is written; the
 * files are fingerprinted like any input ({@link FileFingerprint}). The load pass sends each row to
 * the partition of its global index ({@link RangeIndexPartitioner}), sorts by index and stacks the
 * rows into blocks exactly as {@link SparkIngest}'s load pass does.
 */
public final class ParquetIngest {

  private ParquetIngest() {}

  /** The scan pass on the session's executors: one {@link InputFile} per part file, in order. */
  public static List<InputFile> scan(
      SparkSession spark, List<String> files, ParquetColumns cols, HadoopConf conf)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Resolved resolved = resolve(spark, files, cols);
    ParquetLayout layout = resolved.layout();
    ParquetRowDecoder decoder = new ParquetRowDecoder(layout);
    List<String> names = List.copyOf(files);
    sc.setJobDescription("marginflow: scan " + files.size() + " parquet files");
    List<ParquetScan> parts;
    try {
      parts =
          frame(spark, files, resolved)
              .queryExecution()
              .toRdd()
              .toJavaRDD()
              .mapPartitions(it -> scanPartition(it, decoder, names))
              .collect();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      throw SparkIngest.unwrap(e);
    }
    ParquetScan[] perFile = new ParquetScan[files.size()];
    for (ParquetScan s : parts) {
      perFile[s.file()] = perFile[s.file()] == null ? s : perFile[s.file()].merge(s);
    }
    List<String> digests = FileFingerprint.of(sc, files, conf);
    List<InputFile> out = new ArrayList<>();
    long total = 0;
    for (int f = 0; f < files.size(); f++) {
      ParquetScan s =
          perFile[f] == null ? new ParquetScan(f, 0, 0, 0, 0, 0, 0, 0, null) : perFile[f];
      String file = files.get(f);
      if (s.error() != null) {
        throw new DataFormatException(file, s.errorRow(), s.error());
      }
      SparkIngest.checkLabels(new LabelConventionCheck(file), s.firstZero(), s.firstMinusOne());
      Path path = new Path(file);
      FileStatus st = path.getFileSystem(conf.get()).getFileStatus(path);
      int width = layout.isVector() ? s.maxIndex() : layout.columnCount();
      out.add(
          new InputFile(
              file,
              st.getLen(),
              st.getModificationTime(),
              digests.get(f),
              s.rows(),
              s.positives(),
              width,
              s.nonZeros(),
              List.of()));
      total += s.rows();
    }
    if (total == 0) {
      throw new DataFormatException(String.join(",", files), 0, "no data rows");
    }
    return out;
  }

  /**
   * The scan pass in a Spark session of this JVM (for {@code marginflow check}): the active session
   * if there is one, else a {@code local[1]} session started and stopped here.
   */
  public static List<InputFile> scanLocal(List<String> files, ParquetColumns cols, HadoopConf conf)
      throws IOException {
    boolean own = SparkSession.getActiveSession().isEmpty();
    SparkSession spark =
        own
            ? SparkSession.builder()
                .master("local[1]")
                .appName("marginflow check")
                .config("spark.ui.enabled", "false")
                .getOrCreate()
            : SparkSession.active();
    try {
      return scan(spark, files, cols, conf);
    } finally {
      if (own) {
        spark.stop();
      }
    }
  }

  /** The load pass: blocks of P partitions with contiguous global row ranges, in index order. */
  public static JavaRDD<RowBlock> load(
      SparkSession spark,
      List<InputFile> files,
      ParquetColumns cols,
      int features,
      int partitions,
      int blockRows,
      boolean sparse) {
    List<String> uris = files.stream().map(InputFile::uri).toList();
    Resolved resolved = resolve(spark, uris, cols);
    ParquetRowDecoder decoder = new ParquetRowDecoder(resolved.layout());
    long[] offsets = new long[files.size()];
    long n = 0;
    for (int f = 0; f < files.size(); f++) {
      offsets[f] = n;
      n += files.get(f).rows();
    }
    RangeIndexPartitioner target = new RangeIndexPartitioner(n, partitions);
    return frame(spark, uris, resolved)
        .queryExecution()
        .toRdd()
        .toJavaRDD()
        .mapPartitionsToPair(it -> indexed(it, decoder, uris, offsets, target))
        .repartitionAndSortWithinPartitions(target)
        .mapPartitions(it -> blocks(it, features, sparse, blockRows));
  }

  /** The layout of every file (they must agree); errors name the file. */
  static ParquetLayout layout(SparkSession spark, List<String> files, ParquetColumns cols) {
    return resolve(spark, files, cols).layout();
  }

  /** The files' layout and each file's schema (read once: Spark runs a job per schema). */
  private record Resolved(ParquetLayout layout, List<StructType> schemas) {}

  private static Resolved resolve(SparkSession spark, List<String> files, ParquetColumns cols) {
    ParquetLayout first = null;
    List<StructType> schemas = new ArrayList<>();
    for (String f : files) {
      StructType schema = spark.read().parquet(f).schema();
      ParquetLayout l = ParquetLayout.of(schema, cols, f);
      if (first == null) {
        first = l;
      } else if (!first.equals(l)) {
        throw new DataFormatException(
            f,
            0,
            "columns differ from "
                + files.get(0)
                + ": "
                + l.describe()
                + " vs "
                + first.describe());
      }
      schemas.add(schema);
    }
    if (first == null) {
      throw new IllegalArgumentException("data: no parquet files");
    }
    return new Resolved(first, schemas);
  }

  /** One frame over all files: file index, row index in the file, label, features. */
  private static Dataset<Row> frame(SparkSession spark, List<String> files, Resolved resolved) {
    ParquetLayout layout = resolved.layout();
    Dataset<Row> all = null;
    for (int f = 0; f < files.size(); f++) {
      List<Column> cols = new ArrayList<>();
      cols.add(lit(f).as("file"));
      cols.add(col("_metadata.row_index").as("row_index"));
      cols.add(col(layout.label()).cast("double").as("label"));
      if (layout.isVector()) {
        cols.add(col(layout.vector()));
      } else {
        for (String c : layout.columns()) {
          cols.add(col(c).cast("double"));
        }
      }
      Dataset<Row> one =
          spark
              .read()
              .schema(resolved.schemas().get(f))
              .parquet(files.get(f))
              .select(cols.toArray(Column[]::new));
      all = all == null ? one : all.union(one);
    }
    return all;
  }

  private static Iterator<ParquetScan> scanPartition(
      Iterator<InternalRow> it, ParquetRowDecoder decoder, List<String> files) {
    ParsedRow row = new ParsedRow();
    int file = -1;
    long rows = 0;
    long positives = 0;
    long nnz = 0;
    int maxIndex = 0;
    long firstZero = 0;
    long firstMinusOne = 0;
    while (it.hasNext()) {
      InternalRow r = it.next();
      file = r.getInt(0);
      long number = ParquetRowDecoder.rowNumber(r);
      try {
        decoder.decode(r, files.get(file), row);
      } catch (DataFormatException e) {
        return List.of(
                new ParquetScan(
                    file,
                    rows,
                    positives,
                    nnz,
                    maxIndex,
                    firstZero,
                    firstMinusOne,
                    number,
                    e.detail()))
            .iterator();
      }
      rows++;
      nnz += row.nnz();
      maxIndex = Math.max(maxIndex, row.maxIndex() + 1);
      if (row.label() > 0) {
        positives++;
      } else if (row.zeroLabelToken()) {
        firstZero = firstZero == 0 ? number : Math.min(firstZero, number);
      } else {
        firstMinusOne = firstMinusOne == 0 ? number : Math.min(firstMinusOne, number);
      }
      maxIndex = Math.max(maxIndex, decoder.storedWidth(r));
    }
    if (file < 0) {
      return List.<ParquetScan>of().iterator();
    }
    return List.of(
            new ParquetScan(
                file, rows, positives, nnz, maxIndex, firstZero, firstMinusOne, 0, null))
        .iterator();
  }

  /** Rows per shuffled chunk (a few MiB at most for dense rows of a few hundred features). */
  static final int CHUNK_ROWS = 2048;

  /**
   * The rows of one Spark partition as chunks of consecutive global indices, each within one target
   * partition, keyed by its first index.
   */
  private static Iterator<Tuple2<Long, RowChunk>> indexed(
      Iterator<InternalRow> it,
      ParquetRowDecoder decoder,
      List<String> files,
      long[] offsets,
      RangeIndexPartitioner target) {
    ParsedRow row = new ParsedRow();
    RowChunk.Builder chunk = new RowChunk.Builder(CHUNK_ROWS);
    List<Tuple2<Long, RowChunk>> ready = new ArrayList<>();
    return new Iterator<>() {
      private int part = -1;

      @Override
      public boolean hasNext() {
        fill();
        return !ready.isEmpty();
      }

      @Override
      public Tuple2<Long, RowChunk> next() {
        fill();
        if (ready.isEmpty()) {
          throw new java.util.NoSuchElementException();
        }
        return ready.remove(0);
      }

      private void fill() {
        while (ready.isEmpty() && it.hasNext()) {
          InternalRow r = it.next();
          int f = r.getInt(0);
          decoder.decode(r, files.get(f), row);
          long index = offsets[f] + r.getLong(1);
          int p = target.getPartition(index);
          if (chunk.breaksAt(index) || (!chunk.isEmpty() && p != part)) {
            RowChunk c = chunk.take();
            ready.add(new Tuple2<>(c.first(), c));
          }
          part = p;
          chunk.add(index, row.label(), row.indices(), row.values(), row.nnz());
        }
        if (ready.isEmpty() && !it.hasNext() && !chunk.isEmpty()) {
          RowChunk c = chunk.take();
          ready.add(new Tuple2<>(c.first(), c));
        }
      }
    };
  }

  private static Iterator<RowBlock> blocks(
      Iterator<Tuple2<Long, RowChunk>> it, int features, boolean sparse, int blockRows) {
    RowBlockBuilder builder = new RowBlockBuilder(features, sparse, blockRows);
    int[] idx = new int[16];
    double[] val = new double[16];
    while (it.hasNext()) {
      RowChunk c = it.next()._2();
      for (int r = 0; r < c.rows(); r++) {
        int from = c.rowPtr()[r];
        int nnz = c.rowPtr()[r + 1] - from;
        if (nnz > idx.length) {
          idx = new int[Math.max(nnz, 2 * idx.length)];
          val = new double[idx.length];
        }
        System.arraycopy(c.indices(), from, idx, 0, nnz);
        System.arraycopy(c.values(), from, val, 0, nnz);
        builder.addSparse(c.first() + r, c.labels()[r], idx, val, nnz);
      }
    }
    return builder.finish().iterator();
  }
}

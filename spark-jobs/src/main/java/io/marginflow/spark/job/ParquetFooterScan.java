package io.marginflow.spark.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.DictionaryPageReadStore;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The scan facts of one Parquet file in Spark ML's vector layout read from its footer, without
 * decoding a row (see {@link ParquetIngest#scan(org.apache.spark.sql.SparkSession, java.util.List,
 * ParquetColumns, HadoopConf, boolean)}): per row group, the rows; the statistics of the vector's
 * {@code type} column (min = max = 0, no nulls: every vector is sparse and none is null); the value
 * and null counts of the {@code indices} and {@code values} element columns (their difference: the
 * stored entries, equal in both) and the {@code indices} minimum and maximum (≥ 0; maximum + 1: the
 * largest 1-based feature index). The label column must hold no null, and the file must not mix the
 * negative labels 0 and −1: its statistics say so (minimum above −1 or maximum below 0), or else
 * the label dictionaries of every row group do (double labels written with a dictionary only, as
 * Spark writes them).
 *
 * <p>Dense vectors ({@code type} min = max = 1 in every row group, as {@code VectorAssembler}
 * writes them when they are dense) are settled too when every row group stores rows × k values for
 * one k: the feature count is k, and the stored values (rows × k) stand for the non-zeros, an upper
 * bound ({@link ParquetScan#loadCountsNonZeros()}); the load checks that every vector holds k
 * values and counts the real non-zeros, from which a run picks dense or CSR blocks ({@link
 * DataLoader}).
 *
 * <p>Numeric columns ({@code --label-column}, {@code --feature-columns}) are settled the same way
 * when the label and every feature column record no nulls in every row group: the width is the
 * column count, the non-zeros stand at rows × columns (an upper bound, flagged as for dense
 * vectors); the load checks each value (NaN, infinite) and label and counts the non-zeros.
 *
 * <p>Anything missing or inconclusive (no statistics, sparse and dense row groups in one file, a
 * null vector, a negative index, labels the footer cannot rule out mixing) gives null: the caller
 * then decodes the file as before. The facts that only decoding gives are left to the load, which
 * checks every row as it decodes it ({@link ParquetBlockStream}): labels other than 1, −1, 0, NaN
 * or infinite values, indices not increasing. The positives are unknown (−1); the load counts them.
 */
final class ParquetFooterScan {

  private ParquetFooterScan() {}

  /**
   * The facts of file {@code file} (its {@code footer}, read once: {@link ParquetFooters}; layout
   * {@code layout}), or null when its footer does not settle them. The file is opened only when its
   * label dictionaries must be read.
   */
  static ParquetScan of(int file, ParquetFooter footer, ParquetLayout layout, Configuration conf)
      throws IOException {
    Footer reader = new Footer(footer, conf);
    try (reader) {
      if (!layout.isVector()) {
        return columns(file, reader, layout);
      }
      long rows = 0;
      long nnz = 0;
      int maxIndex = 0;
      LabelRange labels = new LabelRange();
      boolean first = true;
      boolean dense = false;
      for (BlockMetaData block : reader.getFooter().getBlocks()) {
        if (block.getRowCount() == 0) {
          continue;
        }
        ColumnChunkMetaData label = chunk(block, layout.label(), null);
        ColumnChunkMetaData type = chunk(block, layout.vector(), "type");
        ColumnChunkMetaData indices = chunk(block, layout.vector(), "indices");
        ColumnChunkMetaData values = chunk(block, layout.vector(), "values");
        if (label == null
            || type == null
            || indices == null
            || values == null
            || nulls(label) != 0
            || nulls(type) != 0
            || min(type) != max(type)
            || !(min(type) == 0.0 || min(type) == 1.0)) {
          return null;
        }
        boolean denseGroup = min(type) == 1.0;
        if (first) {
          dense = denseGroup;
          first = false;
        } else if (dense != denseGroup) {
          return null; // sparse and dense row groups: decode
        }
        if (dense) {
          long count = entries(values);
          long n = block.getRowCount();
          if (count <= 0 || count % n != 0 || count / n >= Integer.MAX_VALUE) {
            return null;
          }
          int k = (int) (count / n);
          if (maxIndex != 0 && k != maxIndex) {
            return null; // row groups of different widths: decode
          }
          maxIndex = k; // every vector's length: the load checks it
        }
        long stored = dense ? 0 : entries(indices);
        if (stored < 0 || (!dense && stored != entries(values))) {
          return null;
        }
        if (stored > 0) {
          double lo = min(indices);
          double hi = max(indices);
          if (!(lo >= 0) || !(hi < Integer.MAX_VALUE)) {
            return null; // a negative index (the decoding scan names its row) or no statistics
          }
          maxIndex = Math.max(maxIndex, (int) hi + 1);
        }
        if (!labels.add(label)) {
          return null;
        }
        rows += block.getRowCount();
        nnz += stored;
      }
      if (labels.mayMixNegatives() && mixesNegativeLabels(reader, layout.label())) {
        return null;
      }
      if (dense) {
        return new ParquetScan(file, rows, -1, rows * maxIndex, maxIndex, 0, 0, 0, null, true);
      }
      return new ParquetScan(file, rows, -1, nnz, maxIndex, 0, 0, 0, null);
    }
  }

  /**
   * The facts of a file of numeric columns: every row group's label and feature column chunks
   * record no nulls, the labels cannot mix 0 and −1; the width is the column count and the
   * non-zeros stand at rows × columns (an upper bound: the load counts them, as for dense vectors).
   */
  private static ParquetScan columns(int file, Footer reader, ParquetLayout layout)
      throws IOException {
    long rows = 0;
    LabelRange labels = new LabelRange();
    for (BlockMetaData block : reader.getFooter().getBlocks()) {
      if (block.getRowCount() == 0) {
        continue;
      }
      ColumnChunkMetaData label = chunk(block, layout.label(), null);
      if (label == null || nulls(label) != 0) {
        return null;
      }
      for (String c : layout.columns()) {
        ColumnChunkMetaData column = chunk(block, c, null);
        if (column == null || nulls(column) != 0) {
          return null; // a null (the decoding scan names its row) or no statistics
        }
      }
      if (!labels.add(label)) {
        return null;
      }
      rows += block.getRowCount();
    }
    if (labels.mayMixNegatives() && mixesNegativeLabels(reader, layout.label())) {
      return null;
    }
    int width = layout.columnCount();
    return new ParquetScan(file, rows, -1, rows * width, width, 0, 0, 0, null, true);
  }

  /**
   * The compressed bytes and the stored values of the feature values of the file of {@code stored}
   * over its row groups: the chunks of the vector's {@code values} element column, or of the
   * feature columns. Zeros compress well (long runs of a dictionary id, or of zero bytes), so their
   * ratio hints at the share of non-zeros before anything is decoded ({@link
   * ParquetIngest#looksSparse}).
   */
  static long[] valueBytes(ParquetFooter stored, ParquetLayout layout) throws IOException {
    long bytes = 0;
    long values = 0;
    for (BlockMetaData block : stored.metadata().getBlocks()) {
      List<ColumnChunkMetaData> chunks = new ArrayList<>();
      if (layout.isVector()) {
        chunks.add(chunk(block, layout.vector(), "values"));
      } else {
        for (String c : layout.columns()) {
          chunks.add(chunk(block, c, null));
        }
      }
      for (ColumnChunkMetaData c : chunks) {
        if (c != null) {
          bytes += c.getTotalSize();
          values += c.getValueCount();
        }
      }
    }
    return new long[] {bytes, values};
  }

  /**
   * True unless the label dictionaries of every row group show that the file does not hold both 0
   * and −1 (no dictionary, or pages written without it: true).
   */
  private static boolean mixesNegativeLabels(Footer footer, String label) throws IOException {
    ParquetFileReader reader = footer.reader();
    TreeSet<Double> seen = new TreeSet<>();
    ColumnDescriptor column =
        reader.getFooter().getFileMetaData().getSchema().getColumnDescription(new String[] {label});
    for (BlockMetaData block : reader.getFooter().getBlocks()) {
      if (block.getRowCount() == 0) {
        continue;
      }
      ColumnChunkMetaData c = chunk(block, label, null);
      if (c.getPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.DOUBLE
          || !c.hasDictionaryPage()
          || c.getEncodingStats() == null
          || c.getEncodingStats().hasNonDictionaryEncodedPages()) {
        return true;
      }
      DictionaryPageReadStore store = reader.getDictionaryReader(block);
      DictionaryPage page = store == null ? null : store.readDictionaryPage(column);
      if (page == null) {
        return true;
      }
      Dictionary d = page.getEncoding().initDictionary(column, page);
      for (int id = 0; id <= d.getMaxId(); id++) {
        seen.add(d.decodeToDouble(id));
      }
    }
    return seen.contains(-1.0) && (seen.contains(0.0) || seen.contains(-0.0));
  }

  /**
   * The chunk of the leaf column {@code top} (no {@code child}) or of the one leaf under {@code
   * top.child}, or null.
   */
  private static ColumnChunkMetaData chunk(BlockMetaData block, String top, String child) {
    ColumnChunkMetaData found = null;
    for (ColumnChunkMetaData c : block.getColumns()) {
      if (isLeaf(c.getPath().toArray(), top, child)) {
        if (found != null) {
          return null;
        }
        found = c;
      }
    }
    return found;
  }

  /** True when {@code path} is the leaf column {@code top} (no {@code child}) or under it. */
  static boolean isLeaf(String[] path, String top, String child) {
    return child == null
        ? path.length == 1 && path[0].equals(top)
        : path.length >= 2 && path[0].equals(top) && path[1].equals(child);
  }

  /** The chunk's null count, or −1 when it was not recorded. */
  private static long nulls(ColumnChunkMetaData c) {
    Statistics<?> s = c.getStatistics();
    return s != null && s.isNumNullsSet() ? s.getNumNulls() : -1;
  }

  /** Stored entries of a list's element column (empty lists count as nulls), or −1. */
  private static long entries(ColumnChunkMetaData c) {
    long n = nulls(c);
    return n < 0 ? -1 : c.getValueCount() - n;
  }

  private static double min(ColumnChunkMetaData c) {
    Statistics<?> s = c.getStatistics();
    return s != null && s.hasNonNullValue() ? number(s.genericGetMin()) : Double.NaN;
  }

  private static double max(ColumnChunkMetaData c) {
    Statistics<?> s = c.getStatistics();
    return s != null && s.hasNonNullValue() ? number(s.genericGetMax()) : Double.NaN;
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  /** The range of a file's labels over its row groups, from the label chunks' statistics. */
  private static final class LabelRange {
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;

    /** Adds a row group's label chunk; false when its statistics give no range. */
    boolean add(ColumnChunkMetaData label) {
      double lmin = min(label);
      double lmax = max(label);
      if (Double.isNaN(lmin) || Double.isNaN(lmax)) {
        return false;
      }
      min = Math.min(min, lmin);
      max = Math.max(max, lmax);
      return true;
    }

    /** True if the range holds both a label ≤ −1 and one ≥ 0 (so 0 and −1 might both occur). */
    boolean mayMixNegatives() {
      return min <= -1.0 && max >= 0.0;
    }
  }

  /**
   * A file's parsed footer, and a reader of the file (for its label dictionaries) opened with it
   * only when asked for.
   */
  private static final class Footer implements AutoCloseable {
    private final ParquetFooter stored;
    private final Configuration conf;
    private ParquetFileReader reader;

    Footer(ParquetFooter stored, Configuration conf) {
      this.stored = stored;
      this.conf = conf;
    }

    ParquetMetadata getFooter() throws IOException {
      return stored.metadata();
    }

    ParquetFileReader reader() throws IOException {
      if (reader == null) {
        reader = stored.open(conf);
      }
      return reader;
    }

    @Override
    public void close() throws IOException {
      if (reader != null) {
        reader.close();
      }
    }
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelConventionCheck;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Parquet input with Spark's vectorized Parquet reader ({@link ParquetBatchReader}): Spark
 * ML's layout (a numeric label and a vector column) or numeric columns ({@link ParquetLayout}). The
 * files are the part files of the input in name order ({@link InputFiles#expand}); their rows are
 * numbered in (file, row group, row) order, so the same rows in the same order give the same
 * blocks, hence the same bits, as the LIBSVM file they came from.
 *
 * <p>On the driver, each file's footer gives its schema and row groups ({@link ParquetFileMeta});
 * the layout is resolved per file (a missing or non-numeric column: an error naming the file). The
 * scan pass reads every row group in parallel, column batch by column batch, and validates every
 * row (null, NaN or infinite value, bad label: an error naming the file, the 1-based row and the
 * column) before anything is written; the files are fingerprinted like any input ({@link
 * FileFingerprint}, its chunks hashed by tasks of the same job). A run's scan decodes only the
 * files whose footers do not settle its facts ({@link ParquetFooterScan}: Spark ML's layout with
 * sparse vectors, as Spark's {@code libsvm} source writes them); the rows of the others are decoded
 * once, by the load, which checks each row as the scan does (a run loads before it creates its run
 * directory, so a bad row still fails it before anything is written). The load pass gives partition
 * p the global rows [⌈p·n/P⌉, ⌈(p+1)·n/P⌉) as {@link SparkIngest}'s does ({@link PartitionPlan}, a
 * row group standing for a split): its task reads the row groups that hold them, skips the rows
 * before its range and streams its rows, in index order, into blocks. No shuffle and no row object
 * per row.
 */
public final class ParquetIngest {
  private static final Logger LOG = LoggerFactory.getLogger(ParquetIngest.class);

  private ParquetIngest() {}

  /** One row group to scan: file index, row group index, byte range, rows before it, its rows. */
  record Unit(String uri, int file, int group, long start, long length, long rowBase, long rows)
      implements Serializable {}

  /** The class of the scan tasks (for Kryo registration). */
  public static Class<?> unitClass() {
    return Unit.class;
  }

  /**
   * The scan pass on the session's executors: one {@link InputFile} per part file, in order, every
   * row decoded and checked (as {@code marginflow check} needs).
   */
  public static List<InputFile> scan(
      SparkSession spark, List<String> files, ParquetColumns cols, HadoopConf conf)
      throws IOException {
    return scan(spark, files, cols, conf, false);
  }

  /**
   * The scan pass; with {@code footers}, the files in Spark ML's vector layout whose footers settle
   * the scan's facts ({@link ParquetFooterScan}) are only fingerprinted, not decoded: their rows
   * are then checked by the load, as it decodes them (a run loads before it writes anything), and
   * their positives are unknown (−1). The other files are decoded and checked here.
   */
  public static List<InputFile> scan(
      SparkSession spark, List<String> files, ParquetColumns cols, HadoopConf conf, boolean footers)
      throws IOException {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Resolved resolved = resolve(spark, files, cols, conf.get());
    ParquetScan[] perFile = new ParquetScan[files.size()];
    if (footers) {
      for (int f = 0; f < files.size(); f++) {
        perFile[f] =
            ParquetFooterScan.of(f, resolved.footers().get(f), resolved.layout(), conf.get());
      }
      denseOnlyWhenAll(perFile);
    }
    List<Unit> units = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      if (perFile[f] != null) {
        continue; // settled by its footer
      }
      long base = 0;
      List<ParquetFileMeta.RowGroup> groups = resolved.metas().get(f).groups();
      for (int g = 0; g < groups.size(); g++) {
        ParquetFileMeta.RowGroup rg = groups.get(g);
        units.add(new Unit(files.get(f), f, g, rg.start(), rg.length(), base, rg.rows()));
        base += rg.rows();
      }
    }
    if (footers) {
      LOG.info(
          "parquet scan: {} of {} files settled by their footers (rows checked by the load), {} row"
              + " groups to decode",
          files.size() - units.stream().mapToInt(Unit::file).distinct().count(),
          files.size(),
          units.size());
    }
    List<ParquetBatchDecoder> decoders = resolved.decoders();
    HadoopConf readConf = readerConf(spark, conf);
    // One job: the row groups to scan and the fingerprint chunks to hash, as tasks side by side.
    // lengths and modification times as the footers were read (no more calls to the file system)
    List<ParquetFooter> footerFiles = resolved.footers();
    long[] lengths = footerFiles.stream().mapToLong(ParquetFooter::length).toArray();
    List<FileFingerprint.Chunk> chunks =
        FileFingerprint.chunks(files, lengths, FileFingerprint.CHUNK_BYTES);
    List<Object> tasks = new ArrayList<>(units);
    tasks.addAll(chunks);
    sc.setJobDescription(
        "marginflow: scan "
            + units.size()
            + " row groups and fingerprint "
            + files.size()
            + " parquet files");
    List<Object> results;
    try {
      results =
          sc.parallelize(tasks, tasks.size())
              .map(
                  t ->
                      t instanceof Unit u
                          ? (Object) scanGroup(u, decoders.get(u.file()), readConf)
                          : FileFingerprint.digest((FileFingerprint.Chunk) t, conf))
              .collect();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      throw SparkIngest.unwrap(e);
    }
    List<byte[]> chunkDigests = new ArrayList<>();
    for (Object r : results) {
      if (r instanceof ParquetScan s) {
        perFile[s.file()] = perFile[s.file()] == null ? s : perFile[s.file()].merge(s);
      } else {
        chunkDigests.add((byte[]) r);
      }
    }
    List<String> digests = FileFingerprint.assemble(files.size(), chunks, chunkDigests);
    ParquetLayout layout = resolved.layout();
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
      ParquetFooter st = footerFiles.get(f);
      int width = layout.isVector() ? s.maxIndex() : layout.columnCount();
      out.add(
          new InputFile(
              file,
              st.length(),
              st.modified(),
              digests.get(f),
              s.rows(),
              s.positives(),
              width,
              s.nonZeros(),
              splits(f, resolved.metas().get(f)),
              s.loadCountsNonZeros()));
      total += s.rows();
    }
    if (total == 0) {
      throw new DataFormatException(String.join(",", files), 0, "no data rows");
    }
    return out;
  }

  /**
   * Footer facts of dense vectors count only when every file has them: their non-zeros are known
   * only after the load, which then counts them for all the files (else those files are decoded).
   */
  private static void denseOnlyWhenAll(ParquetScan[] perFile) {
    boolean any = false;
    boolean all = true;
    for (ParquetScan s : perFile) {
      any |= s != null && s.loadCountsNonZeros();
      all &= s != null && s.loadCountsNonZeros();
    }
    if (any && !all) {
      for (int f = 0; f < perFile.length; f++) {
        perFile[f] = perFile[f] != null && perFile[f].loadCountsNonZeros() ? null : perFile[f];
      }
    }
  }

  /** The row groups of file {@code f} as splits of one row per line (for {@link PartitionPlan}). */
  private static List<InputFile.Split> splits(int f, ParquetFileMeta meta) {
    List<InputFile.Split> out = new ArrayList<>();
    List<ParquetFileMeta.RowGroup> groups = meta.groups();
    for (int g = 0; g < groups.size(); g++) {
      ParquetFileMeta.RowGroup rg = groups.get(g);
      out.add(
          new InputFile.Split(
              new LineSplit(meta.uri(), f, g, rg.start(), rg.length(), true),
              rg.rows(),
              rg.rows()));
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

  /**
   * The load pass: blocks of P partitions with contiguous global row ranges, in index order, from
   * the files of the scan pass (whose splits are their row groups). The vectors of files whose
   * dense-vector facts came from their footers ({@link InputFile#loadCountsNonZeros()}) must each
   * hold the file's {@code maxIndex} values: a vector of another length fails the task naming its
   * row. Such files are read without the vectors' {@code size} and {@code indices} ({@link
   * ParquetBatchDecoder#denseOnly}): Spark's reader decodes only their {@code type} and {@code
   * values}.
   */
  public static JavaRDD<RowBlock> load(
      SparkSession spark,
      List<InputFile> files,
      ParquetColumns cols,
      int features,
      int partitions,
      int blockRows,
      boolean sparse) {
    return load(spark, files, cols, features, partitions, blockRows, sparse, false);
  }

  /**
   * As {@link #load(SparkSession, List, ParquetColumns, int, int, int, boolean)}; with {@code
   * floatBlocks} ({@code --feature-storage float}) the full blocks read one column chunk at a time
   * are built in single precision directly ({@link RowBlockBuilder#addDenseColumns(long, int,
   * io.marginflow.common.data.DenseColumnSource, boolean)}), the same blocks {@link
   * io.marginflow.common.data.FloatStorage#compact} gives; other blocks come in double.
   */
  public static JavaRDD<RowBlock> load(
      SparkSession spark,
      List<InputFile> files,
      ParquetColumns cols,
      int features,
      int partitions,
      int blockRows,
      boolean sparse,
      boolean floatBlocks) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> uris = files.stream().map(InputFile::uri).toList();
    Configuration hadoop = sc.hadoopConfiguration();
    Resolved resolved;
    try {
      resolved = resolve(spark, uris, cols, hadoop);
    } catch (IOException e) {
      throw new IllegalStateException("reading the parquet footers again: " + e.getMessage(), e);
    }
    HadoopConf readConf = readerConf(spark, new HadoopConf(hadoop));
    List<PartitionPlan> plans = PartitionPlan.of(files, partitions);
    int[] widths =
        files.stream().mapToInt(f -> f.loadCountsNonZeros() ? f.maxIndex() : 0).toArray();
    // files of dense vectors by their footers: read without the vectors' size and indices
    List<ParquetBatchDecoder> decoders = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      ParquetBatchDecoder d = resolved.decoders().get(f);
      decoders.add(widths[f] > 0 ? d.denseOnly() : d);
    }
    List<ParquetFooter> footers = resolved.footers(); // shipped: tasks do not read them again
    return sc.parallelize(plans, partitions)
        .flatMap(
            plan ->
                new ParquetBlockStream(
                    plan,
                    decoders,
                    footers,
                    widths,
                    readConf,
                    features,
                    sparse,
                    blockRows,
                    floatBlocks));
  }

  /**
   * Compressed bytes per stored feature value below which the values hint at fewer non-zeros than
   * the dense/CSR rule allows ({@link TrainJob#isSparse}: 0.3 per value): 0.3 × the 8 bytes of a
   * double, as if a zero took no room and a non-zero its full width.
   */
  static final double SPARSE_HINT_BYTES = 0.3 * Double.BYTES;

  /**
   * A guess from the footers alone at the layout the dense/CSR rule will pick for files whose
   * non-zeros the load counts ({@link InputFile#loadCountsNonZeros()}): true when their feature
   * values take fewer than {@link #SPARSE_HINT_BYTES} compressed bytes each ({@link
   * ParquetFooterScan#valueBytes}). A run loads the layout guessed and converts its cached blocks
   * when the exact count says otherwise ({@link CsrConversion}), so the guess changes the cost of
   * the load, never its blocks.
   */
  public static boolean looksSparse(
      SparkSession spark, List<InputFile> files, ParquetColumns cols, HadoopConf conf)
      throws IOException {
    List<String> uris = files.stream().map(InputFile::uri).toList();
    Resolved resolved = resolve(spark, uris, cols, conf.get());
    long bytes = 0;
    long values = 0;
    for (ParquetFooter footer : resolved.footers()) {
      long[] b = ParquetFooterScan.valueBytes(footer, resolved.layout());
      bytes += b[0];
      values += b[1];
    }
    boolean sparse = values > 0 && bytes < SPARSE_HINT_BYTES * values;
    LOG.info(
        "parquet feature values: {} compressed bytes for {} values: load {} blocks first",
        bytes,
        values,
        sparse ? "CSR" : "dense");
    return sparse;
  }

  /**
   * The files' layout, footers (as stored and as read) and decoders (one per file: column types may
   * differ).
   */
  private record Resolved(
      ParquetLayout layout,
      List<ParquetFooter> footers,
      List<ParquetFileMeta> metas,
      List<ParquetBatchDecoder> decoders) {}

  private static Resolved resolve(
      SparkSession spark, List<String> files, ParquetColumns cols, Configuration conf)
      throws IOException {
    ParquetLayout first = null;
    List<ParquetFileMeta> metas = new ArrayList<>();
    List<ParquetBatchDecoder> decoders = new ArrayList<>();
    List<ParquetFooter> footers = ParquetFooters.of(files, conf);
    for (int i = 0; i < files.size(); i++) {
      String f = files.get(i);
      ParquetFileMeta meta = ParquetFileMeta.of(footers.get(i));
      // Files not written by Spark carry no Spark schema: Spark's source converts theirs.
      StructType schema = meta.schema() != null ? meta.schema() : spark.read().parquet(f).schema();
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
      metas.add(meta);
      decoders.add(new ParquetBatchDecoder(l, schema));
    }
    if (first == null) {
      throw new IllegalArgumentException("data: no parquet files");
    }
    return new Resolved(first, footers, metas, decoders);
  }

  private static HadoopConf readerConf(SparkSession spark, HadoopConf conf) {
    return new HadoopConf(ParquetBatchReader.configure(spark, conf.get()));
  }

  private static ParquetScan scanGroup(Unit u, ParquetBatchDecoder decoder, HadoopConf conf)
      throws IOException {
    ParsedRow row = new ParsedRow();
    long rows = 0;
    long positives = 0;
    long nnz = 0;
    int maxIndex = 0;
    long firstZero = 0;
    long firstMinusOne = 0;
    try (ParquetBatchReader in =
        new ParquetBatchReader(u.uri(), u.start(), u.length(), decoder.requested(), conf.get())) {
      ColumnarBatch b;
      while ((b = in.next()) != null) {
        if (decoder.columnar()) {
          ParquetBatchDecoder.BatchCheck c = decoder.check(b);
          long base = u.rowBase() + rows + 1; // row number of the batch's first row
          if (c.bad() >= 0) {
            try {
              decoder.decode(b, c.bad(), u.uri(), base + c.bad(), row);
            } catch (DataFormatException e) {
              return new ParquetScan(u.file(), rows, 0, 0, 0, 0, 0, base + c.bad(), e.detail());
            }
            throw new IllegalStateException(u.uri() + ": row " + (base + c.bad()) + " passed");
          }
          rows += b.numRows();
          positives += c.positives();
          nnz += c.nonZeros();
          maxIndex = decoder.storedWidth(b, 0, null);
          firstZero = firstZero == 0 && c.firstZero() >= 0 ? base + c.firstZero() : firstZero;
          firstMinusOne =
              firstMinusOne == 0 && c.firstMinusOne() >= 0
                  ? base + c.firstMinusOne()
                  : firstMinusOne;
          continue;
        }
        ParquetVectorRows view = decoder.vectorRows(b);
        for (int i = 0; i < b.numRows(); i++) {
          long number = u.rowBase() + rows + 1;
          try {
            decoder.decode(b, i, u.uri(), number, row, view);
          } catch (DataFormatException e) {
            return new ParquetScan(
                u.file(),
                rows,
                positives,
                nnz,
                maxIndex,
                firstZero,
                firstMinusOne,
                number,
                e.detail());
          }
          rows++;
          nnz += row.nnz();
          maxIndex =
              Math.max(maxIndex, Math.max(row.maxIndex() + 1, decoder.storedWidth(b, i, view)));
          if (row.label() > 0) {
            positives++;
          } else if (row.zeroLabelToken()) {
            firstZero = firstZero == 0 ? number : firstZero;
          } else {
            firstMinusOne = firstMinusOne == 0 ? number : firstMinusOne;
          }
        }
      }
    }
    if (rows != u.rows()) {
      throw new IllegalStateException(
          u.uri()
              + ": row group "
              + u.group()
              + " read "
              + rows
              + " rows, its footer says "
              + u.rows());
    }
    return new ParquetScan(
        u.file(), rows, positives, nnz, maxIndex, firstZero, firstMinusOne, 0, null);
  }
}

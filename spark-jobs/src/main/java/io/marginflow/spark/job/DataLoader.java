package io.marginflow.spark.job;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.FloatStorage;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.DigitLabels;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the data settings of a run into cached block RDDs: line formats through {@link
 * SparkIngest}, MNIST IDX files read on the driver and distributed, and the teacher–student
 * generator evaluated row by row on the executors (row i is a pure function of (seed, i)). Blocks
 * are persisted {@code MEMORY_AND_DISK} and materialized once.
 */
public final class DataLoader {
  private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);

  private final JavaSparkContext sc;
  private final HadoopConf conf;
  private final TrainConfig config;

  /** A loader for the given run. */
  public DataLoader(JavaSparkContext sc, TrainConfig config) {
    this.sc = sc;
    this.conf = new HadoopConf(sc.hadoopConfiguration());
    this.config = config;
  }

  /** Number of partitions to use: the configured count or Spark's default parallelism. */
  public int partitions() {
    int p = config.cluster().partitions();
    return p > 0 ? p : Math.max(1, sc.defaultParallelism());
  }

  /**
   * The scan pass over the training (and test) files, as a run makes it ({@link DataScanner#spark}:
   * LIBSVM/CSV lines, or Parquet files, whose footers may settle the facts): validates the input
   * before anything is written. Returns the file facts; generated/IDX data return an empty list.
   */
  public List<InputFile> scan(List<String> uris) throws IOException {
    if (uris.isEmpty() || config.data().format().equals("idx")) {
      return List.of();
    }
    List<String> files = InputFiles.expand(uris, conf.get());
    return DataScanner.spark(sc).scan(files, lineFormat(config.data().features()));
  }

  /** The feature count: declared, or the largest index seen in the scanned files. */
  public int features(List<InputFile> trainFiles, List<InputFile> testFiles) {
    if (config.data().generated()) {
      return config.data().generatorFeatures();
    }
    if (config.data().format().equals("idx")) {
      return 0; // from the IDX header
    }
    int declared = config.data().features();
    int seen = 0;
    for (InputFile f : trainFiles) {
      seen = Math.max(seen, f.maxIndex());
    }
    for (InputFile f : testFiles) {
      seen = Math.max(seen, f.maxIndex());
    }
    if (declared > 0 && seen > declared) {
      throw new IllegalArgumentException(
          "features: declared " + declared + " but the data use index " + seen);
    }
    return declared > 0 ? declared : seen;
  }

  /** Loads, caches and materializes one split. */
  public IngestedData load(
      List<InputFile> files,
      List<String> uris,
      int features,
      boolean sparse,
      int blockRows,
      boolean test)
      throws IOException {
    int p = partitions();
    boolean countNonZeros = false;
    JavaRDD<RowBlock> blocks;
    String description;
    if (config.data().generated()) {
      if (test) {
        throw new IllegalStateException("generated data have no test split");
      }
      TeacherStudentConfig tc = config.generatorConfig();
      TeacherStudentGenerator gen = new TeacherStudentGenerator(tc);
      blocks = generated(gen, tc.rows(), p, sparse, blockRows);
      description = gen.describe();
    } else if (config.data().format().equals("idx")) {
      Dataset ds = readIdx(uris, test, blockRows);
      List<RowBlock> rebuilt = repartition(ds, p, blockRows);
      blocks = sc.parallelize(rebuilt, p);
      description = String.join(",", uris) + " (IDX, labels " + config.data().labels() + ")";
    } else if (config.data().format().equals("parquet")) {
      countNonZeros = countsNonZeros(files, sparse, test);
      if (countNonZeros && config.data().floatStorage()) {
        // Float blocks cannot tell a value that rounds to zero from a zero: decode to count.
        files = ParquetIngest.scan(DataScanner.session(sc), uris(files), parquet(features), conf);
        sparse = TrainJob.isSparse(files, Math.max(features, 1));
        countNonZeros = false;
      }
      if (countNonZeros) {
        // The footers' hint picks the layout to load first; the exact count below decides.
        sparse = ParquetIngest.looksSparse(DataScanner.session(sc), files, parquet(features), conf);
      }
      blocks =
          ParquetIngest.load(
              DataScanner.session(sc),
              files,
              parquet(features),
              features,
              p,
              blockRows,
              sparse,
              config.data().floatStorage());
      description = String.join(",", uris) + " (parquet)";
    } else {
      LineFormat fmt = lineFormat(features);
      blocks = SparkIngest.load(sc, files, fmt, p, blockRows, sparse, conf);
      description = String.join(",", uris);
    }
    if (config.data().floatStorage()) {
      blocks = blocks.map(FloatStorage::compact);
    }
    blocks = blocks.persist(StorageLevel.MEMORY_AND_DISK());
    sc.setJobDescription("marginflow: cache " + (test ? "test" : "training") + " blocks");
    List<long[]> stats = stats(blocks, countNonZeros);
    long rows = 0;
    long pos = 0;
    long bytes = 0;
    long nnz = 0;
    for (long[] s : stats) {
      rows += s[0];
      pos += s[1];
      bytes += s[2];
      nnz += s[3];
    }
    if (countNonZeros && TrainJob.isSparse(rows, nnz, Math.max(features, 1)) != sparse) {
      // The footers' guess was wrong: the blocks a decoding scan's plan would have loaded.
      boolean csr = !sparse;
      LOG.info(
          "parquet values counted: {} non-zeros in {} rows × {} features: {} blocks",
          nnz,
          rows,
          features,
          csr ? "CSR" : "dense");
      JavaRDD<RowBlock> converted =
          blocks.map(b -> CsrConversion.toLayout(b, csr)).persist(StorageLevel.MEMORY_AND_DISK());
      sc.setJobDescription(
          "marginflow: cache "
              + (test ? "test" : "training")
              + (csr ? " CSR" : " dense")
              + " blocks");
      try {
        stats = stats(converted, false);
      } finally {
        blocks.unpersist(false);
      }
      blocks = converted;
      sparse = csr;
      bytes = stats.stream().mapToLong(s -> s[2]).sum();
    }
    CacheFit.checkCached(sc, blocks, bytes);
    int f = features > 0 ? features : blocks.first().features();
    LOG.info(
        "{} data: {} rows ({} positive), {} features, {} partitions, {} blocks, {} cached bytes",
        test ? "test" : "training",
        rows,
        pos,
        f,
        p,
        stats.size(),
        bytes);
    return new IngestedData(blocks, rows, pos, f, sparse, files, description, bytes);
  }

  /**
   * True when the train split's blocks are dense only because its files are dense Spark ML vectors
   * or numeric columns taken from their footers ({@link InputFile#loadCountsNonZeros()}): the load
   * then counts their non-zeros for the dense/CSR rule (not for CNNs, whose blocks are always
   * dense), loading first the layout their footers hint at ({@link ParquetIngest#looksSparse}).
   */
  private boolean countsNonZeros(List<InputFile> files, boolean sparse, boolean test) {
    return !test
        && !sparse
        && !config.model().spec().startsWith("cnn")
        && files.stream().anyMatch(InputFile::loadCountsNonZeros);
  }

  private ParquetColumns parquet(int features) {
    return lineFormat(features).parquet();
  }

  private static List<String> uris(List<InputFile> files) {
    return files.stream().map(InputFile::uri).toList();
  }

  /**
   * Materializes cached {@code blocks}: per block its rows, positives, bytes and (with {@code
   * nonZeros}) non-zeros; a bad row the load found is rethrown as {@code file:row: problem}.
   */
  private static List<long[]> stats(JavaRDD<RowBlock> blocks, boolean nonZeros) throws IOException {
    try {
      return blocks
          .map(
              b ->
                  new long[] {
                    b.rows(),
                    positives(b),
                    b.sizeInBytes(),
                    nonZeros ? CsrConversion.nonZeros(b) : 0
                  })
          .collect();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      blocks.unpersist(false);
      if (dataError(e)) {
        throw SparkIngest.unwrap(e); // a bad row the load found: "file:row: problem"
      }
      throw e;
    }
  }

  /** True when a task failed on a bad row ({@link DataFormatException}, possibly as text). */
  private static boolean dataError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DataFormatException
          || String.valueOf(t.getMessage()).contains(DataFormatException.class.getSimpleName())) {
        return true;
      }
    }
    return false;
  }

  private static long positives(RowBlock b) {
    long c = 0;
    double[] y = b.labels();
    for (int i = 0; i < b.rows(); i++) {
      if (y[i] > 0) {
        c++;
      }
    }
    return c;
  }

  private JavaRDD<RowBlock> generated(
      TeacherStudentGenerator gen, long n, int p, boolean sparse, int blockRows) {
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      long lo = RangeIndexPartitioner.firstIndex(n, p, i);
      long hi = RangeIndexPartitioner.firstIndex(n, p, i + 1);
      ranges.add(new long[] {lo, hi});
    }
    return sc.parallelize(ranges, p)
        .flatMap(r -> new GeneratedBlockStream(gen, r[0], r[1], sparse, blockRows));
  }

  private Dataset readIdx(List<String> uris, boolean test, int blockRows) throws IOException {
    List<String> labelUris = config.data().idxLabelUris();
    if (uris.size() != 1) {
      throw new IllegalArgumentException(
          (test ? "test-data" : "data")
              + ": --format idx takes exactly one images file, got "
              + uris);
    }
    int which = test ? 1 : 0;
    if (labelUris.size() <= which) {
      throw new IllegalArgumentException(
          "idx-labels: expected a labels file for the "
              + (test ? "test" : "training")
              + " images (list: train[,test]), got "
              + labelUris);
    }
    return IdxInput.read(
        uris.get(0),
        labelUris.get(which),
        DigitLabels.parse(config.data().labels()),
        blockRows,
        conf.get());
  }

  private static List<RowBlock> repartition(Dataset ds, int p, int blockRows) {
    // IDX data arrive as one block in row order; cut it into P contiguous ranges of blocks.
    List<RowBlock> out = new ArrayList<>();
    long n = ds.rows();
    for (RowBlock b : ds.blocks()) {
      int start = 0;
      while (start < b.rows()) {
        long global = b.rowIndex()[start];
        int part = (int) Math.min(p - 1, global * p / n);
        long partEnd = RangeIndexPartitioner.firstIndex(n, p, part + 1);
        int len = (int) Math.min(Math.min(blockRows, b.rows() - start), partEnd - global);
        int[] rows = new int[len];
        for (int i = 0; i < len; i++) {
          rows[i] = start + i;
        }
        out.add(b.select(rows, len));
        start += len;
      }
    }
    return out;
  }

  private LineFormat lineFormat(int features) {
    return LineFormat.of(config.data(), features);
  }
}

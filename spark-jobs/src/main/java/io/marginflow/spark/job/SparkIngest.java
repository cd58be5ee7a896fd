package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelConventionCheck;
import io.marginflow.common.io.ParsedRow;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * Reads line-oriented data (LIBSVM, CSV) through Spark from any Hadoop file system in two passes.
 * The scan pass parses and validates every line of every file (one task per file), counting rows
 * and hashing the stored bytes, so a malformed line fails the run, naming file and line, before
 * anything is written. The load pass parses again, gives each row its global index (file order,
 * then line order), sends it to partition ⌊index·P/n⌋ and stacks each partition's rows, in index
 * order, into blocks: the partitioning depends only on (files, n, P).
 */
public final class SparkIngest {

  private SparkIngest() {}

  /** The scan pass: one {@link InputFile} per file, in order. */
  public static List<InputFile> scan(
      JavaSparkContext sc, List<String> files, LineFormat format, HadoopConf conf) {
    JavaRDD<String> names = sc.parallelize(files, Math.max(1, files.size()));
    try {
      return names.map(f -> scanFile(f, format, conf)).collect();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      throw unwrap(e);
    }
  }

  /** The load pass: cached-ready blocks of P partitions with contiguous global row ranges. */
  public static JavaRDD<RowBlock> load(
      JavaSparkContext sc,
      List<InputFile> files,
      LineFormat format,
      int partitions,
      int blockRows,
      boolean sparse,
      HadoopConf conf) {
    long total = files.stream().mapToLong(InputFile::rows).sum();
    long[] offsets = new long[files.size()];
    List<Tuple2<String, Long>> work = new ArrayList<>();
    long off = 0;
    for (int i = 0; i < files.size(); i++) {
      offsets[i] = off;
      work.add(new Tuple2<>(files.get(i).uri(), off));
      off += files.get(i).rows();
    }
    int features = format.features();
    JavaPairRDD<Long, RowRecord> rows =
        sc.parallelize(work, Math.max(1, work.size()))
            .flatMapToPair(w -> readRows(w._1(), w._2(), format, conf));
    RangeIndexPartitioner partitioner = new RangeIndexPartitioner(total, partitions);
    return rows.partitionBy(partitioner)
        .mapPartitions(it -> stack(it, features, sparse, blockRows), true);
  }

  static InputFile scanFile(String file, LineFormat format, HadoopConf conf) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(conf.get());
    FileStatus st = fs.getFileStatus(path);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    LineFormat.Parser parser = format.parser();
    ParsedRow row = new ParsedRow();
    long rows = 0;
    long positives = 0;
    long nnz = 0;
    int maxIndex = 0;
    int csvColumns = -1;
    LabelConventionCheck labels = new LabelConventionCheck(file);
    long lineNo = 0;
    try (DigestInputStream raw = new DigestInputStream(fs.open(path), sha);
        BufferedReader in = reader(path, raw, conf)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (lineNo <= format.headerLines()) {
          continue;
        }
        if (!parser.parse(line, file, lineNo, row)) {
          continue;
        }
        labels.check(row, lineNo);
        rows++;
        if (row.label() > 0) {
          positives++;
        }
        nnz += row.nnz();
        maxIndex = Math.max(maxIndex, row.maxIndex() + 1); // 0-based index → feature count
        if (csvColumns < 0) {
          csvColumns = line.split(",", -1).length - 1;
        }
      }
      byte[] rest = new byte[1 << 16];
      while (raw.read(rest) >= 0) {
        // drain to hash every stored byte
      }
    } catch (java.io.FileNotFoundException e) {
      throw e;
    } catch (IOException e) {
      // A damaged compressed stream (bad gzip block, cut-off file): name the file and the line.
      throw new DataFormatException(
          file, lineNo + 1, "cannot read the data after line " + lineNo + " (" + e + ")");
    }
    if (rows == 0) {
      throw new DataFormatException(file, 0, "no data rows");
    }
    return new InputFile(
        file,
        st.getLen(),
        st.getModificationTime(),
        HexFormat.of().formatHex(sha.digest()),
        rows,
        positives,
        format.kind().equals("csv")
            ? (format.features() > 0 ? format.features() : Math.max(csvColumns, 0))
            : maxIndex,
        nnz);
  }

  private static Iterator<Tuple2<Long, RowRecord>> readRows(
      String file, long offset, LineFormat format, HadoopConf conf) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(conf.get());
    LineFormat.Parser parser = format.parser();
    ParsedRow row = new ParsedRow();
    List<Tuple2<Long, RowRecord>> out = new ArrayList<>();
    try (BufferedReader in = reader(path, fs.open(path), conf)) {
      String line;
      long lineNo = 0;
      long index = offset;
      while ((line = in.readLine()) != null) {
        lineNo++;
        if (lineNo <= format.headerLines() || !parser.parse(line, file, lineNo, row)) {
          continue;
        }
        int k = row.nnz();
        out.add(
            new Tuple2<>(
                index++,
                new RowRecord(
                    row.label(), Arrays.copyOf(row.indices(), k), Arrays.copyOf(row.values(), k))));
      }
    }
    return out.iterator();
  }

  private static Iterator<RowBlock> stack(
      Iterator<Tuple2<Long, RowRecord>> it, int features, boolean sparse, int blockRows) {
    List<Tuple2<Long, RowRecord>> rows = new ArrayList<>();
    it.forEachRemaining(rows::add);
    rows.sort((a, b) -> Long.compare(a._1(), b._1()));
    RowBlockBuilder builder = new RowBlockBuilder(features, sparse, blockRows);
    double[] dense = sparse ? null : new double[features];
    for (Tuple2<Long, RowRecord> t : rows) {
      RowRecord r = t._2();
      if (sparse) {
        builder.addSparse(t._1(), r.label(), r.indices(), r.values(), r.indices().length);
      } else {
        Arrays.fill(dense, 0.0);
        for (int j = 0; j < r.indices().length; j++) {
          dense[r.indices()[j]] = r.values()[j];
        }
        builder.addDense(t._1(), r.label(), dense);
      }
    }
    return builder.finish().iterator();
  }

  private static BufferedReader reader(Path path, InputStream raw, HadoopConf conf)
      throws IOException {
    return new BufferedReader(
        new InputStreamReader(
            InputFiles.decompressed(path, raw, conf.get()), StandardCharsets.UTF_8),
        1 << 16);
  }

  /**
   * Spark wraps a task's exception in a SparkException; bring a {@link DataFormatException} or
   * another {@link IllegalArgumentException} back to the surface so the user sees "file:line:
   * problem".
   */
  static RuntimeException unwrap(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IllegalArgumentException iae) {
        return iae;
      }
    }
    String msg = String.valueOf(e.getMessage());
    for (String marker : new String[] {"DataFormatException: ", "IllegalArgumentException: "}) {
      int at = msg.indexOf(marker);
      if (at >= 0) {
        String rest = msg.substring(at + marker.length());
        int nl = rest.indexOf('\n');
        return new IllegalArgumentException(nl >= 0 ? rest.substring(0, nl) : rest, e);
      }
    }
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }
}

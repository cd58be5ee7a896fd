package io.marginflow.spark.job;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.LabelConventionCheck;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Reads line-oriented data (LIBSVM, CSV) through Spark from any Hadoop file system in two passes
 * over byte-range splits ({@link LineSplit}: plain and bzip2 files are cut, gzip files are read
 * whole). The scan pass validates every line of every split in parallel ({@link
 * LineFormat#validator}), counting lines and rows per split; uncompressed splits are read as bytes
 * ({@link RawSplitLines}) and hash the {@link FileFingerprint} chunks that start in them in the
 * same read, compressed files are fingerprinted by a separate parallel job; a malformed line fails
 * the run, naming file and true line (the lines of the earlier splits plus the line within its
 * split), before anything is written. The load pass gives partition p the global rows [⌈p·n/P⌉,
 * ⌈(p+1)·n/P⌉) (file order, then line order): its task reads the splits that hold them, skips the
 * rows before its range and streams its rows, in index order, into blocks. No shuffle, no list of
 * rows; the blocks depend only on (files, n, P), not on the split size.
 */
public final class SparkIngest {

  /** Spark setting: the split size in bytes (default: {@link #defaultSplitBytes}). */
  public static final String SPLIT_BYTES = "spark.marginflow.ingest.splitBytes";

  private static final long MIN_SPLIT = 4L << 20;
  private static final long MAX_SPLIT = 128L << 20;

  private SparkIngest() {}

  /** The scan pass: one {@link InputFile} per file, in order. */
  public static List<InputFile> scan(
      JavaSparkContext sc, List<String> files, LineFormat format, HadoopConf conf)
      throws IOException {
    long splitBytes = sc.getConf().getLong(SPLIT_BYTES, defaultSplitBytes(sc, files, conf));
    return scan(sc, files, format, conf, splitBytes);
  }

  static List<InputFile> scan(
      JavaSparkContext sc, List<String> files, LineFormat format, HadoopConf conf, long splitBytes)
      throws IOException {
    List<LineSplit> splits = LineSplit.plan(files, splitBytes, conf.get());
    sc.setJobDescription("marginflow: scan " + splits.size() + " splits of " + files.size());
    List<SplitScan> scans;
    try {
      scans =
          sc.parallelize(splits, Math.max(1, splits.size()))
              .map(s -> SplitScan.of(s, format, conf))
              .collect();
    } catch (Exception e) { // Spark rethrows task failures as the checked SparkException
      throw unwrap(e);
    }
    List<String> compressed = compressedFiles(files, scans);
    List<String> apart =
        compressed.isEmpty() ? List.of() : FileFingerprint.of(sc, compressed, conf);
    return assemble(files, scans, digests(files, scans, compressed, apart), format, conf);
  }

  /**
   * The scan pass in this JVM, one whole file after the other (no Spark): the same facts, errors
   * and fingerprints as {@link #scan}, with one split per file (for {@code marginflow check}).
   */
  public static List<InputFile> scanLocal(List<String> files, LineFormat format, HadoopConf conf)
      throws IOException {
    List<SplitScan> scans = new ArrayList<>();
    for (LineSplit split : LineSplit.plan(files, Long.MAX_VALUE, conf.get())) {
      scans.add(SplitScan.of(split, format, conf));
    }
    List<String> compressed = compressedFiles(files, scans);
    List<String> apart = FileFingerprint.ofLocal(compressed, conf);
    return assemble(files, scans, digests(files, scans, compressed, apart), format, conf);
  }

  /** The files whose splits did not hash their chunks (compressed), skipping failed scans. */
  private static List<String> compressedFiles(List<String> files, List<SplitScan> scans) {
    List<String> out = new ArrayList<>();
    for (SplitScan s : scans) {
      String uri = files.get(s.split().file());
      if (s.chunkDigests() == null && s.error() == null && !out.contains(uri)) {
        out.add(uri);
      }
    }
    return out;
  }

  /**
   * Each file's fingerprint: from its splits' chunk digests (hashed in the scan), or from {@code
   * apart} for the {@code compressed} files; null for a file whose scan failed (it is reported).
   */
  private static List<String> digests(
      List<String> files, List<SplitScan> scans, List<String> compressed, List<String> apart) {
    List<String> out = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      int c = compressed.indexOf(files.get(f));
      if (c >= 0) {
        out.add(apart.get(c));
        continue;
      }
      List<byte[]> chunks = new ArrayList<>();
      boolean failed = false;
      for (SplitScan s : scans) {
        if (s.split().file() == f) {
          failed |= s.chunkDigests() == null;
          if (!failed) {
            chunks.addAll(s.chunkDigests());
          }
        }
      }
      out.add(failed ? null : FileFingerprint.hex(chunks));
    }
    return out;
  }

  private static List<InputFile> assemble(
      List<String> files,
      List<SplitScan> scans,
      List<String> digests,
      LineFormat format,
      HadoopConf conf)
      throws IOException {
    List<InputFile> out = new ArrayList<>();
    int i = 0;
    for (int f = 0; f < files.size(); f++) {
      List<SplitScan> own = new ArrayList<>();
      while (i < scans.size() && scans.get(i).split().file() == f) {
        own.add(scans.get(i++));
      }
      out.add(merge(files.get(f), own, format, digests.get(f), conf));
    }
    return out;
  }

  /**
   * The default split size: a quarter of the bytes per core, within [4 MiB, 128 MiB], so that small
   * inputs still fill the cores and large ones are cut like HDFS blocks.
   */
  static long defaultSplitBytes(JavaSparkContext sc, List<String> files, HadoopConf conf)
      throws IOException {
    long total = 0;
    for (String f : files) {
      Path p = new Path(f);
      total += p.getFileSystem(conf.get()).getFileStatus(p).getLen();
    }
    long perCore = total / (4L * Math.max(1, sc.defaultParallelism()));
    return alignToChunks(Math.max(MIN_SPLIT, Math.min(MAX_SPLIT, perCore)));
  }

  /**
   * {@code bytes} rounded down so that split boundaries fall on fingerprint chunk boundaries: a
   * multiple of the chunk size, or the chunk size halved until it fits (then a split that holds a
   * chunk's start hashes the chunk past its own end).
   */
  static long alignToChunks(long bytes) {
    long chunk = FileFingerprint.CHUNK_BYTES;
    if (bytes >= chunk) {
      return bytes / chunk * chunk;
    }
    long b = chunk;
    while (b > bytes) {
      b /= 2;
    }
    return Math.max(1, b);
  }

  /** One file's facts from its split scans; throws for the first bad line of the file. */
  private static InputFile merge(
      String file, List<SplitScan> scans, LineFormat format, String sha256, HadoopConf conf)
      throws IOException {
    LabelConventionCheck labels = new LabelConventionCheck(file);
    long lineBase = 0;
    long firstZero = 0;
    long firstMinusOne = 0;
    long rows = 0;
    long positives = 0;
    long nnz = 0;
    int maxIndex = 0;
    int csvColumns = -1;
    long csvLine = 0;
    List<InputFile.Split> splits = new ArrayList<>();
    for (SplitScan s : scans) {
      if (s.firstZero() > 0 && firstZero == 0) {
        firstZero = lineBase + s.firstZero();
      }
      if (s.firstMinusOne() > 0 && firstMinusOne == 0) {
        firstMinusOne = lineBase + s.firstMinusOne();
      }
      checkLabels(labels, firstZero, firstMinusOne);
      if (format.kind().equals("csv") && s.csvColumns() >= 0) {
        if (csvColumns < 0) {
          csvColumns = s.csvColumns();
          csvLine = lineBase + s.firstRowLine();
        } else if (format.features() == 0 && s.csvColumns() != csvColumns) {
          throw new DataFormatException(
              file,
              lineBase + s.firstRowLine(),
              "expected "
                  + (csvColumns + 1)
                  + " columns like line "
                  + csvLine
                  + ", got "
                  + (s.csvColumns() + 1));
        }
      }
      if (s.error() != null) {
        throw new DataFormatException(file, lineBase + s.errorLine(), s.error());
      }
      splits.add(new InputFile.Split(s.split(), s.lines(), s.rows()));
      lineBase += s.lines();
      rows += s.rows();
      positives += s.positives();
      nnz += s.nonZeros();
      maxIndex = Math.max(maxIndex, s.maxIndex());
    }
    if (rows == 0) {
      throw new DataFormatException(file, 0, "no data rows");
    }
    Path path = new Path(file);
    FileStatus st = path.getFileSystem(conf.get()).getFileStatus(path);
    return new InputFile(
        file,
        st.getLen(),
        st.getModificationTime(),
        sha256,
        rows,
        positives,
        format.kind().equals("csv")
            ? (format.features() > 0 ? format.features() : Math.max(csvColumns, 0))
            : maxIndex,
        nnz,
        splits);
  }

  /** Replays the first '0' and '-1' negative rows, in line order, through the file's check. */
  static void checkLabels(LabelConventionCheck labels, long firstZero, long firstMinusOne) {
    if (firstZero == 0 || firstMinusOne == 0) {
      return;
    }
    ParsedRow zero = new ParsedRow();
    zero.setLabel(-1.0, true);
    ParsedRow minusOne = new ParsedRow();
    minusOne.setLabel(-1.0, false);
    if (firstZero < firstMinusOne) {
      labels.check(zero, firstZero);
      labels.check(minusOne, firstMinusOne);
    } else {
      labels.check(minusOne, firstMinusOne);
      labels.check(zero, firstZero);
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
    List<PartitionPlan> plans = PartitionPlan.of(files, partitions);
    int features = format.features();
    return sc.parallelize(plans, partitions)
        .flatMap(plan -> new PlanBlockStream(plan, format, features, sparse, blockRows, conf));
  }

  /** True for a line the parsers skip: only spaces, tabs, CR, LF, FF or VT. */
  static boolean isBlank(CharSequence line) {
    if (line instanceof ByteLine b) {
      return b.isBlank();
    }
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\u000B') {
        return false;
      }
    }
    return true;
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

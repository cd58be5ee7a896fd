package io.marginflow.spark.job;

import java.io.Serializable;
import java.util.List;

/**
 * What the scan pass learned about one input file: its identity (URI, size, modification time,
 * SHA-256 of the stored bytes) and content (data rows, positives, largest feature index,
 * non-zeros), and how its lines and rows fall into splits (for the load pass and for true line
 * numbers). Together they form the dataset fingerprint of the manifest.
 *
 * @param uri fully qualified URI
 * @param bytes stored size
 * @param modified modification time (ms since the epoch)
 * @param sha256 hex fingerprint of the stored (possibly compressed) bytes ({@link
 *     FileFingerprint#SCHEME})
 * @param rows data rows (blank lines excluded)
 * @param positives rows labelled +1, or −1 when not counted (Parquet files a run's scan took from
 *     their footers: {@link ParquetFooterScan})
 * @param maxIndex largest 1-based feature index seen (or the column count for CSV)
 * @param nonZeros stored non-zeros
 * @param splits the file's splits in order, with their line and row counts
 * @param loadCountsNonZeros true for Parquet files of Spark ML dense vectors (or of numeric
 *     columns) whose facts a run's scan took from their footers ({@link ParquetFooterScan}): {@code
 *     nonZeros} is then the stored values (an upper bound; the run's load counts the non-zeros) and
 *     every vector must hold {@code maxIndex} values (the load checks it)
 */
public record InputFile(
    String uri,
    long bytes,
    long modified,
    String sha256,
    long rows,
    long positives,
    int maxIndex,
    long nonZeros,
    List<Split> splits,
    boolean loadCountsNonZeros)
    implements Serializable {

  /** A file whose non-zeros were counted by its scan (the load need not count them). */
  public InputFile(
      String uri,
      long bytes,
      long modified,
      String sha256,
      long rows,
      long positives,
      int maxIndex,
      long nonZeros,
      List<Split> splits) {
    this(uri, bytes, modified, sha256, rows, positives, maxIndex, nonZeros, splits, false);
  }

  /** Copies the split list. */
  public InputFile {
    splits = List.copyOf(splits);
  }

  /**
   * One split of the file as the scan pass counted it.
   *
   * @param range the byte range
   * @param lines lines that start in it (header and blank lines included)
   * @param rows data rows among them
   */
  public record Split(LineSplit range, long lines, long rows) implements Serializable {}
}

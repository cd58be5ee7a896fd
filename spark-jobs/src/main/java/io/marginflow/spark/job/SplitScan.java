package io.marginflow.spark.job;

import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.ParsedRow;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * What the scan pass learned about one {@link LineSplit}. Line numbers here are local to the split
 * (1 = its first line); {@link SparkIngest} adds the lines of the earlier splits of the file to
 * report true line numbers. A malformed line does not throw on the executor: the scan stops there
 * and records it, so that the driver can name the first bad line of the data, wherever it is.
 *
 * @param split the range scanned
 * @param lines lines read (up to the bad line, when there is one)
 * @param rows data rows (blank lines and header excluded)
 * @param positives rows labelled +1
 * @param nonZeros stored non-zeros
 * @param maxIndex largest 1-based feature index seen
 * @param csvColumns feature columns of the first data line (CSV), −1 if none
 * @param firstRowLine local line of the first data row, 0 if none
 * @param firstZero local line of the first negative row written {@code 0}, 0 if none
 * @param firstMinusOne local line of the first negative row written {@code -1}, 0 if none
 * @param errorLine local line of the first malformed line, 0 if none
 * @param error what is wrong with it (without the {@code file:line:} prefix), null if none
 * @param chunkDigests SHA-256 digests of the {@link FileFingerprint} chunks that start in the
 *     split, hashed in the same read (uncompressed files); null for compressed files or after an
 *     error
 */
public record SplitScan(
    LineSplit split,
    long lines,
    long rows,
    long positives,
    long nonZeros,
    int maxIndex,
    int csvColumns,
    long firstRowLine,
    long firstZero,
    long firstMinusOne,
    long errorLine,
    String error,
    List<byte[]> chunkDigests)
    implements Serializable {

  /** A damaged compressed stream while reading a split (bad gzip block, cut-off file). */
  private static final class UnreadableData extends IOException {
    private static final long serialVersionUID = 1L;

    UnreadableData(IOException cause) {
      super(cause.toString(), cause);
    }
  }

  private static CharSequence nextLine(SplitLineReader in) throws IOException {
    try {
      return in.next();
    } catch (java.io.FileNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new UnreadableData(e);
    }
  }

  /** Parses and validates every line of {@code split}. */
  static SplitScan of(LineSplit split, LineFormat format, HadoopConf conf) throws IOException {
    LineFormat.Parser parser = format.validator();
    ParsedRow row = new ParsedRow();
    long lines = 0;
    long rows = 0;
    long positives = 0;
    long nnz = 0;
    int maxIndex = 0;
    int csvColumns = -1;
    long firstRowLine = 0;
    long firstZero = 0;
    long firstMinusOne = 0;
    long errorLine = 0;
    String error = null;
    List<byte[]> chunkDigests = null;
    boolean header = split.start() == 0;
    try (SplitLineReader in = new SplitLineReader(split, conf)) {
      CharSequence line;
      while ((line = nextLine(in)) != null) {
        lines++;
        if (header && lines <= format.headerLines()) {
          continue;
        }
        try {
          if (!parser.parse(line, split.uri(), lines, row)) {
            continue;
          }
        } catch (DataFormatException e) {
          errorLine = lines;
          error = detail(parser, line.toString(), split.uri(), lines, e);
          break;
        }
        if (row.label() == -1.0) {
          if (row.zeroLabelToken()) {
            firstZero = firstZero == 0 ? lines : firstZero;
          } else {
            firstMinusOne = firstMinusOne == 0 ? lines : firstMinusOne;
          }
        }
        rows++;
        if (row.label() > 0) {
          positives++;
        }
        nnz += row.nnz();
        maxIndex = Math.max(maxIndex, row.maxIndex() + 1); // 0-based index → feature count
        if (csvColumns < 0) {
          firstRowLine = lines;
          csvColumns = line.toString().split(",", -1).length - 1;
        }
      }
      if (error == null) {
        chunkDigests = in.chunkDigests();
      }
    } catch (UnreadableData e) {
      // Named like a malformed line: file:line of the first line that could not be read.
      errorLine = lines + 1;
      error = "cannot read the data after line " + lines + " (" + e.getMessage() + ")";
    }
    return new SplitScan(
        split,
        lines,
        rows,
        positives,
        nnz,
        maxIndex,
        csvColumns,
        firstRowLine,
        firstZero,
        firstMinusOne,
        errorLine,
        error,
        chunkDigests);
  }

  /**
   * The message for a bad line as the decoded text gives it (a line read as bytes quotes non-ASCII
   * bytes one by one; the message must quote the line as written).
   */
  private static String detail(
      LineFormat.Parser parser, String text, String file, long line, DataFormatException e) {
    try {
      parser.parse(text, file, line, new ParsedRow());
    } catch (DataFormatException decoded) {
      return decoded.detail();
    }
    return e.detail();
  }
}

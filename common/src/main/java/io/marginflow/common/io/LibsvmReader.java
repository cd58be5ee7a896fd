package io.marginflow.common.io;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlockBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a whole LIBSVM text file (plain or gzip, recognized by its magic bytes) into a {@link
 * Dataset}. Lines are parsed by {@link LibsvmLineParser}; blank lines (such as an extra empty line
 * at the end) are skipped; data rows are numbered 0, 1, … in file order.
 *
 * <p>Besides the line-level checks, the file as a whole must have at least one data row and must
 * not mix the negative label tokens {@code 0} and {@code -1} (that would be a three-class file such
 * as {-1, 0, 1}).
 */
public final class LibsvmReader {

  private static final Logger LOG = LoggerFactory.getLogger(LibsvmReader.class);

  private LibsvmReader() {}

  /**
   * @param file the LIBSVM file, optionally gzip-compressed
   * @param declaredFeatures number of features; may exceed the largest index in the file
   * @param sparse true for CSR blocks, false for dense blocks
   * @param blockRows maximum rows per block
   * @throws DataFormatException naming file and 1-based line for malformed content, or the file for
   *     an empty file or one without data rows
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   */
  public static Dataset read(Path file, int declaredFeatures, boolean sparse, int blockRows)
      throws IOException {
    LibsvmLineParser parser = new LibsvmLineParser(declaredFeatures);
    RowBlockBuilder builder = new RowBlockBuilder(declaredFeatures, sparse, blockRows);
    String name = file.toString();
    long started = System.nanoTime();
    ParsedRow row = new ParsedRow(256);
    LabelConventionCheck labels = new LabelConventionCheck(name);
    long lineNumber = 0;
    long rows = 0;
    long nonZeros = 0;
    int maxIndex = -1;
    try (BufferedReader in = DataFiles.openText(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        if (lineNumber == 1) {
          line = DataFiles.stripBom(line);
        }
        if (!parser.parse(line, name, lineNumber, row)) {
          continue;
        }
        labels.check(row, lineNumber);
        builder.addSparse(rows, row.label(), row.indices(), row.values(), row.nnz());
        rows++;
        nonZeros += row.nnz();
        maxIndex = Math.max(maxIndex, row.maxIndex());
      }
    }
    if (rows == 0) {
      throw new DataFormatException(name, 0, "no data rows");
    }
    Dataset data = Dataset.of(name, declaredFeatures, builder.finish());
    LOG.info(
        "read {}: {} rows ({} positive), {} stored entries, max index {} of {}, {} ms",
        name,
        rows,
        data.positives(),
        nonZeros,
        maxIndex + 1,
        declaredFeatures,
        (System.nanoTime() - started) / 1_000_000);
    return data;
  }
}

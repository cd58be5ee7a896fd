package io.marginflow.common.io;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlockBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a delimited text file (plain or gzip) of numeric features and one label column into a
 * {@link Dataset} of dense blocks. With {@link CsvOptions#header()} the first line is skipped
 * unparsed; blank lines are skipped; data rows are numbered 0, 1, … in file order. When the feature
 * count is not given it is the column count of the first data line minus one.
 */
public final class CsvReader {

  private static final Logger LOG = LoggerFactory.getLogger(CsvReader.class);

  private CsvReader() {}

  /**
   * @throws DataFormatException naming file and 1-based line for malformed content, or the file for
   *     an empty file or one without data rows
   */
  public static Dataset read(Path file, CsvOptions options, int blockRows) throws IOException {
    String name = file.toString();
    long started = System.nanoTime();
    ParsedRow row = new ParsedRow(64);
    LabelConventionCheck labels = new LabelConventionCheck(name);
    CsvLineParser parser = null;
    RowBlockBuilder builder = null;
    long lineNumber = 0;
    long rows = 0;
    try (BufferedReader in = DataFiles.openText(file)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNumber++;
        if (lineNumber == 1) {
          line = DataFiles.stripBom(line);
          if (options.header()) {
            LOG.debug("{}: skipping header line '{}'", name, line);
            continue;
          }
        }
        if (parser == null) {
          if (line.isBlank()) {
            continue;
          }
          int features =
              options.features() != null
                  ? options.features()
                  : countColumns(line, options.separator()) - 1;
          if (features < 1) {
            throw new DataFormatException(
                name, lineNumber, "cannot infer the feature count: need at least 2 columns, got 1");
          }
          if (options.labelColumn() > features) {
            throw new DataFormatException(
                name,
                lineNumber,
                "label column "
                    + (options.labelColumn() + 1)
                    + " is beyond the "
                    + (features + 1)
                    + " columns");
          }
          parser = new CsvLineParser(features, options.labelColumn(), options.separator());
          builder = new RowBlockBuilder(features, false, blockRows);
        }
        if (!parser.parse(line, name, lineNumber, row)) {
          continue;
        }
        labels.check(row, lineNumber);
        builder.addSparse(rows, row.label(), row.indices(), row.values(), row.nnz());
        rows++;
      }
    }
    if (rows == 0) {
      throw new DataFormatException(name, 0, "no data rows");
    }
    Dataset data = Dataset.of(name, parser.features(), builder.finish());
    LOG.info(
        "read {}: {} rows ({} positive), {} features, {} ms",
        name,
        rows,
        data.positives(),
        parser.features(),
        (System.nanoTime() - started) / 1_000_000);
    return data;
  }

  private static int countColumns(String line, char sep) {
    int count = 1;
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == sep) {
        count++;
      }
    }
    return count;
  }
}

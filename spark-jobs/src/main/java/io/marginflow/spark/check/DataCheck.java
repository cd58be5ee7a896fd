package io.marginflow.spark.check;

import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.io.DataFormatException;
import io.marginflow.common.io.DigitLabels;
import io.marginflow.spark.job.DataScanner;
import io.marginflow.spark.job.IdxInput;
import io.marginflow.spark.job.InputFile;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.job.LineFormat;
import io.marginflow.spark.job.LineSplit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * The data side of a validation: every input file found, read and parsed once (the scan pass the
 * run then uses, see {@link DataScanner}), with problems naming the file and line; or, for trusted
 * data on resume, the facts recorded in the manifest.
 */
final class DataCheck {

  private DataCheck() {}

  /**
   * What one split holds.
   *
   * @param files fingerprints, in order (IDX: images then labels)
   * @param rows data rows
   * @param positives rows labelled +1 (-1: not counted)
   * @param nonZeros stored non-zeros (line formats)
   * @param width features seen: the largest LIBSVM index, the CSV column count or the IDX pixels
   * @param source where the rows come from
   */
  record Facts(
      List<InputFile> files, long rows, long positives, long nonZeros, int width, String source) {}

  /** Scans one split; null (with problems added) when it cannot be read. */
  static Facts scan(
      TrainConfig config,
      boolean test,
      DataScanner scanner,
      Configuration conf,
      List<Problem> problems) {
    TrainConfig.DataSettings d = config.data();
    List<String> uris = test ? d.testUris() : d.trainUris();
    String key = test ? "test-data" : "data";
    try {
      if (d.format().equals("idx")) {
        return idx(config, test, uris, conf);
      }
      List<String> files = InputFiles.expand(uris, conf);
      List<InputFile> found = scanner.scan(files, LineFormat.of(d, d.features()));
      long rows = 0;
      long pos = 0;
      long nnz = 0;
      int width = 0;
      for (InputFile f : found) {
        rows += f.rows();
        // −1: unknown (Parquet files whose scan read only their footers)
        pos = pos < 0 || f.positives() < 0 ? -1 : pos + f.positives();
        nnz += f.nonZeros();
        width = Math.max(width, f.maxIndex());
      }
      if (d.format().equals("csv")) {
        for (InputFile f : found) {
          if (f.maxIndex() != width) {
            problems.add(
                new Problem(
                    f.uri(),
                    f.uri()
                        + ": "
                        + f.maxIndex()
                        + " feature columns, but other "
                        + key
                        + " files have "
                        + width));
          }
        }
      }
      String source = String.join(",", uris);
      if (d.format().equals("parquet")) {
        source += " (parquet, " + found.size() + " part files)";
      }
      return new Facts(found, rows, pos, nnz, width, source);
    } catch (DataFormatException e) {
      problems.add(new Problem(e.file() + (e.line() > 0 ? ":" + e.line() : ""), e.getMessage()));
    } catch (IllegalArgumentException e) {
      problems.add(new Problem("--" + key, e.getMessage()));
    } catch (IOException e) {
      problems.add(new Problem("--" + key, key + ": cannot read " + uris + ": " + e.getMessage()));
    }
    return null;
  }

  private static Facts idx(TrainConfig config, boolean test, List<String> uris, Configuration conf)
      throws IOException {
    TrainConfig.DataSettings d = config.data();
    String key = test ? "test-data" : "data";
    if (uris.size() != 1) {
      throw new IllegalArgumentException(
          key + ": --format idx takes exactly one images file, got " + uris);
    }
    int which = test ? 1 : 0;
    if (d.idxLabelUris().size() <= which) {
      throw new IllegalArgumentException(
          "idx-labels: expected a labels file for the "
              + (test ? "test" : "training")
              + " images (list: train[,test]), got "
              + d.idxLabelUris());
    }
    DigitLabels mapping;
    try {
      mapping = DigitLabels.parse(d.labels());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("labels: " + e.getMessage(), e);
    }
    IdxInput.Scanned s = IdxInput.scan(uris.get(0), d.idxLabelUris().get(which), mapping, conf);
    return new Facts(
        s.files(),
        s.summary().rows(),
        s.summary().positives(),
        s.summary().rows() * (long) s.summary().features(),
        s.summary().features(),
        uris.get(0) + " (IDX, labels " + d.labels() + ")");
  }

  /**
   * The facts of one split as recorded in a manifest (trusted data on resume): rows per file, the
   * recorded feature count, and as many non-zeros as the recorded block layout implies.
   */
  static Facts recorded(TrainConfig config, boolean test, Manifest m, Configuration conf)
      throws IOException {
    TrainConfig.DataSettings d = config.data();
    List<String> uris = test ? d.testUris() : d.trainUris();
    Set<String> mine = new HashSet<>();
    if (d.format().equals("idx")) {
      mine.add(InputFiles.qualify(uris.get(0), conf).toString());
      mine.add(InputFiles.qualify(d.idxLabelUris().get(test ? 1 : 0), conf).toString());
    } else {
      mine.addAll(InputFiles.expand(uris, conf));
    }
    int features = ((Number) m.config().getOrDefault("features", 0)).intValue();
    boolean sparse = Boolean.TRUE.equals(m.config().get("sparse_blocks"));
    List<InputFile> files = new ArrayList<>();
    long rows = 0;
    for (Manifest.DataFile f : m.data()) {
      if (mine.contains(f.uri())) {
        long nnz = sparse ? 0 : f.rows() * (long) features;
        files.add(
            new InputFile(
                f.uri(),
                f.bytes(),
                f.modified().toEpochMilli(),
                f.sha256(),
                f.rows(),
                -1,
                features,
                nnz,
                // Not scanned (--trust-data): read whole by one task; the rows are the manifest's.
                List.of(
                    new InputFile.Split(
                        new LineSplit(f.uri(), files.size(), 0, 0, f.bytes(), false),
                        f.rows(),
                        f.rows()))));
        rows += d.format().equals("idx") ? 0 : f.rows();
      }
    }
    if (d.format().equals("idx") && !files.isEmpty()) {
      rows = files.get(0).rows();
    }
    long nnz = files.stream().mapToLong(InputFile::nonZeros).sum();
    return new Facts(files, rows, -1, nnz, features, String.join(",", uris) + " (trusted)");
  }
}

package io.marginflow.spark.job;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.LineRecordReader;

/**
 * Reads the lines of one {@link LineSplit}, in order: a splittable range through Hadoop's {@code
 * LineRecordReader} (the lines that start in the range, plain or bzip2), a whole file through the
 * decompressing reader of {@link InputFiles}. Line terminators are {@code \n}, {@code \r} and
 * {@code \r\n} either way.
 */
final class SplitLineReader implements Closeable {

  private final LineRecordReader lines;
  private final BufferedReader whole;
  private final LongWritable key = new LongWritable();
  private final Text value = new Text();

  SplitLineReader(LineSplit split, HadoopConf conf) throws IOException {
    Path path = new Path(split.uri());
    if (split.splittable()) {
      lines =
          new LineRecordReader(
              conf.get(), new FileSplit(path, split.start(), split.length(), new String[0]));
      whole = null;
    } else {
      FileSystem fs = path.getFileSystem(conf.get());
      lines = null;
      whole =
          new BufferedReader(
              new InputStreamReader(
                  InputFiles.decompressed(path, fs.open(path), conf.get()), StandardCharsets.UTF_8),
              1 << 16);
    }
  }

  /** The next line without its terminator, or null at the end of the split. */
  String next() throws IOException {
    if (whole != null) {
      return whole.readLine();
    }
    return lines.next(key, value) ? value.toString() : null;
  }

  @Override
  public void close() throws IOException {
    if (whole != null) {
      whole.close();
    } else {
      lines.close();
    }
  }
}

package io.marginflow.spark.job;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.LineRecordReader;

/**
 * Reads the lines of one {@link LineSplit}, in order: an uncompressed range straight from its bytes
 * ({@link RawSplitLines}, which also hashes the fingerprint chunks that start in it), a bzip2 range
 * through Hadoop's {@code LineRecordReader} (the lines that start in the range), a whole file
 * through the decompressing reader of {@link InputFiles}. Line terminators are {@code \n}, {@code
 * \r} and {@code \r\n} either way.
 */
final class SplitLineReader implements Closeable {

  private final RawSplitLines raw;
  private final LineRecordReader lines;
  private final BufferedReader whole;
  private final LongWritable key = new LongWritable();
  private final Text value = new Text();

  /** A reader that hashes the fingerprint chunks of uncompressed splits (the scan pass). */
  SplitLineReader(LineSplit split, HadoopConf conf) throws IOException {
    this(split, conf, true);
  }

  /** A reader that hashes the fingerprint chunks of uncompressed splits if {@code hash}. */
  SplitLineReader(LineSplit split, HadoopConf conf, boolean hash) throws IOException {
    Path path = new Path(split.uri());
    FileSystem fs = path.getFileSystem(conf.get());
    if (split.splittable() && new CompressionCodecFactory(conf.get()).getCodec(path) == null) {
      raw =
          new RawSplitLines(
              split, fs.getFileStatus(path).getLen(), hash ? FileFingerprint.CHUNK_BYTES : 0, conf);
      lines = null;
      whole = null;
    } else if (split.splittable()) {
      raw = null;
      lines =
          new LineRecordReader(
              conf.get(), new FileSplit(path, split.start(), split.length(), new String[0]));
      whole = null;
    } else {
      raw = null;
      lines = null;
      whole =
          new BufferedReader(
              new InputStreamReader(
                  InputFiles.decompressed(path, fs.open(path), conf.get()), StandardCharsets.UTF_8),
              1 << 16);
    }
  }

  /**
   * The next line without its terminator (a view valid until the next call), or null at the end of
   * the split.
   */
  CharSequence next() throws IOException {
    if (raw != null) {
      return raw.next();
    }
    if (whole != null) {
      return whole.readLine();
    }
    return lines.next(key, value) ? value.toString() : null;
  }

  /**
   * The SHA-256 digests of the fingerprint chunks that start in this split (reading on past its
   * lines if needed), or null when the split is compressed (fingerprinted apart) or not hashed.
   */
  List<byte[]> chunkDigests() throws IOException {
    return raw == null ? null : raw.chunkDigests();
  }

  @Override
  public void close() throws IOException {
    if (raw != null) {
      raw.close();
    } else if (whole != null) {
      whole.close();
    } else {
      lines.close();
    }
  }
}

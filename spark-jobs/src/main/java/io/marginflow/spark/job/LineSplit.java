package io.marginflow.spark.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;

/**
 * One byte range of one input file, cut by Hadoop's rules: plain and bzip2 files are cut into
 * ranges of the split size (the last range may be up to 10 % longer, as {@code FileInputFormat}
 * does); a line belongs to the range in which it starts. Files that cannot be split (gzip, by
 * suffix or by magic bytes, and other non-splittable codecs) are one range read whole.
 *
 * @param uri fully qualified file URI
 * @param file position of the file in the input list
 * @param index position of this range in its file
 * @param start first byte (stored bytes)
 * @param length bytes in the range
 * @param splittable false when the file is read whole from its first byte
 */
public record LineSplit(
    String uri, int file, int index, long start, long length, boolean splittable)
    implements Serializable {

  /** Hadoop's {@code FileInputFormat.SPLIT_SLOP}: the last range may be this much longer. */
  static final double SPLIT_SLOP = 1.1;

  /** Validates the fields. */
  public LineSplit {
    if (file < 0 || index < 0 || start < 0 || length < 0) {
      throw new IllegalArgumentException(
          "split of "
              + uri
              + ": need file, index, start, length ≥ 0, got "
              + file
              + ", "
              + index
              + ", "
              + start
              + ", "
              + length);
    }
  }

  /** The ranges of {@code files} (in order) for ranges of {@code splitBytes} bytes. */
  public static List<LineSplit> plan(List<String> files, long splitBytes, Configuration conf)
      throws IOException {
    if (splitBytes < 1) {
      throw new IllegalArgumentException("split bytes must be ≥ 1, got " + splitBytes);
    }
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    List<LineSplit> out = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      String uri = files.get(f);
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(conf);
      long len = fs.getFileStatus(path).getLen();
      if (!splittable(path, fs, codecs)) {
        out.add(new LineSplit(uri, f, 0, 0, len, false));
        continue;
      }
      long remaining = len;
      int index = 0;
      while ((double) remaining / splitBytes > SPLIT_SLOP) {
        out.add(new LineSplit(uri, f, index++, len - remaining, splitBytes, true));
        remaining -= splitBytes;
      }
      out.add(new LineSplit(uri, f, index, len - remaining, remaining, true));
    }
    return out;
  }

  private static boolean splittable(Path path, FileSystem fs, CompressionCodecFactory codecs)
      throws IOException {
    CompressionCodec codec = codecs.getCodec(path);
    if (codec != null) {
      return codec instanceof SplittableCompressionCodec;
    }
    try (InputStream in = fs.open(path)) {
      return !(in.read() == 0x1f && in.read() == 0x8b); // gzip without a .gz suffix
    }
  }
}

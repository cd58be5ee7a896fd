package io.marginflow.spark.job;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Resolves input URIs (files or directories, any Hadoop file system, plain paths as local files) to
 * the ordered list of data files, and opens them decompressed. Missing paths, empty files and
 * directories without data fail with a message naming the path.
 */
public final class InputFiles {

  private InputFiles() {}

  /**
   * The data files named by {@code uris}, in the given order; directories expand to sorted files.
   */
  public static List<String> expand(List<String> uris, Configuration conf) throws IOException {
    List<String> out = new ArrayList<>();
    for (String u : uris) {
      Path p = qualify(u, conf);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new IllegalArgumentException("data: " + u + ": no such file or directory");
      }
      FileStatus st = fs.getFileStatus(p);
      if (st.isDirectory()) {
        FileStatus[] children = fs.listStatus(p);
        List<FileStatus> files =
            Arrays.stream(children)
                .filter(FileStatus::isFile)
                .filter(
                    c ->
                        !c.getPath().getName().startsWith("_")
                            && !c.getPath().getName().startsWith("."))
                .filter(c -> c.getLen() > 0)
                .sorted(Comparator.comparing(c -> c.getPath().getName()))
                .toList();
        if (files.isEmpty()) {
          throw new IllegalArgumentException("data: " + u + ": directory holds no data files");
        }
        files.forEach(f -> out.add(f.getPath().toString()));
      } else {
        if (st.getLen() == 0) {
          throw new IllegalArgumentException("data: " + u + ": empty file (0 bytes)");
        }
        out.add(st.getPath().toString());
      }
    }
    return out;
  }

  /** A fully qualified Hadoop path; plain paths are local files. */
  public static Path qualify(String uri, Configuration conf) throws IOException {
    URI parsed = URI.create(uri.replace(" ", "%20"));
    Path p =
        parsed.getScheme() == null
            ? new Path(new java.io.File(uri).getAbsoluteFile().toURI())
            : new Path(parsed);
    return p.getFileSystem(conf).makeQualified(p);
  }

  /**
   * The decompressed content of {@code raw}, read from {@code path} (codec by suffix or gzip
   * magic).
   */
  public static InputStream decompressed(Path path, InputStream raw, Configuration conf)
      throws IOException {
    CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
    if (codec != null) {
      return codec.createInputStream(raw);
    }
    java.io.BufferedInputStream in = new java.io.BufferedInputStream(raw, 1 << 16);
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      return new GZIPInputStream(in, 1 << 16);
    }
    return in;
  }
}

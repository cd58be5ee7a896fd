package io.marginflow.spark.store;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Creates the files marginflow writes for people to open — HTML reports, KKT reports, margin
 * exports — on any Hadoop file system, without the hidden {@code .crc} file Hadoop's checksummed
 * local file system writes next to each of them (run directories avoid it the same way).
 */
public final class UserFiles {
  private UserFiles() {}

  /**
   * Opens {@code path} for writing, replacing it. On a checksummed file system (the local one) the
   * file is written through the raw file system, and a checksum file left by an earlier write is
   * removed, so that the new content never meets a stale checksum.
   */
  public static OutputStream create(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    if (fs instanceof ChecksumFileSystem checksummed) {
      FileSystem raw = withoutChecksumFiles(fs);
      Path crc = checksummed.getChecksumFile(path);
      if (raw.exists(crc)) {
        raw.delete(crc, false);
      }
      return raw.create(path, true);
    }
    return fs.create(path, true);
  }

  /**
   * The file system that writes no {@code .crc} sidecar files: the raw one under a checksummed file
   * system (the local one), {@code fs} itself otherwise (HDFS keeps its checksums inside).
   */
  public static FileSystem withoutChecksumFiles(FileSystem fs) {
    return fs instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : fs;
  }
}

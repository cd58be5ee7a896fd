package io.marginflow.spark.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * The stored footer of one Parquet file (its Thrift-encoded {@code FileMetaData}, as written before
 * the footer length and the {@code PAR1} magic), read with one open and one read of the file's
 * tail, and parsed in memory on demand. The bytes are small and serializable: a footer read once on
 * the driver can be parsed again wherever it is shipped, without reading the file.
 */
public final class ParquetFooter implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Bytes read from the end of a file at once: most footers fit, else the rest is read. */
  static final int TAIL_BYTES = 64 << 10;

  private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

  private final String uri;
  private final long length;
  private final long modified;
  private final byte[] bytes;
  private transient volatile ParquetMetadata parsed; // parsed on first use (a race parses twice)

  private ParquetFooter(String uri, long length, long modified, byte[] bytes) {
    this.uri = uri;
    this.length = length;
    this.modified = modified;
    this.bytes = bytes;
  }

  /** The file. */
  public String uri() {
    return uri;
  }

  /** The file's length in bytes when its footer was read. */
  public long length() {
    return length;
  }

  /** The file's modification time when its footer was read. */
  public long modified() {
    return modified;
  }

  /**
   * Reads the footer of the file {@code uri}, which {@code status} describes. A file that does not
   * end in the plain {@code PAR1} magic is handed to parquet-mr's footer reader, whose error names
   * what is wrong (not a Parquet file, too short); an encrypted footer is refused.
   */
  public static ParquetFooter read(String uri, FileStatus status, Configuration conf)
      throws IOException {
    return read(uri, status, conf, TAIL_BYTES);
  }

  /** As {@link #read(String, FileStatus, Configuration)}, reading {@code tailBytes} at first. */
  static ParquetFooter read(String uri, FileStatus status, Configuration conf, int tailBytes)
      throws IOException {
    Path path = status.getPath();
    long len = status.getLen();
    try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
      if (len < 8 + 2 * MAGIC.length) { // magic, footer, footer length, magic
        throw notPlain(status, conf);
      }
      int n = (int) Math.min(len, Math.max(8, tailBytes));
      byte[] tail = new byte[n];
      in.readFully(len - n, tail);
      int footerLength = footerLength(tail);
      if (footerLength < 0 || footerLength > len - 8 - 2 * MAGIC.length) {
        throw notPlain(status, conf);
      }
      byte[] footer = new byte[footerLength];
      int inTail = Math.min(footerLength, n - 8);
      System.arraycopy(tail, n - 8 - inTail, footer, footerLength - inTail, inTail);
      if (inTail < footerLength) {
        in.readFully(len - 8 - footerLength, footer, 0, footerLength - inTail);
      }
      return new ParquetFooter(uri, len, status.getModificationTime(), footer);
    }
  }

  /** The footer length stored before the tail's magic, or −1 when the tail is not plain PAR1. */
  private static int footerLength(byte[] tail) {
    int n = tail.length;
    if (!Arrays.equals(tail, n - 4, n, MAGIC, 0, 4)) {
      return -1;
    }
    int v =
        (tail[n - 8] & 0xff)
            | (tail[n - 7] & 0xff) << 8
            | (tail[n - 6] & 0xff) << 16
            | (tail[n - 5] & 0xff) << 24;
    return v;
  }

  /** parquet-mr's error for a file whose tail is not a plain Parquet footer. */
  private static IOException notPlain(FileStatus status, Configuration conf) throws IOException {
    ParquetFileReader.readFooter(
        HadoopInputFile.fromStatus(status, conf), ParquetMetadataConverter.NO_FILTER);
    return new IOException(status.getPath() + ": encrypted parquet footers are not supported");
  }

  /** Bytes of the stored footer. */
  int storedBytes() {
    return bytes.length;
  }

  /** The parsed footer (parsed once per instance). */
  public ParquetMetadata metadata() throws IOException {
    if (parsed == null) {
      // as parquet-mr's footer reader: the converter takes its limits from the read options
      parsed =
          new ParquetMetadataConverter(HadoopReadOptions.builder(new Configuration(false)).build())
              .readParquetMetadata(
                  new ByteArrayInputStream(bytes),
                  ParquetMetadataConverter.NO_FILTER,
                  null,
                  false,
                  bytes.length);
    }
    return parsed;
  }

  /** A status of the file as it was when the footer was read (no call to the file system). */
  FileStatus status() {
    return new FileStatus(length, false, 1, 0, modified, new Path(uri));
  }

  /**
   * A reader of the file that uses this footer instead of reading it again (one open of the file,
   * no footer read).
   */
  ParquetFileReader open(Configuration conf) throws IOException {
    return open(conf, HadoopReadOptions.builder(conf, status().getPath()).build());
  }

  /** The same with the read options {@code options}. */
  ParquetFileReader open(Configuration conf, ParquetReadOptions options) throws IOException {
    HadoopInputFile file = HadoopInputFile.fromStatus(status(), conf);
    SeekableInputStream in = file.newStream();
    try {
      return ParquetFileReader.open(file, metadata(), options, in);
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }
}

package io.marginflow.spark.job;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.io.DigitLabels;
import io.marginflow.common.io.IdxReader;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An MNIST IDX image/label pair read straight from its URIs on any Hadoop file system, compressed
 * with any Hadoop codec (by suffix) or gzip (by magic). {@link #scan} validates the pair and
 * fingerprints both files (size, modification time, SHA-256 of the stored bytes) before anything is
 * written; {@link #read} loads it on the driver. Errors name the URIs.
 */
public final class IdxInput {

  private IdxInput() {}

  /**
   * What the scan found.
   *
   * @param summary records, kept rows, positives and image shape
   * @param files the fingerprints of the images file (rows = kept rows) and the labels file
   */
  public record Scanned(IdxReader.Summary summary, List<InputFile> files) {}

  /** Validates and fingerprints the pair; throws naming the URI of the bad file. */
  public static Scanned scan(String imagesUri, String labelsUri, DigitLabels m, Configuration conf)
      throws IOException {
    Path images = existing(imagesUri, "data", conf);
    Path labels = existing(labelsUri, "idx-labels", conf);
    MessageDigest imagesSha = sha256();
    MessageDigest labelsSha = sha256();
    IdxReader.Summary s;
    try (InputStream img = hashed(images, imagesSha, conf);
        InputStream lab = hashed(labels, labelsSha, conf)) {
      s = IdxReader.scan(img, imagesUri, lab, labelsUri, m);
    }
    return new Scanned(
        s,
        List.of(
            fingerprint(images, imagesSha, s.rows(), s.features(), conf),
            fingerprint(labels, labelsSha, s.rows(), 1, conf)));
  }

  /** Reads the pair on the driver (dense rows, pixels scaled to [0, 1]). */
  public static Dataset read(
      String imagesUri, String labelsUri, DigitLabels m, int blockRows, Configuration conf)
      throws IOException {
    Path images = existing(imagesUri, "data", conf);
    Path labels = existing(labelsUri, "idx-labels", conf);
    try (InputStream img = open(images, conf);
        InputStream lab = open(labels, conf)) {
      return IdxReader.read(img, imagesUri, lab, labelsUri, m, true, false, blockRows);
    }
  }

  private static Path existing(String uri, String key, Configuration conf) throws IOException {
    Path p = InputFiles.qualify(uri, conf);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new IllegalArgumentException(key + ": " + uri + ": no such file");
    }
    if (!fs.getFileStatus(p).isFile()) {
      throw new IllegalArgumentException(key + ": " + uri + ": not a file (IDX takes one file)");
    }
    if (fs.getFileStatus(p).getLen() == 0) {
      throw new IllegalArgumentException(key + ": " + uri + ": empty file (0 bytes)");
    }
    return p;
  }

  private static InputStream open(Path p, Configuration conf) throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return InputFiles.decompressed(p, fs.open(p), conf);
  }

  private static InputStream hashed(Path p, MessageDigest sha, Configuration conf)
      throws IOException {
    FileSystem fs = p.getFileSystem(conf);
    return new Drained(InputFiles.decompressed(p, new DigestInputStream(fs.open(p), sha), conf));
  }

  private static InputFile fingerprint(
      Path p, MessageDigest sha, long rows, int features, Configuration conf) throws IOException {
    FileStatus st = p.getFileSystem(conf).getFileStatus(p);
    return new InputFile(
        p.toString(),
        st.getLen(),
        st.getModificationTime(),
        HexFormat.of().formatHex(sha.digest()),
        rows,
        0,
        features,
        0,
        List.of()); // IDX pairs are read whole on the driver, not by splits
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Reads what is left on close, so that the digest covers every stored byte. */
  private static final class Drained extends java.io.FilterInputStream {
    Drained(InputStream in) {
      super(in);
    }

    @Override
    public void close() throws IOException {
      try {
        byte[] rest = new byte[1 << 16];
        while (in.read(rest) >= 0) {
          // drain
        }
      } finally {
        in.close();
      }
    }
  }
}

package io.marginflow.spark.job;

import java.io.IOException;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The SHA-256 fingerprint of input files, computed in parallel over fixed chunks of the stored
 * bytes. The scheme ({@link #SCHEME}, recorded in the manifest): a file of at most one chunk has
 * the plain SHA-256 of its stored bytes; a longer file has the SHA-256 of the concatenated 32-byte
 * SHA-256 digests of its consecutive chunks (the last one shorter). The chunk size is fixed, so the
 * fingerprint does not depend on the split size or the partition count.
 */
public final class FileFingerprint {

  /** Chunk size of the scheme: 64 MiB. */
  public static final long CHUNK_BYTES = 64L << 20;

  /** The scheme, as written to the manifest. */
  public static final String SCHEME =
      "sha256 of the stored bytes; files over 64 MiB: sha256 of the concatenated sha256 digests"
          + " of consecutive 64 MiB chunks";

  private FileFingerprint() {}

  /** The class of the chunk tasks (for Kryo registration). */
  public static Class<?> chunkClass() {
    return Chunk.class;
  }

  /** One chunk of one file to hash. */
  record Chunk(String uri, int file, long start, long length) implements Serializable {}

  /** The hex fingerprint of each of {@code files}, in order. */
  public static List<String> of(JavaSparkContext sc, List<String> files, HadoopConf conf)
      throws IOException {
    return of(sc, files, conf, CHUNK_BYTES);
  }

  static List<String> of(JavaSparkContext sc, List<String> files, HadoopConf conf, long chunkBytes)
      throws IOException {
    List<Chunk> chunks = chunks(files, conf, chunkBytes);
    sc.setJobDescription("marginflow: fingerprint " + files.size() + " data files");
    List<byte[]> digests =
        sc.parallelize(chunks, Math.max(1, chunks.size())).map(c -> digest(c, conf)).collect();
    return assemble(files.size(), chunks, digests);
  }

  /** The same fingerprints computed in this JVM, one chunk after the other (no Spark). */
  public static List<String> ofLocal(List<String> files, HadoopConf conf) throws IOException {
    List<Chunk> chunks = chunks(files, conf, CHUNK_BYTES);
    List<byte[]> digests = new ArrayList<>();
    for (Chunk c : chunks) {
      digests.add(digest(c, conf));
    }
    return assemble(files.size(), chunks, digests);
  }

  /** The chunks of {@code files} to hash, in file and byte order. */
  static List<Chunk> chunks(List<String> files, HadoopConf conf, long chunkBytes)
      throws IOException {
    long[] lengths = new long[files.size()];
    for (int f = 0; f < files.size(); f++) {
      Path path = new Path(files.get(f));
      lengths[f] = path.getFileSystem(conf.get()).getFileStatus(path).getLen();
    }
    return chunks(files, lengths, chunkBytes);
  }

  /** The chunks of {@code files} of the given lengths to hash, in file and byte order. */
  static List<Chunk> chunks(List<String> files, long[] lengths, long chunkBytes) {
    List<Chunk> chunks = new ArrayList<>();
    for (int f = 0; f < files.size(); f++) {
      long len = lengths[f];
      long start = 0;
      do {
        chunks.add(new Chunk(files.get(f), f, start, Math.min(chunkBytes, len - start)));
        start += chunkBytes;
      } while (start < len);
    }
    return chunks;
  }

  /** Each file's hex fingerprint from the digests of {@link #chunks}, in the same order. */
  static List<String> assemble(int files, List<Chunk> chunks, List<byte[]> digests) {
    List<String> out = new ArrayList<>();
    int i = 0;
    for (int f = 0; f < files; f++) {
      List<byte[]> parts = new ArrayList<>();
      while (i < chunks.size() && chunks.get(i).file() == f) {
        parts.add(digests.get(i++));
      }
      out.add(HexFormat.of().formatHex(combine(parts)));
    }
    return out;
  }

  /** The hex fingerprint of a file from its chunk digests, in order. */
  static String hex(List<byte[]> chunkDigests) {
    return HexFormat.of().formatHex(combine(chunkDigests));
  }

  /** The file digest from its chunk digests, by the scheme. */
  static byte[] combine(List<byte[]> chunkDigests) {
    if (chunkDigests.size() == 1) {
      return chunkDigests.get(0);
    }
    MessageDigest sha = sha256();
    chunkDigests.forEach(sha::update);
    return sha.digest();
  }

  /** The SHA-256 of one chunk's bytes. */
  static byte[] digest(Chunk c, HadoopConf conf) throws IOException {
    Path path = new Path(c.uri());
    FileSystem fs = path.getFileSystem(conf.get());
    MessageDigest sha = sha256();
    byte[] buf = new byte[1 << 16];
    try (FSDataInputStream in = fs.open(path)) {
      in.seek(c.start());
      long left = c.length();
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(c.uri() + ": file shorter than " + (c.start() + c.length()));
        }
        sha.update(buf, 0, n);
        left -= n;
      }
    }
    return sha.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

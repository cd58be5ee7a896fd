package io.marginflow.spark.job;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The SHA-256 digests of the fixed {@link FileFingerprint} chunks that start in one byte range
 * [start, end) of a file of known length, computed from the bytes as a reader streams them (in file
 * order, from {@code start} on). A chunk that starts in the range is hashed whole, also past {@code
 * end}: every chunk of a file starts in exactly one split, so the splits' digests together are the
 * file's chunk digests, whatever the split size.
 */
final class ChunkHasher {

  private final long chunkBytes;
  private final long hashStart;
  private final long hashEnd;
  private final List<byte[]> digests = new ArrayList<>();
  private final MessageDigest sha = sha256();
  private long next; // next file position expected
  private long chunkEnd; // end of the chunk being hashed

  /**
   * @param start first byte of the range (the reader's first byte fed)
   * @param end end of the range (exclusive)
   * @param fileLength the file's length in bytes
   * @param chunkBytes the chunk size of the scheme
   */
  ChunkHasher(long start, long end, long fileLength, long chunkBytes) {
    this.chunkBytes = chunkBytes;
    long first = ceilDiv(start, chunkBytes) * chunkBytes;
    long last = Math.min(fileLength, ceilDiv(Math.min(end, fileLength), chunkBytes) * chunkBytes);
    if (fileLength == 0 && start == 0) { // the empty file: one empty chunk
      first = 0;
      last = 0;
      digests.add(sha.digest());
    }
    if (first >= last) { // no chunk starts in the range
      first = start;
      last = start;
    }
    this.hashStart = first;
    this.hashEnd = last;
    this.next = start;
    this.chunkEnd = Math.min(hashEnd, hashStart + chunkBytes);
  }

  /** The position up to which bytes must be fed (exclusive). */
  long hashEnd() {
    return hashEnd;
  }

  /** The file position of the next byte to feed. */
  long position() {
    return next;
  }

  /**
   * Feeds {@code n} bytes of {@code buf} from {@code off}: the file's bytes at {@link #position}.
   */
  void feed(byte[] buf, int off, int n) {
    long pos = next;
    next += n;
    long lo = Math.max(pos, hashStart);
    long hi = Math.min(next, hashEnd);
    while (lo < hi) {
      long upto = Math.min(hi, chunkEnd);
      sha.update(buf, off + (int) (lo - pos), (int) (upto - lo));
      lo = upto;
      if (lo == chunkEnd) {
        digests.add(sha.digest());
        chunkEnd = Math.min(hashEnd, chunkEnd + chunkBytes);
      }
    }
  }

  /** True once every chunk of the range is hashed. */
  boolean done() {
    return next >= hashEnd;
  }

  /** The digests of the chunks that start in the range, in order (call when {@link #done}). */
  List<byte[]> digests() {
    if (!done()) {
      throw new IllegalStateException("chunks hashed up to " + next + " of " + hashEnd);
    }
    return List.copyOf(digests);
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

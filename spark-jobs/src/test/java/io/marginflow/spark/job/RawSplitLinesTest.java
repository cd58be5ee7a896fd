package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.LineRecordReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property test: reading an uncompressed file's splits from raw bytes gives exactly the lines of
 * Hadoop's {@code LineRecordReader} on the same splits (LF, CR, CR LF, blank lines, a BOM, long
 * lines, no final terminator), for many split sizes; and the chunk digests hashed by the splits
 * make the same fingerprint as one pass over the file, whatever the split size.
 */
class RawSplitLinesTest {

  @TempDir Path dir;

  private static final Configuration CONF = new Configuration();

  private static byte[] randomFile(Random rnd) {
    StringBuilder sb = new StringBuilder();
    if (rnd.nextInt(4) == 0) {
      sb.append('\uFEFF');
    }
    int lines = rnd.nextInt(60);
    String[] terminators = {"\n", "\r", "\r\n", "\n\n", "\r\r\n"};
    for (int i = 0; i < lines; i++) {
      int len = rnd.nextInt(40) == 0 ? 300_000 + rnd.nextInt(10) : rnd.nextInt(40);
      for (int k = 0; k < len; k++) {
        sb.append(rnd.nextInt(50) == 0 ? 'é' : (char) ('a' + rnd.nextInt(26)));
      }
      if (i < lines - 1 || rnd.nextBoolean()) {
        sb.append(terminators[rnd.nextInt(terminators.length)]);
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> hadoopLines(String uri, long start, long length) throws IOException {
    List<String> out = new ArrayList<>();
    LineRecordReader r =
        new LineRecordReader(
            CONF, new FileSplit(new org.apache.hadoop.fs.Path(uri), start, length, new String[0]));
    LongWritable k = new LongWritable();
    Text v = new Text();
    while (r.next(k, v)) {
      out.add(v.toString());
    }
    r.close();
    return out;
  }

  @Test
  void linesAndFingerprintsEqualHadoopsForManySplitSizes() throws IOException {
    Random rnd = new Random(42);
    HadoopConf conf = new HadoopConf(CONF);
    for (int trial = 0; trial < 60; trial++) {
      byte[] bytes = randomFile(rnd);
      Path file = dir.resolve("f" + trial + ".txt");
      Files.write(file, bytes);
      String uri = file.toUri().toString();
      long chunk = 1 + rnd.nextInt(Math.max(1, bytes.length));
      String whole = sha256(bytes, chunk);
      for (long splitBytes : splitSizes(rnd, bytes.length)) {
        List<String> ours = new ArrayList<>();
        List<String> theirs = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>();
        List<LineSplit> splits = LineSplit.plan(List.of(uri), splitBytes, CONF);
        for (LineSplit s : splits) {
          theirs.addAll(hadoopLines(uri, s.start(), s.length()));
          try (RawSplitLines r = new RawSplitLines(s, bytes.length, chunk, conf)) {
            for (ByteLine l = r.next(); l != null; l = r.next()) {
              ours.add(l.toString());
            }
            digests.addAll(r.chunkDigests());
          }
        }
        String what = "trial " + trial + ", " + bytes.length + " bytes, split " + splitBytes;
        assertEquals(theirs, ours, what);
        assertEquals(whole, FileFingerprint.hex(digests), what + ", chunk " + chunk);
      }
    }
  }

  /** Tiny splits for small files; for large ones a few cuts; and one split for all. */
  private static long[] splitSizes(Random rnd, int length) {
    if (length < 3000) {
      return new long[] {1, 2, 3, 7, 64, 1 + rnd.nextInt(3000), 1L << 40};
    }
    return new long[] {
      length / 40 + 1,
      length / 7 + rnd.nextInt(100),
      length / 2 + 1,
      1 + rnd.nextInt(length),
      1L << 40
    };
  }

  /** The scheme computed directly: sha256 of the bytes, or of the chunks' digests. */
  private static String sha256(byte[] bytes, long chunk) {
    if (bytes.length <= chunk) {
      return HexFormat.of().formatHex(ChunkHasher.sha256().digest(bytes));
    }
    var outer = ChunkHasher.sha256();
    for (long at = 0; at < bytes.length; at += chunk) {
      var inner = ChunkHasher.sha256();
      inner.update(bytes, (int) at, (int) Math.min(chunk, bytes.length - at));
      outer.update(inner.digest());
    }
    return HexFormat.of().formatHex(outer.digest());
  }
}

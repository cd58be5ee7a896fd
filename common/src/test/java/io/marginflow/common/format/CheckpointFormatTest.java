package io.marginflow.common.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class CheckpointFormatTest {

  private static final String GOLDEN = "/formats/checkpoint-v1.bin";

  /** The θ stored in the golden file (written independently with Python's struct + zlib.crc32). */
  private static final double[] GOLDEN_THETA = {
    1.0, -2.5, 1e-300, -0.0, Double.MIN_VALUE, Double.MAX_VALUE
  };

  @Test
  void goldenVersion1StillParsesAndIsReproducedByteForByte() throws IOException {
    byte[] golden = resource(GOLDEN);
    double[] theta = CheckpointFormat.fromBytes(golden, GOLDEN);
    assertBitsEqual(GOLDEN_THETA, theta);
    assertArrayEquals(golden, CheckpointFormat.toBytes(GOLDEN_THETA), "writer drifted from v1");
  }

  @Test
  void roundTripIsBitExactAcrossChunkBoundaries() throws IOException {
    SplittableRandom rnd = new SplittableRandom(20260102L);
    for (int d : new int[] {0, 1, 8191, 8192, 8193, 70_000}) {
      double[] theta = new double[d];
      for (int i = 0; i < d; i++) {
        theta[i] = (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(-300, 300));
      }
      byte[] bytes = CheckpointFormat.toBytes(theta);
      assertEquals(CheckpointFormat.sizeInBytes(d), bytes.length, "size for d=" + d);
      // A stream that returns short reads must not matter.
      double[] back = CheckpointFormat.read(new TrickleInputStream(bytes, 1000), "mem");
      assertBitsEqual(theta, back);
    }
  }

  @Test
  void rejectsBadMagicNamingTheSource() throws IOException {
    byte[] b = resource(GOLDEN);
    b[0] = 'X';
    FormatException e =
        assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "run/theta.bin"));
    assertTrue(
        e.getMessage().startsWith("run/theta.bin: not a marginflow checkpoint"), e.getMessage());
  }

  @Test
  void rejectsUnknownVersionSayingWhichAreSupported() throws IOException {
    byte[] b = resource(GOLDEN);
    ByteBuffer.wrap(b).putInt(4, 2);
    FormatException e =
        assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "run/theta.bin"));
    assertTrue(e.getMessage().contains("run/theta.bin"), e.getMessage());
    assertTrue(e.getMessage().contains("version 2 (supported: 1)"), e.getMessage());
  }

  @Test
  void rejectsTruncationAtEveryLength() throws IOException {
    byte[] b = resource(GOLDEN);
    for (int len = 0; len < b.length; len++) {
      byte[] cut = Arrays.copyOf(b, len);
      FormatException e =
          assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(cut, "cut.bin"));
      assertTrue(
          e.getMessage().startsWith("cut.bin: truncated checkpoint, ends after " + len + " bytes"),
          "len=" + len + ": " + e.getMessage());
    }
  }

  @Test
  void rejectsEveryFlippedBitInTheValues() throws IOException {
    byte[] b = resource(GOLDEN);
    for (int pos = CheckpointFormat.HEADER_BYTES; pos < b.length; pos++) {
      byte[] bad = b.clone();
      bad[pos] ^= 0x10;
      FormatException e =
          assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(bad, "bad.bin"));
      assertTrue(e.getMessage().startsWith("bad.bin: CRC32 mismatch"), e.getMessage());
    }
  }

  @Test
  void rejectsCorruptedCountWithoutHugeAllocation() throws IOException {
    byte[] b = resource(GOLDEN);
    ByteBuffer.wrap(b)
        .putLong(8, 1_000_000_000L); // 8 GB worth of doubles claimed, 52 bytes present
    FormatException e =
        assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "big.bin"));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());

    ByteBuffer.wrap(b).putLong(8, -1L);
    e = assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "neg.bin"));
    assertTrue(e.getMessage().contains("d=-1 out of range"), e.getMessage());
  }

  @Test
  void rejectsTrailingBytes() throws IOException {
    byte[] b = Arrays.copyOf(resource(GOLDEN), 69);
    FormatException e =
        assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "long.bin"));
    assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
  }

  @Test
  void nonFiniteValuesAreRefusedOnWriteAndOnRead() {
    IllegalArgumentException w =
        assertThrows(
            IllegalArgumentException.class,
            () -> CheckpointFormat.toBytes(new double[] {0, 1, Double.NaN}));
    assertTrue(w.getMessage().startsWith("theta[2]"), w.getMessage());

    // A NaN with a valid CRC (another writer) is still refused by the reader.
    byte[] b = CheckpointFormat.toBytes(new double[] {1, 2});
    ByteBuffer buf = ByteBuffer.wrap(b);
    buf.putDouble(CheckpointFormat.HEADER_BYTES + 8, Double.POSITIVE_INFINITY);
    CRC32 crc = new CRC32();
    crc.update(b, 0, b.length - 4);
    buf.putInt(b.length - 4, (int) crc.getValue());
    FormatException r =
        assertThrows(FormatException.class, () -> CheckpointFormat.fromBytes(b, "inf.bin"));
    assertTrue(r.getMessage().startsWith("inf.bin: theta[1] = Infinity"), r.getMessage());
  }

  private static void assertBitsEqual(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(
          Double.doubleToRawLongBits(expected[i]),
          Double.doubleToRawLongBits(actual[i]),
          "bits of theta[" + i + "]");
    }
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = CheckpointFormatTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing test resource " + name);
      }
      return in.readAllBytes();
    }
  }

  /** Returns at most {@code max} bytes per read call, like a network stream. */
  private static final class TrickleInputStream extends ByteArrayInputStream {
    private final int max;

    TrickleInputStream(byte[] b, int max) {
      super(b);
      this.max = max;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      return super.read(b, off, Math.min(len, max));
    }
  }
}

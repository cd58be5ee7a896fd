package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.junit.jupiter.api.Test;

/**
 * {@link ParquetPageColumn.Hybrid} decodes what parquet-mr's RLE/bit-packed hybrid encoder writes
 * (the encoder of Parquet's levels and dictionary ids), at every bit width up to 24, for runs and
 * for values that change at every position, and refuses data that ends early; its check that every
 * value equals one (the definition levels) agrees with the decode.
 */
class ParquetDensePagesTest {

  @Test
  void decodesParquetMrsHybridEncodingAtEveryBitWidth() throws IOException {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int bits = 0; bits <= 24; bits++) {
      for (int trial = 0; trial < 20; trial++) {
        int count = 1 + rnd.nextInt(3000);
        int[] values = new int[count];
        int max = bits == 0 ? 0 : (int) ((1L << bits) - 1);
        int k = 0;
        while (k < count) { // runs of random length (1: bit-packed, longer: RLE) of random values
          int run = Math.min(count - k, rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(40) : 1);
          int v = max == 0 ? 0 : rnd.nextInt(max) + (rnd.nextBoolean() ? 1 : 0);
          Arrays.fill(values, k, k + run, Math.min(v, max));
          k += run;
        }
        byte[] encoded = encode(values, bits);
        int[] out = new int[count];
        assertTrue(
            ParquetPageColumn.Hybrid.decode(ByteBuffer.wrap(encoded), bits, out, count),
            "bits " + bits);
        assertArrayEquals(values, out, "bits " + bits + ", " + count + " values");
        if (bits <= 8) {
          int v = values[rnd.nextInt(count)];
          boolean same = Arrays.stream(values).allMatch(w -> w == v);
          assertEquals(
              same,
              ParquetPageColumn.Hybrid.allEqual(ByteBuffer.wrap(encoded), bits, v, count),
              "bits " + bits);
          int[] flat = new int[count];
          Arrays.fill(flat, v);
          byte[] runs = encode(flat, bits);
          assertTrue(ParquetPageColumn.Hybrid.allEqual(ByteBuffer.wrap(runs), bits, v, count));
          if (max > 0) {
            flat[rnd.nextInt(count)] = v == 0 ? 1 : v - 1;
            assertFalse(
                ParquetPageColumn.Hybrid.allEqual(
                    ByteBuffer.wrap(encode(flat, bits)), bits, v, count));
          }
        }
        if (bits > 0 && encoded.length > 1) {
          ByteBuffer cut = ByteBuffer.wrap(encoded, 0, encoded.length / 2).slice();
          assertFalse(
              ParquetPageColumn.Hybrid.decode(cut, bits, new int[count], count),
              "data that ends early");
        }
      }
    }
  }

  @Test
  void decodesTheRepetitionLevelsOfDenseVectors() throws IOException {
    for (int width : new int[] {1, 2, 7, 8, 9, 28, 123}) {
      int rows = 517;
      int[] rep = new int[rows * width];
      for (int r = 0; r < rows; r++) {
        Arrays.fill(rep, r * width + 1, (r + 1) * width, 1);
      }
      int[] out = new int[rep.length];
      assertTrue(
          ParquetPageColumn.Hybrid.decode(ByteBuffer.wrap(encode(rep, 1)), 1, out, rep.length));
      assertArrayEquals(rep, out, "width " + width);
    }
  }

  private static byte[] encode(int[] values, int bits) throws IOException {
    try (RunLengthBitPackingHybridEncoder e =
        new RunLengthBitPackingHybridEncoder(bits, 64, 1 << 16, new HeapByteBufferAllocator())) {
      for (int v : values) {
        e.writeInt(v);
      }
      return e.toBytes().toByteArray();
    }
  }
}

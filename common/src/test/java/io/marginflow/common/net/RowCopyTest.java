package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowCopyTest {

  @Test
  void vectorCopiesEqualArraycopyAndWriteNothingOutsideTheRun() {
    RowCopy vector = VectorRowCopy.createIfUseful();
    assumeTrue(vector != null, "no vector shape for the copies");
    checkAgainstArraycopy(vector);
  }

  @Test
  void theChosenAndTheFallbackCopiesEqualArraycopy() {
    checkAgainstArraycopy(RowCopy.get());
    checkAgainstArraycopy(new ArrayRowCopy());
  }

  private static void checkAgainstArraycopy(RowCopy copy) {
    Random rnd = new Random(11);
    double[] src = new double[200];
    for (int i = 0; i < src.length; i++) {
      src[i] = rnd.nextGaussian();
    }
    src[7] = -0.0;
    src[9] = Double.longBitsToDouble(0x7ff0000000000123L); // a NaN payload survives
    for (int n = 0; n <= 40; n++) {
      for (int from : new int[] {0, 1, 3, 7, 200 - n}) {
        for (int to : new int[] {0, 5, 13, 100 - n}) {
          double[] expected = sentinels(100);
          double[] actual = sentinels(100);
          System.arraycopy(src, from, expected, to, n);
          copy.copy(src, from, actual, to, n);
          assertArrayEquals(
              bits(expected),
              bits(actual),
              copy.name() + ": n=" + n + " from=" + from + " to=" + to);
        }
      }
    }
  }

  private static double[] sentinels(int length) {
    double[] a = new double[length];
    Arrays.fill(a, 12345.0);
    return a;
  }

  private static long[] bits(double[] a) {
    return Arrays.stream(a).mapToLong(Double::doubleToRawLongBits).toArray();
  }
}

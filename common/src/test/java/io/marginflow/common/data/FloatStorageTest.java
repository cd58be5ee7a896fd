package io.marginflow.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Float storage against its reference, the double block of the float-rounded values: for random
 * dense and CSR blocks of several shapes, {@code select} and {@link FloatStorage#widen} of the
 * compacted block equal, bit for bit, the same operations on the rounded double block; the bytes
 * shrink; overflow and non-contiguous rows are refused.
 */
class FloatStorageTest {

  @Test
  void compactedBlocksWidenToTheRoundedDoubleBlocks() {
    SplittableRandom rnd = new SplittableRandom(14);
    FloatStorage scratch = new FloatStorage();
    for (int trial = 0; trial < 60; trial++) {
      int features = 1 + rnd.nextInt(40);
      int rows = 1 + rnd.nextInt(70);
      boolean sparse = rnd.nextBoolean();
      long first = rnd.nextLong(1_000_000);
      RowBlockBuilder exact = new RowBlockBuilder(features, sparse, rows);
      RowBlockBuilder rounded = new RowBlockBuilder(features, sparse, rows);
      double[] x = new double[features];
      double[] r = new double[features];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < features; j++) {
          x[j] = rnd.nextInt(3) == 0 ? 0.0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 4);
          r[j] = (float) x[j];
        }
        double y = rnd.nextBoolean() ? 1.0 : -1.0;
        exact.addDense(first + i, y, x);
        rounded.addDense(first + i, y, r);
      }
      RowBlock block = exact.finish().get(0);
      RowBlock reference = rounded.finish().get(0);
      RowBlock stored = FloatStorage.compact(block);
      assertTrue(stored instanceof FloatDenseBlock || stored instanceof FloatCsrBlock);
      assertSame(stored, FloatStorage.compact(stored));
      assertEquals(first, stored.firstRowIndex());
      assertTrue(stored.sizeInBytes() < 0.65 * block.sizeInBytes() + 16, "bytes");
      assertBitEqual(reference, scratch.widen(stored));
      assertBitEqual(reference, FloatStorage.toDouble(stored));
      int count = rnd.nextInt(rows + 1);
      int[] pick = new int[count];
      for (int k = 0; k < count; k++) {
        pick[k] = rnd.nextInt(rows);
      }
      assertBitEqual(reference.select(pick, count), stored.select(pick, count));
      assertArrayEquals(reference.labels(), stored.labels());
      assertArrayEquals(reference.rowIndex(), stored.rowIndex());
    }
  }

  @Test
  void doubleBlocksPassThroughWiden() {
    RowBlockBuilder b = new RowBlockBuilder(2, false, 4);
    b.addDense(0, 1.0, new double[] {1, 2});
    RowBlock block = b.finish().get(0);
    assertSame(block, new FloatStorage().widen(block));
    assertSame(block, FloatStorage.toDouble(block));
  }

  @Test
  void refusesValuesBeyondFloatRangeAndGapsInRowIndices() {
    RowBlockBuilder big = new RowBlockBuilder(2, false, 4);
    big.addDense(0, 1.0, new double[] {1, 1e300});
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> FloatStorage.compact(big.finish().get(0)));
    assertTrue(
        e.getMessage().contains("1.0E300") && e.getMessage().contains("row 0"), e.getMessage());
    DenseBlock gap =
        new DenseBlock(2, 1, new double[] {1, 2}, new double[] {1, -1}, new long[] {4, 6});
    assertThrows(IllegalArgumentException.class, () -> FloatStorage.compact(gap));
  }

  private static void assertBitEqual(RowBlock expected, RowBlock actual) {
    assertEquals(expected.getClass(), actual.getClass());
    assertEquals(expected.rows(), actual.rows());
    int rows = expected.rows();
    assertArrayEquals(
        java.util.Arrays.copyOf(expected.labels(), rows),
        java.util.Arrays.copyOf(actual.labels(), rows));
    assertArrayEquals(
        java.util.Arrays.copyOf(expected.rowIndex(), rows),
        java.util.Arrays.copyOf(actual.rowIndex(), rows));
    if (expected instanceof DenseBlock d) {
      int n = rows * d.features();
      assertArrayEquals(
          java.util.Arrays.copyOf(d.values(), n),
          java.util.Arrays.copyOf(((DenseBlock) actual).values(), n));
    } else {
      CsrBlock c = (CsrBlock) expected;
      CsrBlock a = (CsrBlock) actual;
      int nnz = c.nonZeros();
      assertArrayEquals(
          java.util.Arrays.copyOf(c.rowPtr(), rows + 1),
          java.util.Arrays.copyOf(a.rowPtr(), rows + 1));
      assertArrayEquals(
          java.util.Arrays.copyOf(c.colIdx(), nnz), java.util.Arrays.copyOf(a.colIdx(), nnz));
      assertArrayEquals(
          java.util.Arrays.copyOf(c.values(), nnz), java.util.Arrays.copyOf(a.values(), nnz));
    }
  }
}

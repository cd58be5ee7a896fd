package io.marginflow.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RowBlockBuilderTest {

  private static final int FEATURES = 9;
  private static final int ROWS = 23;
  private static final long FIRST_INDEX = 1000; // rows keep the global index they are given

  /** A seeded random sparse row set, some rows empty; rows[i] is the dense reference. */
  private static double[][] randomRows(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    double[][] x = new double[ROWS][FEATURES];
    for (int i = 0; i < ROWS; i++) {
      if (i % 5 == 3) {
        continue; // an all-zero row
      }
      for (int j = 0; j < FEATURES; j++) {
        if (rng.nextDouble() < 0.4) {
          x[i][j] = rng.nextGaussian();
        }
      }
    }
    return x;
  }

  private static double label(int i) {
    return i % 3 == 0 ? 1.0 : -1.0;
  }

  private static List<RowBlock> build(
      double[][] x, boolean sparse, int blockRows, boolean viaSparse) {
    RowBlockBuilder b = new RowBlockBuilder(FEATURES, sparse, blockRows);
    int[] idx = new int[FEATURES];
    double[] val = new double[FEATURES];
    for (int i = 0; i < x.length; i++) {
      if (viaSparse) {
        int nnz = 0;
        for (int j = 0; j < FEATURES; j++) {
          if (x[i][j] != 0) {
            idx[nnz] = j;
            val[nnz++] = x[i][j];
          }
        }
        b.addSparse(FIRST_INDEX + i, label(i), idx, val, nnz);
      } else {
        b.addDense(FIRST_INDEX + i, label(i), x[i]);
      }
    }
    assertEquals(x.length, b.rowsAdded());
    return b.finish();
  }

  private static DenseBlock asDense(RowBlock block) {
    return block instanceof CsrBlock csr ? csr.toDense() : (DenseBlock) block;
  }

  @ParameterizedTest(name = "blockRows={0}")
  @ValueSource(ints = {1, 3, 7, 23, 1000})
  void denseAndSparseBlocksHoldTheSameRowsWithBoundariesAndGlobalIndices(int blockRows) {
    double[][] x = randomRows(7);
    for (boolean sparse : new boolean[] {false, true}) {
      for (boolean viaSparse : new boolean[] {false, true}) {
        List<RowBlock> blocks = build(x, sparse, blockRows, viaSparse);
        assertEquals((ROWS + blockRows - 1) / blockRows, blocks.size());
        int i = 0;
        for (int k = 0; k < blocks.size(); k++) {
          RowBlock block = blocks.get(k);
          assertTrue(sparse ? block instanceof CsrBlock : block instanceof DenseBlock);
          int expectedRows = k < blocks.size() - 1 ? blockRows : ROWS - k * blockRows;
          assertEquals(expectedRows, block.rows(), "rows of block " + k);
          assertEquals(expectedRows, block.labels().length, "labels trimmed");
          DenseBlock d = asDense(block);
          for (int r = 0; r < block.rows(); r++, i++) {
            assertEquals(FIRST_INDEX + i, block.rowIndex()[r]);
            assertEquals(label(i), block.labels()[r]);
            for (int j = 0; j < FEATURES; j++) {
              assertEquals(x[i][j], d.values()[r * FEATURES + j], "x[" + i + "][" + j + "]");
            }
          }
        }
        assertEquals(ROWS, i);
      }
    }
  }

  @Test
  void sparseBlocksStoreOnlyNonZerosOfDenseRowsAndGivenEntriesOfSparseRows() {
    RowBlockBuilder b = new RowBlockBuilder(4, true, 10);
    b.addDense(0, 1, new double[] {0, 2, 0, -1});
    b.addSparse(1, -1, new int[] {0, 2, 99}, new double[] {0.0, 5, 7}, 2); // explicit zero kept
    b.addSparse(2, 1, new int[0], new double[0], 0);
    CsrBlock c = (CsrBlock) b.finish().get(0);
    assertArrayEquals(new int[] {0, 2, 4, 4}, c.rowPtr());
    assertArrayEquals(new int[] {1, 3, 0, 2}, c.colIdx());
    assertArrayEquals(new double[] {2, -1, 0, 5}, c.values());
  }

  @Test
  void denseRowsAfterSparseRowsAreClearedInReusedBuffers() {
    RowBlockBuilder b = new RowBlockBuilder(3, false, 1);
    b.addDense(0, 1, new double[] {1, 2, 3});
    b.addSparse(1, 1, new int[] {1}, new double[] {9}, 1);
    List<RowBlock> blocks = b.finish();
    assertArrayEquals(new double[] {0, 9, 0}, ((DenseBlock) blocks.get(1)).values());
  }

  @Test
  void refusesBadInput() {
    RowBlockBuilder b = new RowBlockBuilder(3, true, 4);
    double[] v = {1, 1};
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 0.0, new int[] {0}, v, 1));
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 1, new int[] {1, 0}, v, 2));
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 1, new int[] {1, 1}, v, 2));
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 1, new int[] {3}, v, 1));
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 1, new int[] {-1}, v, 1));
    assertThrows(IllegalArgumentException.class, () -> b.addSparse(0, 1, new int[] {0}, v, 2));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.addSparse(0, 1, new int[] {0}, new double[] {Double.NaN}, 1));
    assertThrows(IllegalArgumentException.class, () -> b.addDense(0, 1, new double[2]));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.addDense(0, 1, new double[] {0, Double.POSITIVE_INFINITY, 0}));
    assertEquals(0, b.rowsAdded(), "refused rows are not added");
    assertEquals(List.of(), b.finish());
    assertThrows(IllegalStateException.class, () -> b.addDense(0, 1, new double[3]));
    assertThrows(IllegalArgumentException.class, () -> new RowBlockBuilder(0, true, 4));
    assertThrows(IllegalArgumentException.class, () -> new RowBlockBuilder(3, true, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new RowBlockBuilder(1 << 20, false, 1 << 12));
  }

  @Test
  void hugeBlockRowsCostsOnlyTheData() {
    RowBlockBuilder b = new RowBlockBuilder(1000, false, Integer.MAX_VALUE / 1000);
    b.addDense(0, 1, new double[1000]);
    List<RowBlock> blocks = new ArrayList<>(b.finish());
    assertEquals(1000, ((DenseBlock) blocks.get(0)).values().length);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void drainingFullBlocksAsTheyComeGivesTheBlocksOfOneFinish(boolean sparse) {
    double[][] x = randomRows(11);
    List<RowBlock> whole = build(x, sparse, 5, false);
    RowBlockBuilder b = new RowBlockBuilder(FEATURES, sparse, 5);
    List<RowBlock> streamed = new ArrayList<>();
    for (int i = 0; i < x.length; i++) {
      b.addDense(FIRST_INDEX + i, label(i), x[i]);
      List<RowBlock> full = b.drainEmitted();
      // a block is handed over with the row that fills it, never later and never partial
      assertEquals((i + 1) % 5 == 0 ? 1 : 0, full.size(), "after row " + i);
      streamed.addAll(full);
      assertEquals(i + 1, b.rowsAdded());
      assertTrue(b.drainEmitted().isEmpty());
    }
    streamed.addAll(b.finish());
    assertSameBlocks(whole, streamed);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 7, 64})
  void denseRowsAddedInBulkGiveTheBlocksOfOneRowAtATime(int blockRows) {
    for (boolean sparse : new boolean[] {false, true}) {
      for (long seed = 1; seed <= 20; seed++) {
        double[][] x = randomRows(seed);
        List<RowBlock> single = build(x, sparse, blockRows, false);
        // the rows in chunks of random sizes (0 to 9 rows) from offsets inside larger arrays
        SplittableRandom rng = new SplittableRandom(seed);
        RowBlockBuilder b = new RowBlockBuilder(FEATURES, sparse, blockRows);
        int i = 0;
        while (i < ROWS) {
          int n = Math.min(ROWS - i, rng.nextInt(10));
          int yFrom = rng.nextInt(3);
          int xFrom = rng.nextInt(2 * FEATURES);
          double[] y = new double[yFrom + n];
          double[] flat = new double[xFrom + n * FEATURES];
          for (int r = 0; r < n; r++) {
            y[yFrom + r] = label(i + r);
            System.arraycopy(x[i + r], 0, flat, xFrom + r * FEATURES, FEATURES);
          }
          b.addDenseRows(FIRST_INDEX + i, y, yFrom, flat, xFrom, n);
          i += n;
          assertEquals(i, b.rowsAdded(), "seed " + seed);
        }
        List<RowBlock> bulk = b.finish();
        assertSameBlocks(single, bulk);
        for (int k = 0; k < single.size(); k++) {
          assertEquals(single.get(k).sizeInBytes(), bulk.get(k).sizeInBytes(), "cached bytes");
        }
      }
    }
  }

  @Test
  void bulkRowsWithABadLabelOrValueAddNothingAndNameTheRow() {
    for (boolean sparse : new boolean[] {false, true}) {
      RowBlockBuilder b = new RowBlockBuilder(FEATURES, sparse, 4);
      double[] y = {1.0, -1.0, 1.0, -1.0, 1.0};
      double[] x = new double[5 * FEATURES];
      b.addDenseRows(FIRST_INDEX, y, 0, x, 0, 2);
      x[3 * FEATURES + 5] = Double.POSITIVE_INFINITY;
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> b.addDenseRows(FIRST_INDEX + 2, y, 0, x, 0, 5));
      assertEquals("row 1005: feature 5 must be finite, got Infinity", e.getMessage());
      assertEquals(2, b.rowsAdded(), "nothing added");
      double[] bad = {1.0, 0.0};
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> b.addDenseRows(FIRST_INDEX + 2, bad, 0, x, 0, 2));
      assertEquals("row 1003: label must be -1.0 or +1.0, got 0.0", e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> b.addDenseRows(0, y, 1, x, 0, 5));
      assertThrows(IllegalArgumentException.class, () -> b.addDenseRows(0, y, 0, x, 1, 5));
      assertEquals(2, b.rowsAdded());
      assertEquals(1, b.finish().size());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 7, 64})
  void denseRowsAddedColumnByColumnGiveTheBlocksOfOneRowAtATime(int blockRows) throws IOException {
    for (long seed = 1; seed <= 20; seed++) {
      double[][] x = randomRows(seed);
      List<RowBlock> single = build(x, false, blockRows, false);
      // runs of 0 to 2·blockRows + 2 rows, each given column by column from a column-major copy
      SplittableRandom rng = new SplittableRandom(seed);
      RowBlockBuilder b = new RowBlockBuilder(FEATURES, false, blockRows);
      int i = 0;
      while (i < ROWS) {
        int n = Math.min(ROWS - i, rng.nextInt(2 * blockRows + 3));
        int group = 1 + (int) (seed % 5); // 1 to 5 columns per call (FEATURES not a multiple)
        assertTrue(b.addDenseColumns(FIRST_INDEX + i, n, columns(x, i, group)), "seed " + seed);
        i += n;
        assertEquals(i, b.rowsAdded(), "seed " + seed);
      }
      assertSameBlocks(single, b.finish());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 7, 64})
  void floatColumnsGiveTheCompactedBlocksOfDoubleColumns(int blockRows) throws IOException {
    int direct = 0;
    for (long seed = 1; seed <= 20; seed++) {
      double[][] x = randomRows(seed);
      List<RowBlock> expected = build(x, false, blockRows, false);
      SplittableRandom rng = new SplittableRandom(seed);
      RowBlockBuilder b = new RowBlockBuilder(FEATURES, false, blockRows);
      int i = 0;
      while (i < ROWS) {
        int n = Math.min(ROWS - i, rng.nextInt(2 * blockRows + 3));
        int group = 1 + (int) (seed % 5);
        assertTrue(b.addDenseColumns(FIRST_INDEX + i, n, columns(x, i, group), true), "" + seed);
        i += n;
        assertEquals(i, b.rowsAdded(), "seed " + seed);
      }
      List<RowBlock> streamed = b.finish();
      assertEquals(expected.size(), streamed.size(), "seed " + seed);
      for (int k = 0; k < expected.size(); k++) {
        RowBlock got = streamed.get(k);
        direct += got instanceof FloatDenseBlock ? 1 : 0;
        FloatDenseBlock want = (FloatDenseBlock) FloatStorage.compact(expected.get(k));
        FloatDenseBlock have = (FloatDenseBlock) FloatStorage.compact(got);
        String at = "seed " + seed + ", block " + k;
        assertEquals(want.rows(), have.rows(), at);
        assertEquals(want.firstRow(), have.firstRow(), at);
        assertArrayEquals(want.labelBytes(), have.labelBytes(), at);
        assertArrayEquals(
            java.util.Arrays.copyOf(want.values(), want.rows() * FEATURES),
            java.util.Arrays.copyOf(have.values(), have.rows() * FEATURES),
            at);
      }
    }
    // full blocks inside a run were built in float (the rest compacted later), when there are any
    assertEquals(blockRows < ROWS, direct > 0, "blocks built in float directly: " + direct);
  }

  @Test
  void floatColumnsDeclineAValueBeyondFloatRange() throws IOException {
    double[][] x = randomRows(5);
    x[6][3] = 1e39; // row 6: inside the second full block of 4 rows (rows 4–7)
    RowBlockBuilder f = new RowBlockBuilder(FEATURES, false, 4);
    assertEquals(false, f.addDenseColumns(FIRST_INDEX, 12, columns(x, 0), true));
    assertEquals(0, f.rowsAdded(), "nothing added");
    RowBlockBuilder d = new RowBlockBuilder(FEATURES, false, 4);
    assertTrue(d.addDenseColumns(FIRST_INDEX, 12, columns(x, 0), false), "fine in double");
    x[6][3] = Double.NaN;
    assertEquals(
        false, new RowBlockBuilder(FEATURES, false, 4).addDenseColumns(0, 12, columns(x, 0), true));
  }

  @Test
  void columnsWithABadLabelOrValueOrADeclinedColumnAddNothing() throws IOException {
    double[][] x = randomRows(3);
    for (int bad = 0; bad < 3; bad++) {
      RowBlockBuilder b = new RowBlockBuilder(FEATURES, false, 4);
      assertTrue(b.addDenseColumns(FIRST_INDEX, 2, columns(x, 0)));
      int kind = bad;
      DenseColumnSource good = columns(x, 2);
      DenseColumnSource source =
          (c, k, dst, off, stride, n) -> {
            boolean ok = good.next(c, k, dst, off, stride, n);
            if (kind == 0 && c == -1) {
              dst[off + stride * (n - 1)] = 0.0; // a label not yet mapped
            } else if (kind == 1 && c == FEATURES - 1) {
              dst[off] = Double.NaN;
            }
            return ok && !(kind == 2 && c == 2);
          };
      assertEquals(false, b.addDenseColumns(FIRST_INDEX + 2, 9, source), "kind " + bad);
      assertEquals(2, b.rowsAdded(), "kind " + bad + ": nothing added");
      assertTrue(b.addDenseColumns(FIRST_INDEX + 2, 9, columns(x, 2)), "kind " + bad);
      List<RowBlock> blocks = b.finish();
      assertSameBlocks(build(java.util.Arrays.copyOf(x, 11), false, 4, false), blocks);
    }
    assertThrows(
        IllegalStateException.class,
        () -> new RowBlockBuilder(FEATURES, true, 4).addDenseColumns(0, 1, columns(x, 0)));
  }

  /** Rows from {@code from} on of {@code x}, column by column (labels as {@link #label} gives). */
  private static DenseColumnSource columns(double[][] x, int from) {
    return columns(x, from, 1);
  }

  /** The same, {@code group} feature columns per call. */
  private static DenseColumnSource columns(double[][] x, int from, int group) {
    int[] next = new int[FEATURES + 1]; // per column: the next row to give
    java.util.Arrays.fill(next, from);
    return new DenseColumnSource() {
      @Override
      public boolean next(int c, int k, double[] dst, int off, int stride, int n) {
        for (int j = 0; j < k; j++) {
          for (int r = 0; r < n; r++) {
            int row = next[c + j + 1]++;
            dst[off + r * stride + j] = c < 0 ? label(row) : x[row][c + j];
          }
        }
        return true;
      }

      @Override
      public int columnsPerCall() {
        return group;
      }
    };
  }

  private static void assertSameBlocks(List<RowBlock> whole, List<RowBlock> streamed) {
    assertEquals(whole.size(), streamed.size());
    for (int k = 0; k < whole.size(); k++) {
      RowBlock w = whole.get(k);
      RowBlock s = streamed.get(k);
      assertEquals(w.getClass(), s.getClass());
      assertEquals(w.rows(), s.rows());
      assertArrayEquals(w.rowIndex(), s.rowIndex());
      assertArrayEquals(w.labels(), s.labels());
      if (w instanceof DenseBlock d) {
        assertArrayEquals(d.values(), ((DenseBlock) s).values());
      } else {
        CsrBlock c = (CsrBlock) w;
        CsrBlock t = (CsrBlock) s;
        assertArrayEquals(c.rowPtr(), t.rowPtr());
        assertArrayEquals(c.colIdx(), t.colIdx());
        assertArrayEquals(c.values(), t.values());
      }
    }
  }
}

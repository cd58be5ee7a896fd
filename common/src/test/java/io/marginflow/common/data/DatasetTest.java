package io.marginflow.common.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetTest {

  private static DenseBlock block(int features, double... labels) {
    long[] idx = new long[labels.length];
    return new DenseBlock(
        labels.length, features, new double[labels.length * features], labels, idx);
  }

  @Test
  void ofCountsRowsAndPositives() {
    Dataset d = Dataset.of("src", 2, List.of(block(2, 1, -1, 1), block(2, -1)));
    assertEquals(4, d.rows());
    assertEquals(2, d.positives());
    assertEquals(2, d.negatives());
    assertEquals("src", d.source());
  }

  @Test
  void blocksAreCopiedUnmodifiable() {
    List<RowBlock> blocks = new ArrayList<>(List.of(block(2, 1)));
    Dataset d = Dataset.of("src", 2, blocks);
    blocks.add(block(2, -1));
    assertEquals(1, d.blocks().size());
    assertThrows(UnsupportedOperationException.class, () -> d.blocks().add(block(2, 1)));
  }

  @Test
  void refusesInconsistentParts() {
    List<RowBlock> ok = List.of(block(2, 1, -1));
    IllegalArgumentException features =
        assertThrows(IllegalArgumentException.class, () -> new Dataset("s", 3, ok, 2, 1));
    assertTrue(features.getMessage().contains("block 0 has 2 features"), features.getMessage());
    IllegalArgumentException rows =
        assertThrows(IllegalArgumentException.class, () -> new Dataset("s", 2, ok, 3, 1));
    assertTrue(rows.getMessage().contains("sum of block rows 2, got 3"), rows.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Dataset("s", 2, ok, 2, 2));
    assertThrows(IllegalArgumentException.class, () -> new Dataset("s", 0, List.of(), 0, 0));
    assertThrows(
        IllegalArgumentException.class, () -> Dataset.of("s", 2, List.of(block(2, 1, 0.5))));
    assertThrows(NullPointerException.class, () -> new Dataset(null, 2, ok, 2, 1));
    List<RowBlock> withNull = new ArrayList<>();
    withNull.add(null);
    assertThrows(NullPointerException.class, () -> Dataset.of("s", 2, withNull));
  }

  @Test
  void emptyDatasetIsAllowed() {
    Dataset d = Dataset.of("s", 5, List.of());
    assertEquals(0, d.rows());
  }
}

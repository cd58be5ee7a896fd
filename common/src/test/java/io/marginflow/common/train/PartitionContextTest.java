package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The sorted-run lookup that splits one partition-wide draw among the partition's blocks. */
class PartitionContextTest {

  @Test
  void lowerBoundFindsTheFirstPositionNotBelowTheKey() {
    long[] a = {3, 5, 5, 9, 40, 0, 0}; // only the first 5 entries are in use
    assertEquals(0, PartitionContext.lowerBound(a, 5, 0));
    assertEquals(0, PartitionContext.lowerBound(a, 5, 3));
    assertEquals(1, PartitionContext.lowerBound(a, 5, 4));
    assertEquals(1, PartitionContext.lowerBound(a, 5, 5));
    assertEquals(3, PartitionContext.lowerBound(a, 5, 6));
    assertEquals(4, PartitionContext.lowerBound(a, 5, 40));
    assertEquals(5, PartitionContext.lowerBound(a, 5, 41));
    assertEquals(0, PartitionContext.lowerBound(a, 0, 7));
  }
}

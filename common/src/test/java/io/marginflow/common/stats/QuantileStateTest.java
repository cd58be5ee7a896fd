package io.marginflow.common.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The exact → sketch switch of {@link QuantileState} is order-independent. */
class QuantileStateTest {

  private static final int LIMIT = MarginAccumulator.EXACT_QUANTILE_LIMIT;
  private static final int BUCKETS = MarginAccumulator.SKETCH_MAX_BUCKETS;

  @Test
  void sketchAfterTheSwitchEqualsFeedingAllValues() {
    double[] x = LogBucketQuantileSketchTest.mixedData(71, LIMIT + 5000);
    LogBucketQuantileSketch direct = LogBucketQuantileSketchTest.feed(x, BUCKETS);

    // By add: one value past the limit.
    QuantileState byAdd = state(Arrays.copyOf(x, LIMIT));
    assertTrue(byAdd.isExact(), "exactly at the limit");
    assertNull(byAdd.sketchOrNull());
    for (int i = LIMIT; i < x.length; i++) {
      byAdd.reserve(1);
      byAdd.add(x[i]);
    }
    assertFalse(byAdd.isExact());
    assertEquals(direct, byAdd.sketchOrNull(), "switch by add");

    // By merging two exact states whose sum passes the limit, in both orders.
    int half = x.length / 2;
    QuantileState a = state(Arrays.copyOfRange(x, 0, half));
    QuantileState b = state(Arrays.copyOfRange(x, half, x.length));
    assertTrue(a.isExact() && b.isExact());
    QuantileState ab = state(Arrays.copyOfRange(x, 0, half));
    ab.merge(b);
    QuantileState ba = state(Arrays.copyOfRange(x, half, x.length));
    ba.merge(a);
    assertEquals(direct, ab.sketchOrNull(), "switch by merge");
    assertEquals(direct, ba.sketchOrNull(), "switch by merge, other order");

    // Sketch ⊕ exact and exact ⊕ sketch, in random trees of small blocks.
    SplittableRandom rnd = new SplittableRandom(72);
    for (int trial = 0; trial < 3; trial++) {
      int[] cuts = MarginTestData.randomCuts(rnd, x.length, 3 + rnd.nextInt(10));
      List<QuantileState> pool = new ArrayList<>();
      for (int k = 0; k + 1 < cuts.length; k++) {
        pool.add(state(Arrays.copyOfRange(x, cuts[k], cuts[k + 1])));
      }
      while (pool.size() > 1) {
        QuantileState p = pool.remove(rnd.nextInt(pool.size()));
        QuantileState q = pool.remove(rnd.nextInt(pool.size()));
        p.merge(q);
        pool.add(p);
      }
      assertEquals(direct, pool.get(0).sketchOrNull(), "random tree " + trial);
      assertEquals(x.length, pool.get(0).count());
    }
  }

  /** Values added in one reserve/add sequence, as {@link MarginAccumulator#add} does. */
  private static QuantileState state(double[] values) {
    QuantileState s = new QuantileState(LIMIT, BUCKETS);
    s.reserve(values.length);
    for (double v : values) {
      s.add(v);
    }
    return s;
  }
}

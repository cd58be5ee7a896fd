package io.marginflow.common.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** Merging partial sums: {@code mergeTaking} gives the same numbers as {@code merge}, copy-free. */
class BatchGradientTest {

  private static BatchGradient part(double frame, double... g) {
    return BatchGradient.restore(g.length, 3, frame, frame + 0.5, -1.0, 0.25, false, g);
  }

  @Test
  void mergeTakingEqualsMergeAndAdoptsTheFirstPartsArray() {
    BatchGradient first = part(2.0, 1.0, -2.0, 3.0);
    BatchGradient second = part(-1.0, 0.5, 0.5, -4.0);
    BatchGradient copied = new BatchGradient(3).merge(first).merge(second);
    BatchGradient firstAgain = part(2.0, 1.0, -2.0, 3.0);
    BatchGradient taken =
        new BatchGradient(3).mergeTaking(firstAgain).mergeTaking(part(-1.0, 0.5, 0.5, -4.0));
    assertArrayEquals(copied.gradient(), taken.gradient());
    assertEquals(copied.logFrame(), taken.logFrame());
    assertEquals(copied.logSumNegDerivative(), taken.logSumNegDerivative());
    assertEquals(copied.weightedMarginSum(), taken.weightedMarginSum());
    assertEquals(6, taken.count());
    assertSame(firstAgain.gradientOrNull(), taken.gradientOrNull(), "adopted, not copied");
    assertNotSame(first.gradientOrNull(), copied.gradientOrNull(), "merge copies");
    assertArrayEquals(new double[] {1.0, -2.0, 3.0}, first.gradient(), "merge leaves its input");
  }
}

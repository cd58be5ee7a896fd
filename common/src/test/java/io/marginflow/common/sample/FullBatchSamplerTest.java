package io.marginflow.common.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FullBatchSamplerTest {

  @Test
  void everyRowEveryStep() {
    FullBatchSampler s = new FullBatchSampler(5);
    assertEquals(SamplerKind.FULL, s.kind());
    assertEquals(5, s.batchSize());
    assertEquals(1, s.stepsPerEpoch());
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, s.batch(0));
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, s.batch(123_456_789L));
    assertArrayEquals(new long[] {2, 3}, s.batchInRange(7, 2, 4));
    assertArrayEquals(new long[0], s.batchInRange(7, 3, 3));
  }
}

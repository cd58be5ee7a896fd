package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WindowShareTest {

  private static final long MIB = 1L << 20;

  @Test
  void localModeSplitsTheWindowEvenlyUpToHalfOfKryosBuffer() {
    assertEquals(32 * MIB, new WindowShare(64 * MIB, 2, 2047 * MIB, true).perPartition());
    assertEquals(4 * MIB, new WindowShare(64 * MIB, 16, 2047 * MIB, true).perPartition());
    assertEquals(32 * MIB, new WindowShare(1024 * MIB, 2, 64 * MIB, true).perPartition());
    assertEquals(21, new WindowShare(64, 3, 2047 * MIB, true).perPartition(), "rounded down");
  }

  @Test
  void clusterSharesStopAtOneMebibyte() {
    // The default 64 MiB window on 16 partitions: 4 MiB each in local mode, 1 MiB on a cluster.
    assertEquals(MIB, new WindowShare(64 * MIB, 16, 2047 * MIB, false).perPartition());
    assertEquals(MIB, new WindowShare(64 * MIB, 2, 2047 * MIB, false).perPartition());
    assertEquals(
        WindowShare.CLUSTER_PARTITION_BYTES,
        new WindowShare(Long.MAX_VALUE, 1, Long.MAX_VALUE, false).perPartition());
    // Smaller shares are not raised to the bound.
    assertEquals(512 << 10, new WindowShare(MIB, 2, 2047 * MIB, false).perPartition());
    assertEquals(64 << 10, new WindowShare(64 * MIB, 2, 128 << 10, false).perPartition());
  }

  @Test
  void aShareIsNeverBelowOneByte() {
    assertEquals(1, new WindowShare(1, 16, 2047 * MIB, false).perPartition());
    assertEquals(1, new WindowShare(5, 16, 2047 * MIB, true).perPartition());
    assertEquals(1, new WindowShare(64 * MIB, 2, 1, true).perPartition());
  }

  @Test
  void badInputsNameTheSetting() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new WindowShare(0, 2, MIB, true))
            .getMessage()
            .startsWith("prefetch-bytes"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new WindowShare(MIB, 0, MIB, true))
            .getMessage()
            .startsWith("partitions"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> new WindowShare(MIB, 2, 0, false))
            .getMessage()
            .startsWith("spark.kryoserializer.buffer.max"));
  }
}

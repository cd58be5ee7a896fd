package io.marginflow.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import org.junit.jupiter.api.Test;

/** The Spark-free parts of {@link BenchSpark}: master parsing and the executors' class path. */
class BenchSparkTest {

  @Test
  void localClusterMastersGiveExecutorsAndCores() {
    assertEquals(2, BenchSpark.executors("local-cluster[2,1,1024]"));
    assertEquals(2, BenchSpark.executorCores("local-cluster[2,1,1024]"));
    assertEquals(1, BenchSpark.executors("local-cluster[1,1,1024]"));
    assertEquals(6, BenchSpark.executorCores("local-cluster[3, 2, 512]"));
    assertEquals(0, BenchSpark.executors("local[2]"));
    assertEquals(0, BenchSpark.executorCores("local[*]"));
  }

  @Test
  void executorClassPathHasOnlyAbsoluteEntries() {
    String[] entries = BenchSpark.absoluteClassPath().split(File.pathSeparator);
    assertTrue(entries.length > 0, "empty class path");
    for (String e : entries) {
      assertFalse(e.isEmpty(), "empty entry");
      assertTrue(new File(e).isAbsolute(), "relative entry " + e);
    }
  }
}

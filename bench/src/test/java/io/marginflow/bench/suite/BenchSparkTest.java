package io.marginflow.bench.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Spark-free parts of {@link BenchSpark}: master parsing, the executors' class path and the
 * extra Spark settings of {@link BenchSpark#SPARK_CONF_PROPERTY}.
 */
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

  @Test
  void extraSettingsAreTrimmedPairsInOrder() {
    Map<String, String> s =
        BenchSpark.settings(
            " spark.hadoop.io.file.buffer.size = 4096 ;; spark.a=x=y;spark.hadoop.b=");
    assertEquals(
        List.of("spark.hadoop.io.file.buffer.size", "spark.a", "spark.hadoop.b"),
        List.copyOf(s.keySet()));
    assertEquals("4096", s.get("spark.hadoop.io.file.buffer.size"));
    assertEquals("x=y", s.get("spark.a"));
    assertEquals("", s.get("spark.hadoop.b"));
    assertTrue(BenchSpark.settings("").isEmpty());
  }

  @Test
  void anEntryWithoutKeyOrEqualsIsRefusedByName() {
    for (String bad : new String[] {"spark.a=1;oops", "=4096", " = 1"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> BenchSpark.settings(bad));
      assertTrue(e.getMessage().contains(BenchSpark.SPARK_CONF_PROPERTY), e.getMessage());
    }
  }
}

package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The executor JVM options {@code deploy/bin/marginflow} gives a cluster job reach real executor
 * JVMs and take effect there: the value of {@code spark.executor.extraJavaOptions} from the
 * launcher's own command (a dry run for a standalone master) configures a {@code
 * local-cluster[2,1,1024]} session, and each of its two executor JVMs reports, from inside, the
 * serial collector, the capped young generation and the heap free ratios of {@code
 * deploy/conf/executor-java-options}, and the storage memory Spark gives its heap.
 */
class ExecutorJvmOptionsIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void executorsOfALauncherJobRunTheSerialCollectorWithACappedYoungGeneration() throws IOException {
    Scripts.Result dry =
        Scripts.run(
            "launcher-executor-jvm",
            Map.of(),
            TIMEOUT,
            "marginflow",
            "--dry-run",
            "train",
            "--master",
            "spark://127.0.0.1:7077");
    assertEquals(0, dry.exitCode(), dry.output());
    Matcher m =
        Pattern.compile("--conf spark\\.executor\\.extraJavaOptions=((?:\\\\ |\\S)+)")
            .matcher(dry.output());
    assertTrue(m.find(), dry.output());
    String options = m.group(1).replace("\\ ", " ");

    SparkConf conf =
        LocalClusterSessions.conf("marginflow-executor-jvm-it", "executor-jvm-options")
            .set("spark.executor.extraJavaOptions", options);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Map<String, String> byExecutor = new TreeMap<>();
      for (int attempt = 0; attempt < 10 && byExecutor.size() < 2; attempt++) {
        List<Integer> seeds = IntStream.range(0, 8).boxed().toList();
        for (String line : sc.parallelize(seeds, 8).map(i -> describeThisJvm()).collect()) {
          byExecutor.put(line.substring(0, line.indexOf(' ')), line);
        }
      }
      assertEquals(2, byExecutor.size(), "both executors answered: " + byExecutor);
      for (String line : byExecutor.values()) {
        assertTrue(line.contains(" gc=[Copy, MarkSweepCompact] "), line);
        assertTrue(line.contains(" MaxNewSize=33554432 "), line);
        assertTrue(line.contains(" MinHeapFreeRatio=5 MaxHeapFreeRatio=10 "), line);
        // Spark's heap (1024 MiB) less one survivor space (3.2 MiB) is what the memory store sees.
        long heap = Long.parseLong(line.replaceAll(".* heapMax=(\\d+) .*", "$1"));
        assertTrue(heap > (1024L - 4) << 20 && heap <= 1024L << 20, line);
        long storage = Long.parseLong(line.replaceAll(".* storageMax=(\\d+)$", "$1"));
        assertTrue(storage > 0, line);
      }
    } finally {
      spark.stop();
    }
  }

  /** Runs in an executor: "ID gc=[…] MaxNewSize=… MinHeapFreeRatio=… … heapMax=… storageMax=…". */
  private static String describeThisJvm() throws InterruptedException {
    Thread.sleep(200); // spread the tasks over both executors
    HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    String gc =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ", "[", "]"));
    return SparkEnv.get().executorId()
        + " gc="
        + gc
        + " MaxNewSize="
        + hs.getVMOption("MaxNewSize").getValue()
        + " MinHeapFreeRatio="
        + hs.getVMOption("MinHeapFreeRatio").getValue()
        + " MaxHeapFreeRatio="
        + hs.getVMOption("MaxHeapFreeRatio").getValue()
        + " heapMax="
        + Runtime.getRuntime().maxMemory()
        + " storageMax="
        + SparkEnv.get().memoryManager().maxOnHeapStorageMemory();
  }
}

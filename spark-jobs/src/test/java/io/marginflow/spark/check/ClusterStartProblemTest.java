package io.marginflow.spark.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.spark.job.DataScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark application that cannot start when the validator first needs it (YARN refusing a
 * container above its limit, in client deploy mode) is reported as a problem of {@code --master},
 * with the cluster's reason, not as a problem of the {@code --data} it was about to scan. The real
 * refusal is YarnClusterIT's (deploy); here the scanner factory throws what Spark's YARN client
 * throws.
 */
class ClusterStartProblemTest {

  private static final Configuration CONF = new Configuration();
  private static final String YARN_LIMIT =
      "Required executor memory (8192 MB), offHeap memory (0) MB, overhead (384 MB), and PySpark"
          + " memory (0 MB) is above the max threshold (4096 MB) of this cluster!";

  @TempDir Path tmp;

  private String[] flags() throws IOException {
    Path data = tmp.resolve("tiny.libsvm");
    Files.writeString(data, "+1 1:0.5 2:1\n-1 1:-0.5 2:-1\n+1 1:1 2:0.25\n-1 2:-0.75\n");
    return new String[] {
      "--data", data.toString(),
      "--features", "2",
      "--model", "mlp:2-4-1",
      "--batch", "2",
      "--master", "yarn",
      "--out", tmp.resolve("run").toString()
    };
  }

  @Test
  void aRefusedApplicationIsAProblemOfTheMasterWithTheClustersReason() throws IOException {
    AtomicInteger starts = new AtomicInteger();
    RunValidator validator =
        new RunValidator(
            CONF,
            config -> {
              starts.incrementAndGet();
              throw new IllegalArgumentException(YARN_LIMIT);
            });
    ValidationReport r = validator.validate(flags(), ValidationOptions.DEFAULTS);
    assertFalse(r.ok());
    assertEquals(1, starts.get(), "the application is started once");
    assertEquals(1, r.problems().size(), r.problems().toString());
    Problem p = r.problems().get(0);
    assertEquals("--master", p.where());
    assertEquals(
        "master: the Spark application could not start on yarn: " + YARN_LIMIT, p.message());
    assertFalse(r.problemsText().contains("--data"), r.problemsText());
    assertFalse(Files.exists(tmp.resolve("run")), "nothing was written");
  }

  @Test
  void theSameDataScannedByAStartedApplicationPass() throws IOException {
    ValidationReport r =
        new RunValidator(CONF, config -> DataScanner.local(CONF))
            .validate(flags(), ValidationOptions.DEFAULTS);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(4, r.plan().train().rows());
  }
}

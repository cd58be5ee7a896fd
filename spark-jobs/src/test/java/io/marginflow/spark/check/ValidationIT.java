package io.marginflow.spark.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.job.DataScanner;
import io.marginflow.spark.job.TrainJob;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunValidator} against real data and real runs: every file in {@code examples/} passes and
 * its estimates (rows, cached bytes) are within 25 % of what the run then uses; IDX input in any
 * Hadoop codec is validated and fingerprinted before anything is written, errors naming its URI;
 * resume refuses changed data (size/time, content unless trusted) and removes margin snapshots
 * written after the checkpoint.
 */
class ValidationIT {

  /** The bound on how far check's estimates may be from what the run uses. */
  private static final double ESTIMATE_TOLERANCE = 0.25;

  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path tmp;

  private static final Configuration CONF = new Configuration();

  private static ValidationReport check(String... args) {
    return new RunValidator(CONF, DataScanner.local(CONF))
        .validate(args, ValidationOptions.DEFAULTS);
  }

  private static Manifest manifest(URI runDir) throws IOException {
    try (RunStore store = RunStore.open(runDir, CONF)) {
      return store.readManifest().orElseThrow();
    }
  }

  private static void assertWithin(long estimate, Object actual, String what) {
    double a = ((Number) actual).doubleValue();
    assertTrue(
        Math.abs(estimate - a) <= ESTIMATE_TOLERANCE * a,
        what + ": estimate " + estimate + ", the run used " + a);
  }

  /** The example's settings with repository-relative data paths made absolute. */
  private static List<String> example(String name) throws IOException {
    Path file = REPO.resolve("examples").resolve(name);
    var settings = ConfigLoader.parse(new String[] {"--config", file.toString()}).settings();
    List<String> args = new ArrayList<>(List.of("--config", file.toString()));
    for (String key : new String[] {"data", "test-data", "idx-labels"}) {
      String v = settings.asMap().get(key);
      if (!v.isEmpty() && !v.contains("://")) {
        List<String> abs = new ArrayList<>();
        for (String part : v.split(",")) {
          abs.add(REPO.resolve(part.trim()).normalize().toString());
        }
        args.addAll(List.of("--" + key, String.join(",", abs)));
      }
    }
    return args;
  }

  private void checkThenRun(String name, List<String> args) throws IOException {
    List<String> checked = new ArrayList<>(args);
    checked.addAll(List.of("--out", tmp.resolve(name).toString()));
    ValidationReport r = check(checked.toArray(String[]::new));
    assertTrue(r.ok(), name + ": " + r.problems());
    RunPlan plan = r.plan();
    // the run itself: a few steps are enough to ingest, cache and record what it used
    List<String> run = new ArrayList<>(checked);
    run.addAll(
        List.of(
            "--steps",
            "2",
            "--eval-every",
            "0",
            "--log-spaced-evals",
            "false",
            "--checkpoint-every",
            "0",
            "--snapshot-margins-at",
            ""));
    TrainConfig config =
        TrainConfig.from(ConfigLoader.parse(run.toArray(String[]::new)).settings());
    URI dir = TrainJob.run(config, SparkFixture.spark()).runDir();
    Manifest m = manifest(dir);
    // rows are counted by the scan the run uses: exact, well inside the 25 %
    assertEquals(((Number) m.config().get("train_rows")).longValue(), plan.train().rows(), name);
    assertWithin(
        plan.train().cachedBytes(), m.config().get("cached_bytes"), name + " cached bytes");
    if (plan.test() != null) {
      assertEquals(((Number) m.config().get("test_rows")).longValue(), plan.test().rows(), name);
    }
    assertEquals(((Number) m.config().get("features")).intValue(), plan.features(), name);
    assertEquals(m.config().get("resolved_model"), plan.model(), name);
    assertEquals(((Number) m.config().get("parameters")).longValue(), plan.parameters(), name);
  }

  @Test
  void everyExamplePassesAndItsEstimatesMatchTheRun() throws IOException {
    try (var files = Files.list(REPO.resolve("examples"))) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(
          List.of(
              "a9a-sgd.yaml",
              "ijcnn1-hdfs.yaml",
              "mnist-0vs1-cnn.yaml",
              "mnist-0vs1-mlp-single.yaml"),
          names,
          "a new example needs its place in this test");
    }
    checkThenRun("a9a-sgd.yaml", example("a9a-sgd.yaml"));
    checkThenRun("mnist-0vs1-cnn.yaml", example("mnist-0vs1-cnn.yaml"));
    checkThenRun("mnist-0vs1-mlp-single.yaml", example("mnist-0vs1-mlp-single.yaml"));
    // ijcnn1 on HDFS: the same files in the test's MiniDFSCluster instead of 127.0.0.1:9000
    List<String> hdfs = example("ijcnn1-hdfs.yaml");
    hdfs.addAll(
        List.of(
            "--data",
            HdfsFixture.copyFromLocal(
                    SharedDatasets.resolve("ijcnn1/ijcnn1.trn.gz"), "/validate/ijcnn1.trn.gz")
                .toString(),
            "--test-data",
            HdfsFixture.copyFromLocal(
                    SharedDatasets.resolve("ijcnn1/ijcnn1.tst.gz"), "/validate/ijcnn1.tst.gz")
                .toString()));
    checkThenRun("ijcnn1-hdfs.yaml", hdfs);
  }

  private Path bzip2(Path gz, String name) throws IOException {
    Path out = tmp.resolve(name);
    BZip2Codec codec = new BZip2Codec();
    codec.setConf(CONF);
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz));
        OutputStream o = codec.createOutputStream(Files.newOutputStream(out))) {
      in.transferTo(o);
    }
    return out;
  }

  @Test
  void idxInAnyHadoopCodecIsValidatedFingerprintedAndNamedByItsUri() throws IOException {
    Path images = bzip2(SharedDatasets.resolve("mnist-t10k/t10k-images-idx3-ubyte.gz"), "img.bz2");
    Path labels = bzip2(SharedDatasets.resolve("mnist-t10k/t10k-labels-idx1-ubyte.gz"), "lab.bz2");
    String[] base = {
      "--data",
      images.toString(),
      "--idx-labels",
      labels.toString(),
      "--format",
      "idx",
      "--labels",
      "0vs1",
      "--model",
      "mlp:784-8-1",
      "--steps",
      "2",
      "--eval-every",
      "0",
      "--checkpoint-every",
      "0",
      "--partitions",
      "2"
    };
    Path out = tmp.resolve("run");
    String[] args = concat(base, "--out", out.toString());
    ValidationReport r = check(args);
    assertTrue(r.ok(), r.problems().toString());
    assertEquals(2115, r.plan().train().rows(), "digits 0 and 1 of the t10k split");
    assertEquals(2, r.plan().train().files().size(), "images and labels are fingerprinted");
    assertFalse(Files.exists(out), "a check writes nothing");
    URI dir =
        TrainJob.run(TrainConfig.from(ConfigLoader.parse(args).settings()), SparkFixture.spark())
            .runDir();
    List<Manifest.DataFile> data = manifest(dir).data();
    assertEquals(2, data.size(), data.toString());
    assertEquals(images.toUri().toString().replace("file:///", "file:/"), data.get(0).uri());
    assertEquals(2115, data.get(0).rows());
    assertEquals(Files.size(labels), data.get(1).bytes());

    // a truncated images file: the error names its URI, and nothing is created
    Path cut = tmp.resolve("cut.idx");
    byte[] raw =
        new GZIPInputStream(
                Files.newInputStream(
                    SharedDatasets.resolve("mnist-t10k/t10k-images-idx3-ubyte.gz")))
            .readAllBytes();
    Files.write(cut, Arrays.copyOf(raw, 16 + 784 * 10 + 5));
    Path never = tmp.resolve("never");
    String[] bad = concat(base, "--out", never.toString());
    bad[1] = cut.toString(); // --data
    ValidationReport refused = check(bad);
    assertFalse(refused.ok());
    String msg = refused.problems().toString();
    assertTrue(msg.contains(cut.toString()) && msg.contains("file ends inside record 11"), msg);
    assertFalse(msg.contains("marginflow-idx-"), "no temporary copy is named: " + msg);
    RunRefusedException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RunRefusedException.class,
            () ->
                TrainJob.run(
                    TrainConfig.from(ConfigLoader.parse(bad).settings()), SparkFixture.spark()));
    assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    assertFalse(Files.exists(never), "no run directory for bad IDX input");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void resumeRefusesChangedDataUnlessTrustedAndRemovesLaterSnapshots() throws IOException {
    Path data = tmp.resolve("train.libsvm");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      rows.append(i % 2 == 0 ? "+1" : "-1")
          .append(" 1:")
          .append(i % 2 == 0 ? 1 + i / 40.0 : -1 - i / 40.0)
          .append(" 2:0.")
          .append(i % 10)
          .append('\n');
    }
    Files.writeString(data, rows);
    Path run = tmp.resolve("run");
    String[] base = {
      "--data", data.toString(), "--features", "2", "--model", "mlp:2-3-1", "--batch", "8",
      "--steps", "6", "--checkpoint-every", "3", "--eval-every", "3", "--partitions", "2",
      "--snapshot-margins-at", "2,5", "--out", run.toString()
    };
    TrainJob.run(TrainConfig.from(ConfigLoader.parse(base).settings()), SparkFixture.spark());
    // a crash after step 5's snapshot, before checkpoint 6
    Files.writeString(run.resolve("checkpoints/LATEST"), "3\n", StandardCharsets.US_ASCII);
    assertTrue(Files.isDirectory(run.resolve("margins/step=5")));
    String[] resume = {"--resume", run.toString(), "--steps", "4"};
    assertTrue(check(resume).ok(), check(resume).problems().toString());

    // the same size and time, another content: refused by the hash, accepted when trusted
    FileTime mtime = Files.getLastModifiedTime(data);
    String changed = rows.toString().replaceFirst("2:0\\.0", "2:0.9");
    Files.writeString(data, changed);
    Files.setLastModifiedTime(data, mtime);
    ValidationReport r = check(resume);
    assertFalse(r.ok());
    assertTrue(
        r.problems().toString().contains("has different content (SHA-256"),
        r.problems().toString());
    assertTrue(r.problems().toString().contains(data.toString()), r.problems().toString());
    ValidationReport trusted =
        new RunValidator(CONF, DataScanner.local(CONF))
            .validate(resume, new ValidationOptions(true, 0));
    assertTrue(trusted.ok(), trusted.problems().toString());
    assertEquals(40, trusted.plan().train().rows(), "rows as recorded");
    Files.writeString(data, rows);
    Files.setLastModifiedTime(data, mtime);

    // a longer file: refused by size, trusted or not
    Files.writeString(data, rows + "+1 1:2 2:0.5\n");
    for (boolean trust : new boolean[] {false, true}) {
      ValidationReport changedSize =
          new RunValidator(CONF, DataScanner.local(CONF))
              .validate(resume, new ValidationOptions(trust, 0));
      String msg = changedSize.problems().toString();
      assertTrue(msg.contains("changed since the run started (size"), msg);
      assertTrue(msg.contains(data.getFileName().toString()), msg);
    }
    Files.writeString(data, rows);
    Files.setLastModifiedTime(data, mtime);

    // resumed from 3 to 4: the snapshot of step 5 (written after the checkpoint) is gone
    ValidationReport ok = check(resume);
    assertNotNull(ok.plan(), ok.problems().toString());
    TrainJob.run(ok.plan(), SparkFixture.spark());
    assertTrue(Files.isDirectory(run.resolve("margins/step=2")), "earlier snapshots stay");
    assertFalse(Files.exists(run.resolve("margins/step=5")), "later snapshots are removed");
  }
}

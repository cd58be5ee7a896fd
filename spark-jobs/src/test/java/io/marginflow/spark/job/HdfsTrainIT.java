package io.marginflow.spark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.format.Manifest;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.testing.SharedDatasets;
import io.marginflow.spark.cli.MarginflowCli;
import io.marginflow.spark.store.Checkpoint;
import io.marginflow.spark.store.RunStore;
import io.marginflow.spark.testing.HdfsFixture;
import io.marginflow.spark.testing.SparkFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** The training job reading from and writing to a real HDFS (MiniDFSCluster), on Spark local[2]. */
class HdfsTrainIT {

  private static Configuration conf() {
    return SparkFixture.jsc().hadoopConfiguration();
  }

  private static TrainJob.Outcome train(String... flags) throws IOException {
    return TrainJob.run(RunFiles.config(flags), SparkFixture.spark());
  }

  @Test
  void ijcnn1FromHdfsToAnHdfsRunDirectory() throws IOException {
    URI data =
        HdfsFixture.copyFromLocal(
            SharedDatasets.resolve("ijcnn1/ijcnn1.trn.gz"), "/data/ijcnn1/ijcnn1.trn.gz");
    URI out = HdfsFixture.uri("/runs/ijcnn1");
    TrainJob.Outcome o =
        train(
            "--data",
            data.toString(),
            "--features",
            "22",
            "--out",
            out.toString(),
            "--partitions",
            "2",
            "--batch",
            "100",
            "--steps",
            "30",
            "--eval-every",
            "10",
            "--checkpoint-every",
            "10",
            "--model",
            "mlp:22-16-1",
            "--step",
            "0.5");
    assertEquals(out.getPath(), o.runDir().getPath());
    Manifest m;
    try (RunStore store = RunStore.open(out, conf())) {
      m = store.readManifest().orElseThrow();
      Checkpoint c = store.readLatestCheckpoint().orElseThrow();
      assertEquals(30, c.step());
      assertArrayEquals(o.state().theta(), c.theta());
      assertEquals(List.of(0L, 10L, 20L, 30L), store.checkpointSteps());
    }
    assertEquals(1, m.data().size());
    assertEquals(49_990, m.data().get(0).rows());
    assertEquals(22, m.data().get(0).features());
    assertEquals(
        "47cab08392bd06c78955eaf699078be7de27577ce9856cc261df813638330ec3",
        m.data().get(0).sha256());
    assertEquals(1_576_596, m.data().get(0).bytes());
    assertEquals("sgd", m.conventions().algorithm());
    assertEquals(4_853L, ((Number) m.config().get("train_positives")).longValue());
    List<EvalRow> evals = RunFiles.evals(out, conf());
    assertEquals(49_990, evals.get(0).n());
    assertEquals(30, RunFiles.steps(out, conf()).size());

    // `marginflow weights RUN_DIR` prints θ, one value per line, exactly.
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code =
        MarginflowCli.run(
            new String[] {"weights", out.toString()},
            new PrintStream(buf, true, StandardCharsets.UTF_8),
            System.err);
    assertEquals(0, code);
    String[] lines = buf.toString(StandardCharsets.UTF_8).trim().split("\n");
    assertEquals(o.state().theta().length, lines.length);
    for (int i = 0; i < lines.length; i++) {
      assertEquals(o.state().theta()[i], Double.parseDouble(lines[i]), 0.0, "θ[" + i + "]");
    }
    buf.reset();
    assertEquals(
        0,
        MarginflowCli.run(
            new String[] {"weights", out.toString(), "--step", "10"},
            new PrintStream(buf, true, StandardCharsets.UTF_8),
            System.err));
    assertEquals(lines.length, buf.toString(StandardCharsets.UTF_8).trim().split("\n").length);
  }

  @Test
  void resumeOnHdfsCutsTheMetricFilesAndContinuesBitIdentically() throws IOException {
    URI data = HdfsFixture.copyFromLocal(SharedDatasets.resolve("a9a/a9a.gz"), "/data/a9a/a9a.gz");
    String[] base = {
      "--data",
      data.toString(),
      "--features",
      "123",
      "--partitions",
      "2",
      "--batch",
      "50",
      "--eval-every",
      "10",
      "--checkpoint-every",
      "20",
      "--model",
      "mlp:123-4-1",
      "--log-spaced-evals",
      "false"
    };
    URI whole = HdfsFixture.uri("/runs/a9a-whole");
    URI crashed = HdfsFixture.uri("/runs/a9a-crashed");
    TrainJob.Outcome a =
        train(SparkTrainIT.concat(base, "--steps", "60", "--out", whole.toString()));
    train(SparkTrainIT.concat(base, "--steps", "40", "--out", crashed.toString()));
    FileSystem fs = new Path(crashed).getFileSystem(conf());
    fs.delete(new Path(crashed.toString() + "/checkpoints/step-40"), true);
    try (FSDataOutputStream os =
        fs.create(new Path(crashed.toString() + "/checkpoints/LATEST"), true)) {
      os.write("20\n".getBytes(StandardCharsets.US_ASCII));
    }
    TrainJob.Outcome b =
        train(SparkTrainIT.concat(base, "--steps", "60", "--resume", crashed.toString()));
    assertArrayEquals(a.state().theta(), b.state().theta());
    assertEquals(
        RunFiles.text(whole, "metrics/eval.jsonl", conf()),
        RunFiles.text(crashed, "metrics/eval.jsonl", conf()));
    assertEquals(
        RunFiles.stepsWithoutWall(whole, conf()), RunFiles.stepsWithoutWall(crashed, conf()));
  }

  @Test
  void mnistIdxFromHdfsTrainsTheCnnPath() throws IOException {
    URI images =
        HdfsFixture.copyFromLocal(
            SharedDatasets.resolve("mnist-t10k/t10k-images-idx3-ubyte.gz"),
            "/data/mnist/images.gz");
    URI labels =
        HdfsFixture.copyFromLocal(
            SharedDatasets.resolve("mnist-t10k/t10k-labels-idx1-ubyte.gz"),
            "/data/mnist/labels.gz");
    URI out = HdfsFixture.uri("/runs/mnist");
    TrainJob.Outcome o =
        train(
            "--data",
            images.toString(),
            "--format",
            "idx",
            "--idx-labels",
            labels.toString(),
            "--labels",
            "0vs1",
            "--model",
            "cnn:1x28x28-conv4k5s2-maxpool2-dense8-dense1",
            "--out",
            out.toString(),
            "--partitions",
            "2",
            "--batch",
            "20",
            "--steps",
            "4",
            "--eval-every",
            "4");
    List<EvalRow> evals = RunFiles.evals(out, conf());
    assertEquals(2_115, evals.get(0).n());
    assertEquals(3, evals.get(0).layerNorms().length, "L = 3 weight layers");
    assertEquals(4, o.state().step());
    assertTrue(Double.isFinite(evals.get(evals.size() - 1).logLoss()));
  }
}

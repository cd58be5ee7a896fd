package io.marginflow.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.net.Precision;
import io.marginflow.common.sample.SamplerKind;
import io.marginflow.common.step.LossBasedStep;
import io.marginflow.common.step.VanishingStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainConfigTest {

  @TempDir Path tmp;

  private static TrainConfig parse(String... args) {
    return TrainConfig.from(ConfigLoader.parse(args).settings());
  }

  @Test
  void settingsRoundTripThroughTheirTextForm() {
    TrainConfig a =
        parse(
            "--data",
            "hdfs://nn:8020/a9a",
            "--data",
            "b.gz,c.gz",
            "--features",
            "123",
            "--model",
            "mlp:123-64-1",
            "--loss",
            "exp",
            "--sampler",
            "reshuffle",
            "--batch",
            "64",
            "--step",
            "0.25",
            "--schedule",
            "vanishing:0.5",
            "--steps",
            "500",
            "--snapshot-margins-at",
            "100,10",
            "--seed",
            "-7",
            "--target-log-loss",
            "-50");
    Settings back = Settings.defaults();
    for (var e : a.settings().asMap().entrySet()) {
      back = back.with(ConfigKey.byName(e.getKey()).orElseThrow(), e.getValue());
    }
    assertEquals(a, TrainConfig.from(back));
    assertEquals(List.of("hdfs://nn:8020/a9a", "b.gz", "c.gz"), a.data().trainUris());
    assertEquals(List.of(10L, 100L), a.output().snapshotMarginsAt());
    assertEquals(SamplerKind.RESHUFFLE, a.optimizer().sampler().kind());
    assertEquals(new VanishingStep(0.25, 0.5), a.optimizer().schedule());
    assertEquals(-7, a.optimizer().seed());
  }

  @Test
  void yamlFileEqualsTheSameFlagsAndFlagsOverrideTheFile() throws IOException {
    Path f = tmp.resolve("run.yaml");
    Files.writeString(f, "data: [a.txt, b.txt]\nbatch: 32\nloss: exp\nschedule: loss-based\n");
    TrainConfig fromFile = parse("--config", f.toString());
    TrainConfig fromFlags =
        parse(
            "--data", "a.txt,b.txt", "--batch", "32", "--loss", "exp", "--schedule", "loss-based");
    assertEquals(fromFlags.data(), fromFile.data());
    assertEquals(fromFlags.optimizer(), fromFile.optimizer());
    assertEquals(
        new LossBasedStep(0.1, Math.pow(2, 0.2), Math.pow(2, 0.1)),
        fromFile.optimizer().schedule());
    assertEquals(
        8, parse("--batch", "8", "--config", f.toString()).optimizer().sampler().batchSize());
  }

  @Test
  void unknownKeysAndBadValuesNameTheKey() throws IOException {
    Path f = tmp.resolve("bad.yaml");
    Files.writeString(f, "stpes: 10\n");
    ConfigException e = assertThrows(ConfigException.class, () -> parse("--config", f.toString()));
    assertTrue(
        e.getMessage().contains("unknown key 'stpes'") && e.getMessage().contains("bad.yaml"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--steps", "-1"));
    assertEquals("steps: expected an integer ≥ 0, got '-1'", e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--format", "orc"));
    assertTrue(
        e.getMessage().startsWith("format: expected one of libsvm|csv|idx|parquet"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--feature-storage", "half"));
    assertTrue(
        e.getMessage().startsWith("feature-storage: expected one of double|float"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--label-column", " "));
    assertTrue(e.getMessage().startsWith("label-column:"), e.getMessage());
    TrainConfig pq =
        parse(
            "--format",
            "parquet",
            "--label-column",
            "y",
            "--feature-columns",
            "a,b",
            "--feature-storage",
            "float");
    assertEquals("y", pq.data().labelColumn());
    assertEquals(List.of("a", "b"), pq.data().featureColumns());
    assertTrue(pq.data().floatStorage());
    e = assertThrows(ConfigException.class, () -> parse("--format", "idx", "--data", "x"));
    assertTrue(e.getMessage().startsWith("labels:"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--theta-shipping", "pigeon"));
    assertTrue(e.getMessage().startsWith("theta-shipping:"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--step", "0"));
    assertTrue(e.getMessage().startsWith("step: expected a finite number > 0"), e.getMessage());
    Files.writeString(f, "data:\n  nested: 1\n");
    e = assertThrows(ConfigException.class, () -> parse("--config", f.toString()));
    assertTrue(e.getMessage().contains("'data'"), e.getMessage());
  }

  @Test
  void lossBasedAbortAndMinAlphaParseAndAreRefusedElsewhere() {
    TrainConfig lb =
        parse("--schedule", "loss-based", "--abort-batch-loss", "600", "--min-alpha", "1e-50");
    assertEquals(
        LossBasedStep.defaults().withLimits(600, 1e-50), lb.optimizer().schedule(), "limits set");
    assertEquals(
        LossBasedStep.defaults(), parse("--schedule", "loss-based").optimizer().schedule());
    ConfigException e =
        assertThrows(ConfigException.class, () -> parse("--abort-batch-loss", "600"));
    assertTrue(
        e.getMessage().startsWith("abort-batch-loss: only the loss-based schedule"),
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> parse("--min-alpha", "1e-50"));
    assertTrue(e.getMessage().startsWith("min-alpha: only the loss-based"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class,
            () -> parse("--schedule", "loss-based", "--abort-batch-loss", "-3"));
    assertEquals(
        "abort-batch-loss: expected a batch loss > 0 (Infinity: never abort), got '-3'",
        e.getMessage());
    e =
        assertThrows(
            ConfigException.class, () -> parse("--schedule", "loss-based", "--min-alpha", "x"));
    assertTrue(e.getMessage().startsWith("min-alpha: expected"), e.getMessage());
  }

  @Test
  void precisionDefaultsToDoubleAndSingleAppliesToMlpAndConvModels() {
    assertEquals(Precision.DOUBLE, parse().model().precision());
    assertEquals(
        Precision.SINGLE,
        parse("--precision", "SINGLE", "--model", "mlp:20-8-1").model().precision());
    assertEquals(Precision.SINGLE, parse("--precision", "single").model().precision());
    ConfigException e = assertThrows(ConfigException.class, () -> parse("--precision", "half"));
    assertTrue(e.getMessage().startsWith("precision: expected double | single"), e.getMessage());
    assertEquals(
        Precision.SINGLE,
        parse("--precision", "single", "--model", "cnn:1x8x8-conv2k3-dense1/bias=first")
            .model()
            .precision());
  }

  @Test
  void shippedExampleConfigsAreValid() throws IOException {
    Path dir = Path.of(System.getProperty("marginflow.root", "..")).resolve("examples");
    try (var files = Files.list(dir)) {
      List<Path> yamls = files.filter(f -> f.toString().endsWith(".yaml")).toList();
      assertTrue(yamls.size() >= 3, "examples/*.yaml: " + yamls);
      for (Path f : yamls) {
        TrainConfig c = parse("--config", f.toString());
        assertTrue(!c.data().trainUris().isEmpty(), f + " names its data");
      }
    }
  }

  @Test
  void defaultsDescribeTheDemoRun() {
    TrainConfig d = parse();
    assertTrue(d.data().generated());
    assertEquals("mlp:20-32-1", d.modelSpecFor(d.data().declaredFeatures()));
    assertEquals(1.0, d.optimizer().schedule().baseStep());
    assertEquals(2000, d.optimizer().steps());
  }

  @Test
  void stepPathAndPrefetchBytesParseAndRejectBadValuesNamingTheKey() {
    TrainConfig d = parse();
    assertEquals("auto", d.cluster().stepPath());
    assertEquals(64L << 20, d.cluster().prefetchBytes());
    TrainConfig c = parse("--step-path", "ROWS", "--prefetch-bytes", "3k");
    assertEquals("rows", c.cluster().stepPath());
    assertEquals(3072, c.cluster().prefetchBytes());
    assertEquals(1L << 30, parse("--prefetch-bytes", "1g").cluster().prefetchBytes());
    assertEquals(12345, parse("--prefetch-bytes", "12345").cluster().prefetchBytes());
    ConfigException e = assertThrows(ConfigException.class, () -> parse("--step-path", "fast"));
    assertTrue(
        e.getMessage().startsWith("step-path: expected one of auto|rows|job"), e.getMessage());
    for (String bad : new String[] {"0", "-5m", "lots", "8t", "99999999999g"}) {
      e = assertThrows(ConfigException.class, () -> parse("--prefetch-bytes", bad));
      assertTrue(
          e.getMessage().startsWith("prefetch-bytes: expected a byte count"), e.getMessage());
    }
  }
}

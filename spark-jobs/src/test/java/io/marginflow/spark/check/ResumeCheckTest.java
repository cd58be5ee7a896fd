package io.marginflow.spark.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.common.net.Precision;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `train --resume RUN_DIR`: the recorded config wins; only schedule-like keys may change. */
class ResumeCheckTest {

  @TempDir Path tmp;

  private Path recordedRun(String... extra) throws IOException {
    Path dir = tmp.resolve("run");
    List<String> flags =
        new ArrayList<>(
            List.of(
                "--batch",
                "32",
                "--seed",
                "9",
                "--steps",
                "100",
                "--loss",
                "exp",
                "--precision",
                "SINGLE"));
    flags.addAll(List.of(extra));
    TrainConfig original =
        TrainConfig.from(ConfigLoader.parse(flags.toArray(String[]::new)).settings());
    Map<String, Object> cfg = new LinkedHashMap<>(original.settings().asMap());
    cfg.put("step", "1.0"); // the job records the resolved step size
    cfg.put("resolved_model", "mlp:20-32-1"); // and extra keys that are not flags
    try (RunStore store = RunStore.create(dir.toUri(), new Configuration())) {
      store.writeManifest(
          new Manifest(
              "r1",
              cfg,
              List.of(),
              new Manifest.Versions("t", "t", "t", "t", "t"),
              "JNIBLAS",
              new Manifest.Conventions(Manifest.Conventions.RISK_MEAN, 0, "iid", "sgd"),
              Instant.now(),
              "host"));
    }
    return dir;
  }

  private static TrainConfig merge(String... args) throws IOException {
    ConfigLoader.Parsed p = ConfigLoader.parse(args);
    Configuration conf = new Configuration();
    ResumeCheck.Resumed r = ResumeCheck.open(p.settings().text(ConfigKey.RESUME), conf);
    List<Problem> problems = new ArrayList<>();
    Settings s =
        ResumeCheck.merge(
            r,
            k ->
                p.given().contains(k)
                    ? Optional.of(p.settings().text(k))
                    : Optional.<String>empty(),
            p::origin,
            conf,
            problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(problems.get(0).message());
    }
    return TrainConfig.from(s);
  }

  @Test
  void recordedSettingsWinAndTheBudgetMayGrow() throws IOException {
    Path run = recordedRun();
    TrainConfig c = merge("--resume", run.toString(), "--steps", "500");
    assertEquals(500, c.optimizer().steps());
    assertEquals(32, c.optimizer().sampler().batchSize());
    assertEquals(9, c.optimizer().seed());
    assertEquals("exp", c.optimizer().loss().name());
    assertEquals(Precision.SINGLE, c.model().precision());
    assertEquals(run.toString(), c.output().resume());
    // the recorded text is canonical, so a differently cased but equal value is no change
    assertEquals(
        Precision.SINGLE,
        merge("--resume", run.toString(), "--precision", "single").model().precision());
  }

  @Test
  void anExplicitDefaultValueIsAChangeToo() throws IOException {
    Path run = recordedRun();
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> merge("--resume", run.toString(), "--precision", "double"));
    assertTrue(e.getMessage().contains("--precision cannot change on resume"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class, () -> merge("--resume", run.toString(), "--loss", "logistic"));
    assertTrue(e.getMessage().contains("--loss cannot change on resume"), e.getMessage());
  }

  @Test
  void minAlphaIsAStopCriterionThatMayChangeButTheAbortThresholdMayNot() throws IOException {
    Path run = recordedRun("--schedule", "loss-based", "--abort-batch-loss", "600");
    TrainConfig c = merge("--resume", run.toString(), "--min-alpha", "1e-50");
    assertEquals(
        new io.marginflow.common.step.LossBasedStep(1.0)
            .withLimits(600, 1e-50), // α₀ = recorded step
        c.optimizer().schedule());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> merge("--resume", run.toString(), "--abort-batch-loss", "100"));
    assertTrue(
        e.getMessage().contains("--abort-batch-loss cannot change on resume"), e.getMessage());
  }

  @Test
  void changingTheTrajectoryIsRefusedNamingTheKey() throws IOException {
    Path run = recordedRun();
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> merge("--resume", run.toString(), "--seed", "10"));
    assertTrue(e.getMessage().contains("--seed cannot change on resume"), e.getMessage());
    e =
        assertThrows(
            ConfigException.class, () -> merge("--resume", run.toString(), "--batch", "64"));
    assertTrue(e.getMessage().contains("--batch"), e.getMessage());
    IOException missing =
        assertThrows(IOException.class, () -> merge("--resume", tmp.resolve("none").toString()));
    assertTrue(missing.getMessage().contains("no run directory to resume"), missing.getMessage());
  }
}

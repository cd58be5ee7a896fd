package io.marginflow.spark.cli;

import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.Settings;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.format.Manifest;
import io.marginflow.spark.job.InputFiles;
import io.marginflow.spark.store.RunStore;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * The configuration of a resumed run: the one recorded in its manifest, with only the keys that may
 * change on resume taken from the command line (the step budget, schedules of evaluations and
 * checkpoints, stop criteria, the master, the step path and its prefetch window, which change only
 * the speed). Changing anything that defines the trajectory (data, model, seed, sampler, step rule,
 * partitions) is refused, naming the key.
 */
final class ResumeConfig {

  private static final Set<ConfigKey> MAY_CHANGE =
      Set.of(
          ConfigKey.STEPS,
          ConfigKey.EVAL_EVERY,
          ConfigKey.CHECKPOINT_EVERY,
          ConfigKey.SNAPSHOT_MARGINS_AT,
          ConfigKey.TARGET_LOG_LOSS,
          ConfigKey.MAX_WALL,
          ConfigKey.MASTER,
          ConfigKey.STEP_PATH,
          ConfigKey.PREFETCH_BYTES,
          ConfigKey.RESUME,
          ConfigKey.OUT);

  private ResumeConfig() {}

  static TrainConfig merge(TrainConfig given, String[] args) throws IOException {
    Configuration conf = new Configuration();
    URI dir = InputFiles.qualify(given.output().resume(), conf).toUri();
    Manifest m;
    try (RunStore store = RunStore.open(dir, conf)) {
      m =
          store
              .readManifest()
              .orElseThrow(() -> new ConfigException("resume: " + dir + " has no manifest.json"));
    }
    Settings recorded = Settings.defaults();
    for (Map.Entry<String, Object> e : m.config().entrySet()) {
      var key = ConfigKey.byName(e.getKey());
      if (key.isPresent()) {
        recorded = recorded.with(key.get(), String.valueOf(e.getValue()));
      }
    }
    ConfigLoader.Parsed parsed = ConfigLoader.parse(args);
    Settings explicit = parsed.settings();
    Settings merged = recorded;
    for (ConfigKey k : ConfigKey.values()) {
      String v = explicit.text(k);
      // a key given on the command line or in a file counts even when it equals the default
      if (!parsed.given().contains(k) || v.equals(recorded.text(k))) {
        continue;
      }
      if (!MAY_CHANGE.contains(k)) {
        throw new ConfigException(
            "resume: --"
                + k.key()
                + " cannot change on resume (recorded '"
                + recorded.text(k)
                + "', given '"
                + v
                + "'); start a new run instead");
      }
      merged = merged.with(k, v);
    }
    merged = merged.with(ConfigKey.RESUME, given.output().resume());
    return TrainConfig.from(merged);
  }
}

package io.marginflow.common.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.marginflow.common.testing.Mutation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault B7 for configs: seeded mutations of the YAML files in {@code examples/} are read as {@code
 * marginflow train --config FILE} reads them ({@link ConfigLoader#parse} then {@link
 * TrainConfig#from}). Injected: 1–4 {@link Mutation}s per input. Compared: the outcome is either a
 * valid config or a {@link ConfigException} whose message names the config file or a config key;
 * any other exception fails, naming the seed and the mutations that reproduce it. Inputs: {@value
 * #DEFAULT_INPUTS} by default, {@code -Dmarginflow.fuzz.configs=N} for more.
 */
class ConfigFuzzTest {

  private static final int DEFAULT_INPUTS = 1000;
  private static final long SEED = 20261206L;

  @TempDir Path tmp;

  @Test
  void mutatedYamlIsAValidConfigOrAConfigErrorNamingFileOrKey() throws IOException {
    List<Path> examples;
    try (Stream<Path> s = Files.list(Path.of("..", "examples"))) {
      examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(examples.size() >= 3, "examples: " + examples);
    int inputs = Integer.getInteger("marginflow.fuzz.configs", DEFAULT_INPUTS);
    SplittableRandom rnd = new SplittableRandom(SEED);
    int refused = 0;
    for (int i = 0; i < inputs; i++) {
      Path example = examples.get(rnd.nextInt(examples.size()));
      List<Mutation> mutations = Mutation.randomList(rnd, 4);
      Path file = tmp.resolve("fuzz-" + i + ".yaml");
      Files.write(file, Mutation.applyAll(mutations, Files.readAllBytes(example)));
      String what = "input " + i + " (seed " + SEED + "): " + example + " with " + mutations;
      try {
        TrainConfig.from(ConfigLoader.parse(new String[] {"--config", file.toString()}).settings());
      } catch (ConfigException e) {
        refused++;
        String msg = String.valueOf(e.getMessage());
        assertTrue(
            msg.contains(file.toString()) || namesAKey(msg),
            what + ": the error names neither the file nor a key: " + msg);
      } catch (RuntimeException e) {
        fail(what + ": not the project's own error: " + e, e);
      }
      Files.delete(file);
    }
    System.out.printf(
        "ConfigFuzzTest: %d mutated configs, %d refused with a ConfigException%n", inputs, refused);
    assertTrue(refused > inputs / 10, "the mutations rarely break a config: " + refused);
  }

  private static boolean namesAKey(String msg) {
    for (ConfigKey k : ConfigKey.values()) {
      if (msg.contains(k.key())) {
        return true;
      }
    }
    return false;
  }
}

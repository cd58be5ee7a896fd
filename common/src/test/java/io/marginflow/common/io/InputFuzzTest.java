package io.marginflow.common.io;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.marginflow.common.config.ConfigException;
import io.marginflow.common.config.ConfigKey;
import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fault B7 with a coverage-guided fuzzer from Maven Central: <a
 * href="https://github.com/CodeIntelligenceTesting/jazzer">Jazzer</a> (libFuzzer for the JVM,
 * Apache-2.0). Each target writes the fuzzer's bytes to a file and reads it the way marginflow
 * does: as LIBSVM ({@link LibsvmReader}, sparse and dense), as CSV ({@link CsvReader}) and as a
 * {@code --config} YAML file ({@link ConfigLoader}, {@link TrainConfig#from}). Allowed outcomes: a
 * dataset / a valid config, or the project's own error naming the file ({@code file:line} for data)
 * or a config key. Anything else — another exception, an error, a hang — is a finding.
 *
 * <p>{@code mvn test} runs the seed corpus in {@code src/test/resources/.../InputFuzzTestInputs/}
 * (the first lines of real files from {@code ../shared/datasets}, the example configs, and the
 * inputs of earlier findings) as regression tests. Fuzzing: {@code JAZZER_FUZZ=1 mvn -pl common
 * test -Dtest='InputFuzzTest#libsvm'} (one target per run; {@code maxDuration} bounds it;
 * libFuzzer's seed is fixed by {@code -Djazzer.internal.arg.0=-seed=20261206} or left random).
 */
class InputFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void libsvm(byte[] bytes) throws IOException {
    Path file = write(bytes, ".libsvm");
    try {
      LibsvmReader.read(file, 800, true, 64);
      LibsvmReader.read(file, 800, false, 64);
    } catch (DataFormatException e) {
      requireNamesFile(e, file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void csv(byte[] bytes) throws IOException {
    Path file = write(bytes, ".csv");
    try {
      CsvReader.read(file, CsvOptions.labelLast(true), 64);
    } catch (DataFormatException e) {
      requireNamesFile(e, file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @FuzzTest(maxDuration = "2m")
  void config(byte[] bytes) throws IOException {
    Path file = write(bytes, ".yaml");
    try {
      TrainConfig.from(ConfigLoader.parse(new String[] {"--config", file.toString()}).settings());
    } catch (ConfigException e) {
      String msg = String.valueOf(e.getMessage());
      if (!msg.contains(file.toString()) && !namesAKey(msg)) {
        throw new AssertionError("the error names neither the file nor a key: " + msg, e);
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static Path write(byte[] bytes, String suffix) {
    try {
      Path file = Files.createTempFile("marginflow-fuzz-", suffix);
      Files.write(file, bytes);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void requireNamesFile(DataFormatException e, Path file) {
    String msg = String.valueOf(e.getMessage());
    if (!msg.contains(file.toString())) {
      throw new AssertionError("the error does not name " + file + ": " + msg, e);
    }
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

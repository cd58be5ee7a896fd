package io.marginflow.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the scripts of {@code deploy/bin} as a user would (a new process, output captured in a file
 * under {@code target/script-output}). The environment is the test JVM's without the Spark
 * variables surefire sets for {@code local-cluster[...]} masters, so that each test says which of
 * them the script sees; the driver heap is kept small ({@code MARGINFLOW_JAVA_OPTS=-Xmx1g}).
 */
final class Scripts {

  /** The repository root (set by the build; the module folder's parent otherwise). */
  static final Path ROOT =
      Path.of(System.getProperty("marginflow.root", "..")).toAbsolutePath().normalize();

  private static final Path OUTPUT = Path.of("target", "script-output").toAbsolutePath();
  private static final List<String> SCRUBBED =
      List.of(
          "SPARK_HOME",
          "SPARK_CONF_DIR",
          "SPARK_LOCAL_IP",
          "SPARK_SCALA_VERSION",
          "SPARK_MASTER",
          "HDFS",
          "MARGINFLOW_LOCAL_SPARK_HOME",
          "HADOOP_CONF_DIR",
          "YARN_CONF_DIR");

  private Scripts() {}

  /** How a script ended. */
  record Result(int exitCode, String output) {}

  /** A script still running (a training run a test disturbs). */
  static final class Running {
    private final Process process;
    private final Path log;
    private final String name;

    private Running(Process process, Path log, String name) {
      this.process = process;
      this.log = log;
      this.name = name;
    }

    /** The output so far. */
    String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    boolean isAlive() {
      return process.isAlive();
    }

    /** SIGKILL: the launcher execs the driver JVM, so this kills the driver without warning. */
    void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** Waits until the output contains {@code marker}; fails if the script ends first. */
    void awaitOutput(String marker, Duration timeout) {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!output().contains(marker)) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          fail("no '" + marker + "' in the output of " + name + ":\n" + output());
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }

    /**
     * Waits for the end; a script still running after {@code timeout} is killed and fails the test.
     */
    Result await(Duration timeout) {
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          fail(name + " did not finish within " + timeout + "; output:\n" + output());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return new Result(process.exitValue(), output());
    }
  }

  /** Starts {@code deploy/bin/<script> args...} with {@code env} added (a null value removes). */
  static Running start(String name, Map<String, String> env, String script, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(ROOT.resolve("deploy/bin").resolve(script).toString());
    command.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    Map<String, String> e = pb.environment();
    SCRUBBED.forEach(e::remove);
    e.put("MARGINFLOW_JAVA_OPTS", "-Xmx1g");
    env.forEach(
        (k, v) -> {
          if (v == null) {
            e.remove(k);
          } else {
            e.put(k, v);
          }
        });
    try {
      Files.createDirectories(OUTPUT);
      Path log = OUTPUT.resolve(name + ".log");
      pb.redirectOutput(log.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      return new Running(pb.start(), log, name);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot start " + command, ex);
    }
  }

  /** Runs a script to its end (at most {@code timeout}). */
  static Result run(
      String name, Map<String, String> env, Duration timeout, String script, String... args) {
    return start(name, env, script, List.of(args)).await(timeout);
  }

  /** Concatenation of argument lists. */
  static List<String> args(List<String> first, String... more) {
    List<String> all = new ArrayList<>(first);
    all.addAll(List.of(more));
    return all;
  }
}

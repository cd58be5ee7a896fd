package io.marginflow.spark.report;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program the tests need from Debian (chromium, jupyter nbconvert) with a time limit; on
 * timeout it ends that process and its descendants (by process handle, never by name).
 */
final class ExternalCommand {

  /** What a run produced: the exit code and the combined stdout/stderr. */
  record Result(int code, String output) {}

  private ExternalCommand() {}

  /** The first of {@code names} found on the PATH, or null. */
  static String which(String... names) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String name : names) {
      for (String dir : path.split(File.pathSeparator)) {
        File f = new File(dir, name);
        if (f.isFile() && f.canExecute()) {
          return f.getAbsolutePath();
        }
      }
    }
    return null;
  }

  /** Runs {@code command} in {@code dir} with extra environment variables. */
  static Result run(List<String> command, Map<String, String> env, Path dir, Duration timeout)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("external-", ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError(
            command.get(0)
                + " did not finish within "
                + timeout
                + ":\n"
                + tail(Files.readString(log, StandardCharsets.UTF_8)));
      }
      return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  /** The last 4,000 characters of a text. */
  static String tail(String s) {
    return s.length() <= 4000 ? s : "…" + s.substring(s.length() - 4000);
  }
}

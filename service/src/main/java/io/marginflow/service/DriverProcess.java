package io.marginflow.service;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The driver of one launch of a run, started so that it outlives the service: a small bash wrapper
 * in its own session ({@code setsid}) starts the command with its output in {@code driver-N.log},
 * writes the driver's pid to {@code driver-N.pid}, waits, and writes its exit status to {@code
 * driver-N.exit}. No pipe connects it to the service, so a service that dies (even by SIGKILL)
 * takes nothing with it; a restarted service reads the three files.
 */
public final class DriverProcess {

  /** The application id line the job logs (TrainJob: "spark application ID on MASTER"). */
  private static final Pattern APP_ID = Pattern.compile("spark application (\\S+) on ");

  /** How far into the log the application id is looked for. */
  private static final int APP_ID_SCAN_BYTES = 1 << 20;

  /** A driver whose process started this much before its pid file was written is another. */
  private static final Duration PID_START_SLACK = Duration.ofSeconds(30);

  private static final String WRAPPER =
      "d=\"$1\"; n=\"$2\"; shift 2\n"
          + "\"$@\" >\"$d/driver-$n.log\" 2>&1 </dev/null &\n"
          + "p=$!\n"
          + "echo \"$p\" >\"$d/driver-$n.pid.tmp\" && mv \"$d/driver-$n.pid.tmp\" \"$d/driver-$n.pid\"\n"
          + "wait \"$p\"\n"
          + "echo \"$?\" >\"$d/driver-$n.exit.tmp\" && mv \"$d/driver-$n.exit.tmp\""
          + " \"$d/driver-$n.exit\"\n";

  /**
   * What is known of a launch.
   *
   * @param pid the driver's pid, or null before the wrapper wrote it
   * @param pidWrittenAt when the pid file was written (null with pid)
   * @param alive whether that pid is still the driver
   * @param exitCode the driver's exit status, or null while it runs (or if its wrapper died)
   */
  public record Observation(Long pid, Instant pidWrittenAt, boolean alive, Integer exitCode) {}

  private DriverProcess() {}

  /** The log of launch {@code n} in the run's state folder. */
  public static Path log(Path dir, int n) {
    return dir.resolve("driver-" + n + ".log");
  }

  /**
   * Starts launch {@code n}: {@code command} with {@code env} added, in a new session, output to
   * the log. Returns at once.
   */
  public static void launch(Path dir, int n, List<String> command, Map<String, String> env)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      cmd.add("/usr/bin/setsid");
    }
    cmd.addAll(List.of("bash", "-c", WRAPPER, "marginflow-driver", dir.toString(), "" + n));
    cmd.addAll(command);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("wrapper-" + n + ".log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().putAll(env);
    pb.start();
  }

  /** Reads the pid and exit files of launch {@code n} and checks that the driver lives. */
  public static Observation observe(Path dir, int n) {
    Integer exit =
        readNumber(dir.resolve("driver-" + n + ".exit")).map(Long::intValue).orElse(null);
    Path pidFile = dir.resolve("driver-" + n + ".pid");
    Optional<Long> pid = readNumber(pidFile);
    if (pid.isEmpty()) {
      return new Observation(null, null, false, exit);
    }
    Instant written;
    try {
      written = Files.getLastModifiedTime(pidFile).toInstant();
    } catch (IOException e) {
      written = Instant.EPOCH;
    }
    boolean alive = exit == null && isDriver(pid.get(), written);
    return new Observation(pid.get(), written, alive, exit);
  }

  /** Whether {@code pid} is alive and started shortly before {@code pidWrittenAt}. */
  static boolean isDriver(long pid, Instant pidWrittenAt) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    Optional<Instant> start = h.get().info().startInstant();
    return start.isEmpty()
        || (!start.get().isBefore(pidWrittenAt.minus(PID_START_SLACK))
            && !start.get().isAfter(pidWrittenAt.plusSeconds(2)));
  }

  /** The Spark application id from the head of the log, if logged yet. */
  public static Optional<String> applicationId(Path log) {
    if (!Files.isRegularFile(log)) {
      return Optional.empty();
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(log)) {
      head = in.readNBytes(APP_ID_SCAN_BYTES);
    } catch (IOException e) {
      return Optional.empty();
    }
    Matcher m = APP_ID.matcher(new String(head, StandardCharsets.UTF_8));
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * The last line of the log that says why the driver failed ({@code marginflow: …}, an exception
   * or an ERROR line), or empty.
   */
  public static String lastError(Path log) {
    List<String> tail;
    try {
      tail = LogFile.tailLines(log, 64 * 1024);
    } catch (IOException e) {
      return "";
    }
    for (int i = tail.size() - 1; i >= 0; i--) {
      String l = tail.get(i).strip();
      if (l.startsWith("marginflow:") || l.contains("Exception") || l.contains(" ERROR ")) {
        return l.length() > 500 ? l.substring(0, 500) + "…" : l;
      }
    }
    return "";
  }

  private static Optional<Long> readNumber(Path p) {
    try {
      String s = Files.readString(p, StandardCharsets.US_ASCII).trim();
      return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}

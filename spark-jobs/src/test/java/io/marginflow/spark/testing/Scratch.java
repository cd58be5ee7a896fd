package io.marginflow.spark.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Per-JVM scratch directories under {@code target/} ({@code <prefix>-<pid>}): left-overs of test
 * JVMs that are no longer running are deleted when a new one is made, so {@code target/} does not
 * fill up even when a JVM dies before its shutdown hooks finish.
 */
final class Scratch {

  private Scratch() {}

  /** {@code target/<prefix>-<pid>} (absolute, not created), after removing stale siblings. */
  static File dir(String prefix) {
    File target = new File("target").getAbsoluteFile();
    File[] stale = target.listFiles((d, name) -> name.startsWith(prefix + "-"));
    if (stale != null) {
      for (File f : stale) {
        String suffix = f.getName().substring(prefix.length() + 1);
        if (suffix.matches("\\d+") && ProcessHandle.of(Long.parseLong(suffix)).isEmpty()) {
          deleteRecursively(f.toPath());
        }
      }
    }
    return new File(target, prefix + "-" + ProcessHandle.current().pid());
  }

  /** Deletes a directory tree, best effort (scratch space): a missing or busy one is left. */
  static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // Left for the next JVM's clean-up of stale directories.
    }
  }
}

package io.marginflow.common.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real datasets in {@code ../shared/datasets} (system property {@code
 * marginflow.datasets}, set by the build). Tests fail, rather than skip, when the folder is
 * missing: the data are part of the test contract.
 */
public final class SharedDatasets {

  private SharedDatasets() {}

  /** The datasets folder. */
  public static Path root() {
    String prop = System.getProperty("marginflow.datasets");
    Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared", "datasets");
    if (!Files.isDirectory(p)) {
      Path alt = Path.of("..", "shared", "datasets");
      if (Files.isDirectory(Path.of("..", "..", "shared", "datasets"))) {
        p = Path.of("..", "..", "shared", "datasets");
      } else if (Files.isDirectory(alt)) {
        p = alt;
      }
    }
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("shared datasets folder not found at " + p.toAbsolutePath());
    }
    return p.toAbsolutePath().normalize();
  }

  /** A file inside the datasets folder, e.g. {@code resolve("a9a/a9a.gz")}. */
  public static Path resolve(String relative) {
    Path p = root().resolve(relative);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException("dataset file missing: " + p);
    }
    return p;
  }
}

package io.marginflow.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A submitted body written to a temporary file, for the config readers that take a file ({@code
 * ConfigLoader}, {@code SweepSpec}); deleted on close (a leftover is harmless).
 */
final class StagedFile implements AutoCloseable {

  private final Path path;

  private StagedFile(Path path) {
    this.path = path;
  }

  /** Writes {@code text} to a new temporary {@code .yaml} file. */
  static StagedFile of(String text, String prefix) {
    try {
      Path p = Files.createTempFile(prefix, ".yaml");
      Files.writeString(p, text, StandardCharsets.UTF_8);
      return new StagedFile(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage a submitted config", e);
    }
  }

  /** The file. */
  Path path() {
    return path;
  }

  /** {@code message} with the file's name replaced by "body" (what the client sent). */
  String asBody(String message) {
    return message.replace("config file " + path, "body").replace(path.toString(), "body");
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a leftover temporary file is harmless
    }
  }
}

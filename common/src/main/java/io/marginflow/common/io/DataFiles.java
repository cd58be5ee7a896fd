package io.marginflow.common.io;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens data files: clear errors for missing or empty files, gzip recognized by its magic bytes.
 */
final class DataFiles {

  private static final int BUFFER = 1 << 16;

  private DataFiles() {}

  /** A buffered stream of the (decompressed) content of {@code file}. */
  static InputStream open(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "data file not found");
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + ": not a regular file");
    }
    if (Files.size(file) == 0) {
      throw new DataFormatException(file.toString(), 0, "empty file (0 bytes)");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
    try {
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
      }
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** A UTF-8 line reader of the (decompressed) content of {@code file}. */
  static BufferedReader openText(Path file) throws IOException {
    return new BufferedReader(new InputStreamReader(open(file), StandardCharsets.UTF_8), BUFFER);
  }

  /** {@code line} without a leading byte-order mark (only the first line can have one). */
  static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == '\uFEFF' ? line.substring(1) : line;
  }
}

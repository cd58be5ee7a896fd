package io.marginflow.service;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a driver log by byte range: whole lines only, so a client that asks again from {@code next}
 * misses nothing and gets nothing twice (no truncated cache: the file on disk is read).
 */
public final class LogFile {

  /**
   * A chunk of a log.
   *
   * @param from the byte offset asked for
   * @param next the offset to ask for next (after the last whole line returned)
   * @param size the file's size now
   * @param lines the whole lines in [from, next)
   */
  public record Chunk(long from, long next, long size, List<String> lines) {}

  private LogFile() {}

  /** Whole lines starting at byte {@code from}, at most about {@code max} bytes of them. */
  public static Chunk read(Path log, long from, int max) throws IOException {
    if (!Files.isRegularFile(log)) {
      return new Chunk(from, from, 0, List.of());
    }
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long size = f.length();
      if (from >= size) {
        return new Chunk(from, from, size, List.of());
      }
      byte[] buf = new byte[(int) Math.min(max, size - from)];
      f.seek(from);
      f.readFully(buf);
      int end = buf.length;
      while (end > 0 && buf[end - 1] != '\n') {
        end--;
      }
      if (end == 0 && from + buf.length == size) {
        return new Chunk(from, from, size, List.of()); // a line still being written
      }
      if (end == 0) {
        end = buf.length; // one line longer than max: hand it over in pieces
      }
      String text = new String(buf, 0, end, StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
      if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return new Chunk(from, from + end, size, lines);
    }
  }

  /** The whole lines in the last {@code bytes} of the log. */
  public static List<String> tailLines(Path log, int bytes) throws IOException {
    long size = Files.size(log);
    long from = Math.max(0, size - bytes);
    List<String> lines = new ArrayList<>(read(log, from, bytes).lines());
    if (from > 0 && !lines.isEmpty()) {
      lines.remove(0); // probably cut
    }
    return lines;
  }
}

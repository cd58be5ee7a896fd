package io.marginflow.common.format;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Owner of {@code SHA256SUMS}, the digest file of a checkpoint directory: the SHA-256 of every
 * other file of the checkpoint ({@code theta.bin}, {@code meta.json}, the extra arrays), written
 * after them and before {@code LATEST}, so a flipped byte or a truncated file anywhere in a
 * checkpoint is detected ({@code theta.bin} also carries its own CRC32; {@code meta.json} has no
 * other check).
 *
 * <p>Layout (version 1, the text format of {@code sha256sum}, so {@code sha256sum -c SHA256SUMS}
 * checks a checkpoint by hand): one line per file, {@code <64 lowercase hex digits><two
 * spaces><name>\n}, names {@code [A-Za-z0-9._-]+}, at least one line, no duplicate names, every
 * line ending with its newline (a truncated file is rejected).
 */
public final class CheckpointDigests {

  /** The file name inside {@code checkpoints/step-<K>/}. */
  public static final String FILE_NAME = "SHA256SUMS";

  private static final Pattern LINE = Pattern.compile("([0-9a-f]{64})  ([A-Za-z0-9._-]+)");
  private static final HexFormat HEX = HexFormat.of();

  private CheckpointDigests() {}

  /** The lowercase hex SHA-256 of {@code content}. */
  public static String sha256(byte[] content) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The file content for {@code digests} (file name → hex SHA-256), in the map's order. */
  public static byte[] toBytes(Map<String, String> digests) {
    if (digests == null || digests.isEmpty()) {
      throw new IllegalArgumentException("digests: expected at least one file");
    }
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, String> e : digests.entrySet()) {
      String line = e.getValue() + "  " + e.getKey();
      if (!LINE.matcher(line).matches()) {
        throw new IllegalArgumentException(
            "digests: expected <64 hex> for a name [A-Za-z0-9._-]+, got '" + line + "'");
      }
      sb.append(line).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses the file; a {@link FormatException} naming {@code source} and the line if it is
   * malformed.
   */
  public static Map<String, String> fromBytes(byte[] content, String source)
      throws FormatException {
    String text = new String(content, StandardCharsets.US_ASCII);
    if (text.isEmpty() || !text.endsWith("\n")) {
      throw new FormatException(source + ": expected lines ending with a newline (truncated?)");
    }
    Map<String, String> out = new LinkedHashMap<>();
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher m = LINE.matcher(lines[i]);
      if (!m.matches()) {
        throw new FormatException(
            source
                + ":"
                + (i + 1)
                + ": expected '<64 hex digits>  <name>', got '"
                + lines[i]
                + "'");
      }
      if (out.put(m.group(2), m.group(1)) != null) {
        throw new FormatException(source + ":" + (i + 1) + ": duplicate name " + m.group(2));
      }
    }
    return out;
  }
}

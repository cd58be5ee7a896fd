package io.marginflow.service;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Run ids of the service: the name of the run's directory under {@code --root}, so an id is one
 * path segment of letters, digits, {@code .}, {@code _} and {@code -} that does not start with a
 * dot, an underscore or a dash (no traversal, no hidden or service folders).
 */
public final class RunIds {

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunIds() {}

  /** Returns {@code id} if it is a valid run id, else throws a 400 naming {@code key}. */
  public static String requireValid(String key, String id) {
    if (id == null || !VALID.matcher(id).matches() || id.contains("..")) {
      throw ApiException.badRequest(
          key,
          "expected a run id (1–100 of A-Z a-z 0-9 . _ -, starting with a letter or digit, no"
              + " '..'), got '"
              + (id == null ? "" : id.length() > 120 ? id.substring(0, 120) + "…" : id)
              + "'");
    }
    return id;
  }

  /** A new id: {@code run-YYYYMMDD-HHMMSS-xxxxxx} (UTC, 24 random bits). */
  public static String newId(Instant now) {
    byte[] b = new byte[3];
    RANDOM.nextBytes(b);
    return "run-" + STAMP.format(now) + "-" + HexFormat.of().formatHex(b);
  }
}

package io.marginflow.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <token>} headers against the service's token in constant
 * time: both sides are hashed (SHA-256) and the digests compared with {@link
 * MessageDigest#isEqual}, so neither the content nor the length of the token leaks through timing.
 */
public final class BearerAuth {

  private static final String PREFIX = "Bearer ";
  private final byte[] expected;

  /** An authenticator for {@code token}. */
  public BearerAuth(String token) {
    if (token == null || token.length() < TokenFile.MIN_LENGTH) {
      throw new IllegalArgumentException(
          "token: expected at least " + TokenFile.MIN_LENGTH + " characters");
    }
    this.expected = sha256(token);
  }

  /** Whether the header value carries the token. */
  public boolean accepts(String authorization) {
    String given =
        authorization != null && authorization.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
            ? authorization.substring(PREFIX.length()).trim()
            : "";
    return MessageDigest.isEqual(expected, sha256(given));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}

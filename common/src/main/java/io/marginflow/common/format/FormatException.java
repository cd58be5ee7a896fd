package io.marginflow.common.format;

import java.io.IOException;

/**
 * Thrown by the readers of this package when stored bytes are not a valid instance of their format
 * (bad magic, unknown version, truncation, checksum mismatch, missing or invalid field). The
 * message always names the source (file name or URI) so that a corrupted run directory is easy to
 * find.
 */
public final class FormatException extends IOException {

  private static final long serialVersionUID = 1L;

  /** A format error with its full message (which names the source). */
  public FormatException(String message) {
    super(message);
  }

  /** A format error caused by a lower-level parse failure. */
  public FormatException(String message, Throwable cause) {
    super(message, cause);
  }
}

package io.marginflow.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads the service's bearer token from a file that only its owner may read or write: a file with
 * any group or other permission bit, not a regular file, or owned by another user is refused, as is
 * a token shorter than {@link #MIN_LENGTH} characters. The token is the file's first line, trimmed.
 */
public final class TokenFile {

  /** Shortest token accepted (e.g. {@code openssl rand -hex 32} gives 64). */
  public static final int MIN_LENGTH = 16;

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private TokenFile() {}

  /**
   * The token in {@code file}.
   *
   * @throws IllegalStateException naming the file and what is wrong with it
   */
  public static String read(Path file) throws IOException {
    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalStateException("--token-file " + file + ": not a regular file");
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
    if (!OWNER_ONLY.containsAll(perms)) {
      throw new IllegalStateException(
          "--token-file "
              + file
              + ": readable or writable by others ("
              + PosixFilePermissions.toString(perms)
              + "); only its owner may read it: chmod 600 "
              + file);
    }
    String owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
    String me = System.getProperty("user.name");
    if (!owner.equals(me)) {
      throw new IllegalStateException(
          "--token-file "
              + file
              + ": owned by "
              + owner
              + ", not by "
              + me
              + " who runs the service");
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int nl = text.indexOf('\n');
    String token = (nl < 0 ? text : text.substring(0, nl)).trim();
    if (token.length() < MIN_LENGTH || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
      throw new IllegalStateException(
          "--token-file "
              + file
              + ": expected a token of at least "
              + MIN_LENGTH
              + " printable ASCII characters on the first line (e.g. openssl rand -hex 32)");
    }
    return token;
  }
}

package io.marginflow.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per submit, stop and resume (when, who, what, on which run, the outcome), appended to
 * {@code STATE_DIR/audit.log} and logged. Tab-separated: {@code time who action id outcome}; values
 * have tabs and newlines replaced so that a client cannot forge a line.
 */
public final class AuditLog {

  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private final Path file;

  /** An audit log appending to {@code file}. */
  public AuditLog(Path file) {
    this.file = file;
  }

  /** The file. */
  public Path file() {
    return file;
  }

  /** Appends one line. */
  public synchronized void record(String who, String action, String id, String outcome) {
    String line =
        String.join(
                "\t",
                Instant.now().toString(),
                clean(who),
                clean(action),
                clean(id),
                clean(outcome))
            + "\n";
    LOG.info("audit: {}", line.strip());
    try {
      Files.writeString(
          file,
          line,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND,
          StandardOpenOption.SYNC);
    } catch (IOException e) {
      LOG.error("cannot append to the audit log {}: {}", file, e.getMessage());
    }
  }

  private static String clean(String s) {
    return s == null ? "-" : s.replaceAll("[\\t\\r\\n\\p{Cntrl}]", " ");
  }
}

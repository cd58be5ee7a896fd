package io.marginflow.spark.store;

import java.io.IOException;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.Path;

/**
 * Turns a failed write into an {@link IOException} that names the file. Hadoop's local file system
 * reports a full disk as {@link FSError} (an {@code Error} wrapping {@code "No space left on
 * device"}) without the path; HDFS names the path in most but not all of its exceptions. Callers
 * catch both and rethrow {@link #of}: the run then stops with marginflow's own message, and the
 * last published checkpoint is untouched.
 */
final class WriteFailure {

  private WriteFailure() {}

  /** An IOException naming {@code file}, with {@code failure}'s cause chain kept. */
  static IOException of(Path file, Throwable failure) {
    Throwable cause =
        failure instanceof FSError && failure.getCause() != null ? failure.getCause() : failure;
    String message = String.valueOf(cause.getMessage());
    if (cause instanceof IOException io && message.contains(file.toUri().getPath())) {
      return io;
    }
    return new IOException("cannot write " + file + ": " + message, cause);
  }
}

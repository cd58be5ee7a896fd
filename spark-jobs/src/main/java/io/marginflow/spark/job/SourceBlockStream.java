package io.marginflow.spark.job;

import java.io.Closeable;
import java.io.IOException;
import org.apache.spark.TaskContext;

/**
 * A {@link BlockStream} that reads from an open source (a split, a row group): the source is closed
 * when the stream ends, on {@link #close}, when producing fails, or when the Spark task running the
 * stream completes (failed or not), so an abandoned iterator never leaks a reader.
 */
abstract class SourceBlockStream extends BlockStream implements Closeable {

  /** Registers the close with the running Spark task, if there is one. */
  SourceBlockStream() {
    TaskContext task = TaskContext.get();
    if (task != null) {
      task.addTaskCompletionListener(
          (org.apache.spark.util.TaskCompletionListener) context -> closeQuietly());
    }
  }

  @Override
  final void failed() {
    closeQuietly();
  }

  /** {@link #close} without its exception: the task is over, nothing more is read. */
  final void closeQuietly() {
    try {
      close();
    } catch (IOException ignored) {
      // nothing more is read from the source
    }
  }
}

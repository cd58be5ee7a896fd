package io.marginflow.spark.check;

/**
 * One thing that stops a run from starting.
 *
 * @param where what it concerns: a flag ({@code --steps}), a config-file line ({@code run.yaml:7}),
 *     a data file and line ({@code file:/data/a9a:12}), or a part of the run ({@code out}, {@code
 *     resume}); a service can map it to a request field
 * @param message the complete, self-contained message (it names the key, file or line too)
 */
public record Problem(String where, String message) {

  /** Requires both fields. */
  public Problem {
    if (where == null || message == null || message.isBlank()) {
      throw new IllegalArgumentException("where and message must be given");
    }
  }

  /**
   * The message, prefixed with {@link #where} when the message does not already name it (a message
   * starting with "key:" names the flag {@code --key}).
   */
  @Override
  public String toString() {
    boolean named =
        where.isEmpty()
            || message.contains(where)
            || (where.startsWith("--") && message.startsWith(where.substring(2) + ":"));
    return named ? message : where + ": " + message;
  }
}

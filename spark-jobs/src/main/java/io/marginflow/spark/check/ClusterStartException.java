package io.marginflow.spark.check;

/**
 * The Spark application of a run could not be started on its master (a YARN ResourceManager that
 * refuses a container larger than its limit, a master that cannot be reached): a problem of the
 * cluster or of {@code --master} and the resource settings, not of the data the validator was about
 * to scan.
 */
public final class ClusterStartException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Wraps what starting the application threw. */
  public ClusterStartException(RuntimeException cause) {
    super(String.valueOf(cause.getMessage()), cause);
  }
}

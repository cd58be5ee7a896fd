package io.marginflow.spark.check;

import io.marginflow.common.config.ConfigException;

/**
 * A run that does not start because validation found problems; the message lists every one, and
 * {@link #report()} holds them for callers that present them otherwise (e.g. a service's 400).
 */
public final class RunRefusedException extends ConfigException {
  private static final long serialVersionUID = 1L;

  private final transient ValidationReport report;

  /** The refusal of a report with problems. */
  public RunRefusedException(ValidationReport report) {
    super(
        report.problems().size() == 1
            ? report.problems().get(0).toString()
            : report.problemsText());
    this.report = report;
  }

  /** The report with every problem. */
  public ValidationReport report() {
    return report;
  }
}

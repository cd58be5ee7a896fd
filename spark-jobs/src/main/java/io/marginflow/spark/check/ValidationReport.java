package io.marginflow.spark.check;

import java.util.List;

/**
 * The outcome of {@link RunValidator}: every problem found (empty when the run would start) and,
 * when there is none, the {@link RunPlan} of the run.
 *
 * @param problems every problem, in the order found
 * @param plan what the run would be; null when there are problems
 */
public record ValidationReport(List<Problem> problems, RunPlan plan) {

  /** Copies the problems; requires a plan exactly when there is no problem. */
  public ValidationReport {
    problems = List.copyOf(problems);
    if (problems.isEmpty() == (plan == null)) {
      throw new IllegalArgumentException("a report has a plan exactly when it has no problem");
    }
  }

  /** True when the run would start. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** The plan; throws a {@link RunRefusedException} listing every problem when there are any. */
  public RunPlan planOrThrow() {
    if (!ok()) {
      throw new RunRefusedException(this);
    }
    return plan;
  }

  /** "N problem(s) …" and one line per problem. */
  public String problemsText() {
    StringBuilder b = new StringBuilder();
    b.append(problems.size())
        .append(problems.size() == 1 ? " problem" : " problems")
        .append(" found; nothing was written:");
    for (Problem p : problems) {
      b.append("\n  - ").append(p);
    }
    return b.toString();
  }
}

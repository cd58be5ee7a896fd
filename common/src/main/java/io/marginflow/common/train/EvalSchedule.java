package io.marginflow.common.train;

/**
 * When full-data evaluations happen: at step 0, every {@code every} steps, at log-spaced steps (10
 * per decade: k = round(10^{j/10})), and at the last step.
 *
 * @param every evaluate when k % every == 0 (0: never by this rule)
 * @param logSpaced also at log-spaced steps
 * @param lastStep the final step number (always evaluated)
 */
public record EvalSchedule(long every, boolean logSpaced, long lastStep) {

  /** Validates the fields. */
  public EvalSchedule {
    if (every < 0) {
      throw new IllegalArgumentException("eval-every: expected ≥ 0, got " + every);
    }
    if (lastStep < 0) {
      throw new IllegalArgumentException("steps: expected ≥ 0, got " + lastStep);
    }
  }

  /** True if step k is evaluated. */
  public boolean isEvalStep(long k) {
    if (k == 0 || k == lastStep) {
      return true;
    }
    if (every > 0 && k % every == 0) {
      return true;
    }
    return logSpaced && isLogSpaced(k);
  }

  /** True if k = round(10^{j/10}) for some integer j ≥ 0. */
  public static boolean isLogSpaced(long k) {
    if (k < 1) {
      return false;
    }
    double j = Math.round(10 * Math.log10(k));
    return Math.round(Math.pow(10, j / 10)) == k;
  }
}

package io.marginflow.common.io;

import java.io.Serializable;

/**
 * Parameters of the teacher–student generator ({@link TeacherStudentGenerator}).
 *
 * @param seed the generator seed (teacher and every row derive from it)
 * @param rows number of rows n, ≥ 1
 * @param features input dimension p, ≥ 1
 * @param teacherWidth hidden units m of the teacher, ≥ 2 (one bias-free ReLU unit with a fixed
 *     output sign can produce only one label)
 * @param minMargin δ ≥ 0: only points with |t(x)| > δ are kept
 */
public record TeacherStudentConfig(
    long seed, long rows, int features, int teacherWidth, double minMargin)
    implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Largest teacher weight count m × p (one Java array). */
  static final long MAX_TEACHER_WEIGHTS = Integer.MAX_VALUE - 8;

  /** Validates every field. */
  public TeacherStudentConfig {
    if (rows < 1) {
      throw new IllegalArgumentException("rows must be >= 1, got " + rows);
    }
    if (features < 1) {
      throw new IllegalArgumentException("features must be >= 1, got " + features);
    }
    if (teacherWidth < 2) {
      throw new IllegalArgumentException(
          "teacherWidth must be >= 2 (a single unit yields one label only), got " + teacherWidth);
    }
    if ((long) teacherWidth * features > MAX_TEACHER_WEIGHTS) {
      throw new IllegalArgumentException(
          "teacherWidth x features must be <= "
              + MAX_TEACHER_WEIGHTS
              + ", got "
              + teacherWidth
              + " x "
              + features);
    }
    if (!(minMargin >= 0.0) || Double.isInfinite(minMargin)) {
      throw new IllegalArgumentException("minMargin must be finite and >= 0, got " + minMargin);
    }
  }
}

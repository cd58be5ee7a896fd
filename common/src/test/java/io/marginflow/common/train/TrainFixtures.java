package io.marginflow.common.train;

import io.marginflow.common.config.ConfigLoader;
import io.marginflow.common.config.TrainConfig;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.data.RowBlockBuilder;
import io.marginflow.common.io.TeacherStudentConfig;
import io.marginflow.common.io.TeacherStudentGenerator;
import java.util.List;

/** Configs and small datasets shared by the training tests. */
final class TrainFixtures {

  private TrainFixtures() {}

  /** A config from command-line style flags. */
  static TrainConfig config(String... flags) {
    return TrainConfig.from(ConfigLoader.parse(flags).settings());
  }

  /** Teacher–student data: n rows of p features, split into blocks of {@code blockRows}. */
  static Dataset teacher(long seed, int n, int p, int blockRows) {
    return new TeacherStudentGenerator(new TeacherStudentConfig(seed, n, p, 4, 0.1))
        .generate(false, blockRows);
  }

  /**
   * A separable 2-D set whose hard-margin direction (no bias) is known in closed form: in the frame
   * rotated by {@link #ANGLE}, positives (1,1), (1,−1), (2,0.3), (3,−2) and negatives (−1,0.5),
   * (−1.5,2), (−1,−1). For u = (cos a, sin a) (frame coordinates) the margins of (1,±1) are cos a ±
   * sin a, so min_i y_i⟨u,x_i⟩ ≤ cos a ≤ 1 with equality only at a = 0: the SVM direction is the
   * rotated e₁ and the optimal normalized margin is exactly {@link #SVM_MARGIN}.
   */
  static Dataset svmSquare() {
    double[][] pts = {{1, 1}, {1, -1}, {2, 0.3}, {3, -2}, {-1, 0.5}, {-1.5, 2}, {-1, -1}};
    double[] y = {1, 1, 1, 1, -1, -1, -1};
    RowBlockBuilder b = new RowBlockBuilder(2, false, 4);
    double c = Math.cos(ANGLE);
    double s = Math.sin(ANGLE);
    for (int i = 0; i < pts.length; i++) {
      double[] x = {c * pts[i][0] - s * pts[i][1], s * pts[i][0] + c * pts[i][1]};
      b.addDense(i, y[i], x);
    }
    List<RowBlock> blocks = b.finish();
    return Dataset.of("svm-square", 2, blocks);
  }

  /** Rotation of the SVM fixture. */
  static final double ANGLE = 0.7;

  /** Its optimal normalized margin. */
  static final double SVM_MARGIN = 1.0;
}

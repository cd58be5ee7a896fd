package io.marginflow.common.io;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TeacherStudentGeneratorTest {

  private static final TeacherStudentConfig CONFIG = new TeacherStudentConfig(42L, 300, 12, 6, 0.1);

  /** Monte-Carlo error of a mean of N(0,1) deviates: 5 standard errors at n = 200,000. */
  private static final double GAUSS_MEAN_TOL = 5 / Math.sqrt(200_000.0);

  /**
   * Sample variance of n = 200,000 N(0,1) deviates has standard error √(2/n) ≈ 0.0032; 5 of them.
   */
  private static final double GAUSS_VAR_TOL = 5 * Math.sqrt(2 / 200_000.0);

  /** Every row of a dataset as (label, dense x), in row order. */
  private static double[][] flatten(Dataset data) {
    double[][] out = new double[(int) data.rows()][];
    int i = 0;
    for (RowBlock block : data.blocks()) {
      DenseBlock d = block instanceof CsrBlock c ? c.toDense() : (DenseBlock) block;
      for (int r = 0; r < d.rows(); r++, i++) {
        assertEquals(i, d.rowIndex()[r]);
        double[] row = new double[d.features() + 1];
        row[0] = d.labels()[r];
        System.arraycopy(d.values(), r * d.features(), row, 1, d.features());
        out[i] = row;
      }
    }
    return out;
  }

  @Test
  void rowsArePureFunctionsOfSeedAndIndex() {
    TeacherStudentGenerator g = new TeacherStudentGenerator(CONFIG);
    double[] a = new double[12];
    double[] b = new double[12];
    double ya = g.row(123, a);
    g.row(7, b); // other rows in between do not matter
    double yb = new TeacherStudentGenerator(CONFIG).row(123, b);
    assertEquals(ya, yb);
    assertArrayEquals(a, b);

    // a generator for fewer rows (a partition's view) gives the same row
    TeacherStudentConfig shorter = new TeacherStudentConfig(42L, 124, 12, 6, 0.1);
    double yc = new TeacherStudentGenerator(shorter).row(123, b);
    assertEquals(ya, yc);
    assertArrayEquals(a, b);

    double[][] dense7 = flatten(g.generate(false, 7));
    double[][] sparse64 = flatten(g.generate(true, 64));
    for (int i = 0; i < dense7.length; i++) {
      assertArrayEquals(dense7[i], sparse64[i], "row " + i);
    }
    assertArrayEquals(a, Arrays.copyOfRange(dense7[123], 1, 13));
    assertEquals(ya, dense7[123][0]);
  }

  @Test
  void everyPointClearsTheMarginWithItsTeacherSignAndBothLabelsOccur() {
    TeacherStudentGenerator g = new TeacherStudentGenerator(CONFIG);
    Dataset data = g.generate(false, 50);
    assertEquals(300, data.rows());
    assertTrue(data.positives() > 0 && data.negatives() > 0, "positives=" + data.positives());
    for (double[] row : flatten(data)) {
      double t = g.teacherOutput(Arrays.copyOfRange(row, 1, row.length));
      assertTrue(Math.abs(t) > CONFIG.minMargin(), "|t| = " + Math.abs(t));
      assertEquals(Math.signum(t), row[0]);
    }
    assertTrue(
        data.source().startsWith(TeacherStudentGenerator.VERSION + " seed=42"), data.source());
  }

  @Test
  void differentSeedsGiveDifferentData() {
    double[] a = new double[12];
    double[] b = new double[12];
    new TeacherStudentGenerator(CONFIG).row(0, a);
    new TeacherStudentGenerator(new TeacherStudentConfig(43L, 300, 12, 6, 0.1)).row(0, b);
    assertFalse(Arrays.equals(a, b));
    double[] x = new double[12];
    Arrays.fill(x, 1.0);
    double ta = new TeacherStudentGenerator(CONFIG).teacherOutput(x);
    double tb =
        new TeacherStudentGenerator(new TeacherStudentConfig(43L, 300, 12, 6, 0.1))
            .teacherOutput(x);
    assertTrue(ta != tb, "teachers differ");
  }

  @Test
  void teacherIsPositivelyHomogeneous() {
    TeacherStudentGenerator g = new TeacherStudentGenerator(CONFIG);
    double[] x = new double[12];
    g.row(5, x);
    double t = g.teacherOutput(x);
    double[] scaled = x.clone();
    for (int k = 0; k < scaled.length; k++) {
      scaled[k] *= 3.0;
    }
    // scaling by 3 is exact up to one rounding per product and sum
    assertClose(3 * t, g.teacherOutput(scaled), 1e-14, 0, "t(3x) = 3 t(x)");
  }

  @Test
  void goldenRowPinsTheGeneratorVersion() {
    // If this fails, the rows changed: bump TeacherStudentGenerator.VERSION and update the numbers.
    TeacherStudentGenerator g = new TeacherStudentGenerator(CONFIG);
    double[] x = new double[12];
    double y = g.row(0, x);
    assertEquals(GOLDEN_Y0, y);
    assertEquals(GOLDEN_X0_0, x[0]);
    assertEquals(GOLDEN_X0_11, x[11]);
  }

  // Row 0 of CONFIG under teacher-student/1 (recorded when the version was fixed).
  private static final double GOLDEN_Y0 = -1.0;
  private static final double GOLDEN_X0_0 = 0.880368317354647;
  private static final double GOLDEN_X0_11 = 0.010857312986160543;

  @Test
  void gaussianDeviatesHaveUnitMomentsAndAreSeeded() {
    double[] z = new double[200_000];
    TeacherStudentGenerator.fillGaussian(new SplittableRandom(1), z);
    double mean = Arrays.stream(z).average().orElseThrow();
    double var = Arrays.stream(z).map(v -> (v - mean) * (v - mean)).sum() / (z.length - 1);
    assertClose(0, mean, 0, GAUSS_MEAN_TOL, "mean");
    assertClose(1, var, 0, GAUSS_VAR_TOL, "variance");
    double[] again = new double[7];
    double[] first = new double[7];
    TeacherStudentGenerator.fillGaussian(new SplittableRandom(1), again);
    System.arraycopy(z, 0, first, 0, 7);
    assertArrayEquals(first, again);
  }

  @Test
  void tooLargeMinMarginIsRefusedClearly() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new TeacherStudentGenerator(new TeacherStudentConfig(1, 10, 12, 6, 50.0)));
    assertTrue(e.getMessage().startsWith("minMargin=50.0 keeps only 0 of 1000"), e.getMessage());
  }

  @Test
  void rowArgumentsAreChecked() {
    TeacherStudentGenerator g = new TeacherStudentGenerator(CONFIG);
    assertThrows(IllegalArgumentException.class, () -> g.row(-1, new double[12]));
    assertThrows(IllegalArgumentException.class, () -> g.row(300, new double[12]));
    assertThrows(IllegalArgumentException.class, () -> g.row(0, new double[11]));
  }

  @Test
  void describeNamesVersionSeedAndParameters() {
    String d = new TeacherStudentGenerator(CONFIG).describe();
    assertTrue(
        d.startsWith("teacher-student/1 seed=42 rows=300 features=12 teacherWidth=6 minMargin=0.1"),
        d);
  }

  @Test
  void configIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 0, 2, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 1, 0, 2, 0));
    IllegalArgumentException w =
        assertThrows(IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 1, 2, 1, 0));
    assertTrue(w.getMessage().contains("teacherWidth must be >= 2"), w.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 1, 2, 2, -0.1));
    assertThrows(
        IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 1, 2, 2, Double.NaN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new TeacherStudentConfig(1, 1, 2, 2, Double.POSITIVE_INFINITY));
    assertThrows(
        IllegalArgumentException.class, () -> new TeacherStudentConfig(1, 1, 1 << 20, 1 << 12, 0));
    assertEquals(CONFIG, new TeacherStudentConfig(42L, 300, 12, 6, 0.1));
  }
}

package io.marginflow.common.io;

import io.marginflow.common.data.Dataset;
import io.marginflow.common.data.RowBlockBuilder;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synthetic data that a bias-free ReLU network can separate with a positive margin: Gaussian inputs
 * labelled by a random two-layer ReLU teacher.
 *
 * <p>Generator {@value #VERSION}:
 *
 * <ul>
 *   <li>Teacher, drawn from {@code SplittableRandom(mix(seed, TEACHER))}: t(x) = Σ_j v_j relu(⟨w_j,
 *       x⟩), j = 0..m−1, with w_j ~ N(0, I/p) (filled unit by unit, coordinate by coordinate) and
 *       v_j = (−1)^j / √m, so both output signs are present.
 *   <li>Row i, attempt a = 0, 1, …: x ~ N(0, I_p) from {@code SplittableRandom(mix(seed, i, a))};
 *       the first attempt with |t(x)| > δ is kept, with label y = sign t(x). At most {@value
 *       #MAX_ATTEMPTS} attempts per row.
 *   <li>Normal deviates: Box–Muller with {@link StrictMath} on {@code 1 − nextDouble()} and {@code
 *       nextDouble()}, both outputs used, so the bits are the same on every JVM.
 *   <li>mix = the SplitMix64 finalizer (Stafford variant 13) applied after each xor-in of the seed
 *       stream, the row and the attempt.
 * </ul>
 *
 * <p>Row i is a pure function of (config, i), so a Spark partition can generate its own index
 * range. The data are realizable by a bias-free MLP with ≥ m hidden units and have margin > δ under
 * the teacher. At construction a probe of {@value #PROBE_POINTS} points refuses a δ that keeps
 * fewer than {@value #MIN_ACCEPTANCE} of the inputs. Immutable and thread-safe.
 */
public final class TeacherStudentGenerator implements Serializable {

  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(TeacherStudentGenerator.class);

  /** Generator version; changes whenever the rows for a given config would change. */
  public static final String VERSION = "teacher-student/1";

  /** Attempts per row before giving up. */
  public static final int MAX_ATTEMPTS = 100_000;

  /** Points drawn at construction to check that δ keeps enough inputs. */
  static final int PROBE_POINTS = 1000;

  /** Smallest accepted fraction of probe points. */
  static final double MIN_ACCEPTANCE = 0.01;

  private static final long TEACHER_STREAM = 0x7EAC4E5L;
  private static final long ROW_STREAM = 0x5707E47L;
  private static final long PROBE_STREAM = 0x9B0BEL;
  private static final double TWO_PI = 2.0 * Math.PI;

  private final TeacherStudentConfig config;

  /** m × p row-major first-layer weights. */
  private final double[] w;

  /** m output weights ±1/√m. */
  private final double[] v;

  /** Draws the teacher and probes the acceptance rate of δ. */
  public TeacherStudentGenerator(TeacherStudentConfig config) {
    this.config = config;
    int p = config.features();
    int m = config.teacherWidth();
    w = new double[m * p];
    v = new double[m];
    SplittableRandom rng = new SplittableRandom(mix64(config.seed() ^ mix64(TEACHER_STREAM)));
    fillGaussian(rng, w);
    double scale = 1.0 / StrictMath.sqrt(p);
    for (int k = 0; k < w.length; k++) {
      w[k] *= scale;
    }
    double out = 1.0 / StrictMath.sqrt(m);
    for (int j = 0; j < m; j++) {
      v[j] = (j % 2 == 0) ? out : -out;
    }
    probe();
  }

  /** The configuration. */
  public TeacherStudentConfig config() {
    return config;
  }

  /**
   * Fills {@code xOut} with x_i and returns its label; a pure function of (config, i).
   *
   * @param i row index in [0, rows)
   * @param xOut output, length {@code features} (overwritten)
   * @return −1.0 or +1.0, the sign of t(x_i), with |t(x_i)| > δ
   * @throws IllegalStateException when no attempt within {@link #MAX_ATTEMPTS} clears δ
   */
  public double row(long i, double[] xOut) {
    if (i < 0 || i >= config.rows()) {
      throw new IllegalArgumentException(
          "row index must be in [0, " + config.rows() + "), got " + i);
    }
    if (xOut.length != config.features()) {
      throw new IllegalArgumentException(
          "xOut must have length " + config.features() + ", got " + xOut.length);
    }
    long rowStream = mix64(mix64(config.seed() ^ mix64(ROW_STREAM)) ^ i);
    double best = 0.0;
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      fillGaussian(new SplittableRandom(mix64(rowStream ^ attempt)), xOut);
      double t = teacherOutput(xOut);
      if (Math.abs(t) > config.minMargin()) {
        return t > 0 ? 1.0 : -1.0;
      }
      best = Math.max(best, Math.abs(t));
    }
    throw new IllegalStateException(
        "row "
            + i
            + ": no input with |t(x)| > minMargin="
            + config.minMargin()
            + " in "
            + MAX_ATTEMPTS
            + " attempts (largest |t| seen "
            + best
            + "); lower minMargin");
  }

  /** The teacher's output t(x) = Σ_j v_j relu(⟨w_j, x⟩) for any x of length {@code features}. */
  public double teacherOutput(double[] x) {
    int p = config.features();
    if (x.length != p) {
      throw new IllegalArgumentException("x must have length " + p + ", got " + x.length);
    }
    double t = 0.0;
    for (int j = 0; j < v.length; j++) {
      double z = 0.0;
      int base = j * p;
      for (int k = 0; k < p; k++) {
        z += w[base + k] * x[k];
      }
      if (z > 0.0) {
        t += v[j] * z;
      }
    }
    return t;
  }

  /** Rows 0..n−1 stacked into blocks; the source is {@link #describe()}. */
  public Dataset generate(boolean sparse, int blockRows) {
    RowBlockBuilder builder = new RowBlockBuilder(config.features(), sparse, blockRows);
    double[] x = new double[config.features()];
    for (long i = 0; i < config.rows(); i++) {
      double y = row(i, x);
      builder.addDense(i, y, x);
    }
    return Dataset.of(describe(), config.features(), builder.finish());
  }

  /** Version, seed and parameters, for the run manifest. */
  public String describe() {
    return VERSION
        + " seed="
        + config.seed()
        + " rows="
        + config.rows()
        + " features="
        + config.features()
        + " teacherWidth="
        + config.teacherWidth()
        + " minMargin="
        + config.minMargin()
        + ": x~N(0,I_p); t(x)=sum_j v_j relu(<w_j,x>), w_j~N(0,I/p), v_j=(-1)^j/sqrt(m);"
        + " keep |t(x)|>minMargin (rejection per row, <="
        + MAX_ATTEMPTS
        + " attempts); y=sign t(x)";
  }

  private void probe() {
    double[] x = new double[config.features()];
    double[] abs = new double[PROBE_POINTS];
    long stream = mix64(config.seed() ^ mix64(PROBE_STREAM));
    int accepted = 0;
    int positive = 0;
    for (int k = 0; k < PROBE_POINTS; k++) {
      fillGaussian(new SplittableRandom(mix64(stream ^ k)), x);
      double t = teacherOutput(x);
      abs[k] = Math.abs(t);
      if (abs[k] > config.minMargin()) {
        accepted++;
        if (t > 0) {
          positive++;
        }
      }
    }
    Arrays.sort(abs);
    double rate = (double) accepted / PROBE_POINTS;
    if (rate < MIN_ACCEPTANCE) {
      throw new IllegalArgumentException(
          "minMargin="
              + config.minMargin()
              + " keeps only "
              + accepted
              + " of "
              + PROBE_POINTS
              + " probe inputs (need a fraction >= "
              + MIN_ACCEPTANCE
              + "); median |t(x)| is "
              + abs[PROBE_POINTS / 2]
              + ", 99th percentile "
              + abs[PROBE_POINTS * 99 / 100]);
    }
    if (positive == 0 || positive == accepted) {
      LOG.warn(
          "{}: probe saw only one label among {} kept points; the data may be one-class",
          VERSION,
          accepted);
    }
    LOG.debug(
        "{}: probe keeps {} of {} points, {} positive; median |t| {}",
        VERSION,
        accepted,
        PROBE_POINTS,
        positive,
        abs[PROBE_POINTS / 2]);
  }

  /** Fills {@code out} with standard normal deviates (Box–Muller, StrictMath, pairs). */
  static void fillGaussian(SplittableRandom rng, double[] out) {
    int k = 0;
    while (k < out.length) {
      double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log is finite
      double u2 = rng.nextDouble();
      double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
      double a = TWO_PI * u2;
      out[k++] = r * StrictMath.cos(a);
      if (k < out.length) {
        out[k++] = r * StrictMath.sin(a);
      }
    }
  }

  /** SplitMix64 finalizer (Stafford variant 13): a bijective strong 64-bit mix. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}

package io.marginflow.bench;

import dev.ludovic.netlib.blas.BLAS;
import io.marginflow.common.net.BlasInfo;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The bare BLAS calls that one dense-MLP step ({@code mlp:784-256-256-1}, 256 rows) performs, with
 * the same shapes, transposes and leading dimensions as the network kernels, on preallocated
 * buffers: the ceiling the network step is measured against. Layers 784→256 and 256→256 are DGEMMs
 * (forward, weight gradient, and the input gradient of layer 2); the width-1 output layer is two
 * DGEMVs (forward and weight gradient), as in the network. One operation = the BLAS work of one
 * block. {@code precision = single} makes the same calls in SGEMM/SGEMV on float operands: the
 * ceiling of {@code --precision single}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DgemmBenchmark {

  private static final int ROWS = 256;
  private static final int[] WIDTHS = {784, 256, 256, 1};

  @Param({"double", "single"})
  public String precision = "double";

  private final BLAS blas = BLAS.getInstance();
  private boolean single;
  private float[][] wf;
  private float[][] af;
  private float[][] zf;
  private float[][] gf;
  private float[][] daf;
  private double[][] w;
  private double[][] a; // a[l]: input of layer l (rows × WIDTHS[l])
  private double[][] z; // z[l]: output of layer l (rows × WIDTHS[l + 1]), also used as its gradient
  private double[][] g; // weight gradients
  private double[][] da; // input gradients

  /** Random operands. */
  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(3);
    int n = WIDTHS.length - 1;
    w = new double[n][];
    a = new double[n][];
    z = new double[n][];
    g = new double[n][];
    da = new double[n][];
    for (int l = 0; l < n; l++) {
      w[l] = random(rnd, WIDTHS[l] * WIDTHS[l + 1]);
      a[l] = random(rnd, ROWS * WIDTHS[l]);
      z[l] = random(rnd, ROWS * WIDTHS[l + 1]);
      g[l] = new double[WIDTHS[l] * WIDTHS[l + 1]];
      da[l] = new double[ROWS * WIDTHS[l]];
    }
    single = "single".equals(precision);
    wf = toFloat(w);
    af = toFloat(a);
    zf = toFloat(z);
    gf = toFloat(g);
    daf = toFloat(da);
    System.out.println(
        "# BLAS: "
            + BlasInfo.implementation()
            + ", "
            + (single ? "SGEMMs" : "DGEMMs")
            + " of mlp:784-256-256-1 at rows = "
            + ROWS);
  }

  private static float[][] toFloat(double[][] m) {
    float[][] f = new float[m.length][];
    for (int l = 0; l < m.length; l++) {
      f[l] = new float[m[l].length];
      for (int i = 0; i < m[l].length; i++) {
        f[l][i] = (float) m[l][i];
      }
    }
    return f;
  }

  /** n entries uniform in [−0.5, 0.5). */
  static double[] random(SplittableRandom rnd, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextDouble() - 0.5;
    }
    return v;
  }

  /** Forward, weight-gradient and input-gradient products of one step. */
  @Benchmark
  public double step() {
    if (single) {
      return stepSingle();
    }
    forwardGemms();
    int last = w.length - 1;
    blas.dgemv(
        "N", WIDTHS[last], ROWS, 1.0, a[last], 0, WIDTHS[last], z[last], 0, 1, 1.0, g[last], 0, 1);
    for (int l = last - 1; l >= 0; l--) {
      int in = WIDTHS[l];
      int out = WIDTHS[l + 1];
      blas.dgemm("N", "T", in, out, ROWS, 1.0, a[l], 0, in, z[l], 0, out, 1.0, g[l], 0, in);
      if (l > 0) {
        blas.dgemm("N", "N", in, ROWS, out, 1.0, w[l], 0, in, z[l], 0, out, 0.0, da[l], 0, in);
      }
    }
    return z[0][0] + g[0][0] + da[1][0];
  }

  /** The forward products. */
  @Benchmark
  public double forward() {
    if (single) {
      forwardSingle();
      return zf[wf.length - 1][0];
    }
    forwardGemms();
    return z[w.length - 1][0];
  }

  private double stepSingle() {
    forwardSingle();
    int last = wf.length - 1;
    blas.sgemv(
        "N", WIDTHS[last], ROWS, 1f, af[last], 0, WIDTHS[last], zf[last], 0, 1, 1f, gf[last], 0, 1);
    for (int l = last - 1; l >= 0; l--) {
      int in = WIDTHS[l];
      int out = WIDTHS[l + 1];
      blas.sgemm("N", "T", in, out, ROWS, 1f, af[l], 0, in, zf[l], 0, out, 1f, gf[l], 0, in);
      if (l > 0) {
        blas.sgemm("N", "N", in, ROWS, out, 1f, wf[l], 0, in, zf[l], 0, out, 0f, daf[l], 0, in);
      }
    }
    return zf[0][0] + gf[0][0] + daf[1][0];
  }

  private void forwardSingle() {
    int last = wf.length - 1;
    for (int l = 0; l < last; l++) {
      int in = WIDTHS[l];
      int out = WIDTHS[l + 1];
      blas.sgemm("T", "N", out, ROWS, in, 1f, wf[l], 0, in, af[l], 0, in, 0f, zf[l], 0, out);
    }
    blas.sgemv(
        "T", WIDTHS[last], ROWS, 1f, af[last], 0, WIDTHS[last], wf[last], 0, 1, 0f, zf[last], 0, 1);
  }

  private void forwardGemms() {
    int last = w.length - 1;
    for (int l = 0; l < last; l++) {
      int in = WIDTHS[l];
      int out = WIDTHS[l + 1];
      blas.dgemm("T", "N", out, ROWS, in, 1.0, w[l], 0, in, a[l], 0, in, 0.0, z[l], 0, out);
    }
    blas.dgemv(
        "T", WIDTHS[last], ROWS, 1.0, a[last], 0, WIDTHS[last], w[last], 0, 1, 0.0, z[last], 0, 1);
  }

  /** Flops of {@link #step()}. */
  static double stepFlops() {
    double f = 0;
    for (int l = 0; l < WIDTHS.length - 1; l++) {
      // forward + weight gradient everywhere; input gradient only for the middle layer by BLAS
      f += 2.0 * ROWS * WIDTHS[l] * WIDTHS[l + 1] * (l == 1 ? 3 : 2);
    }
    return f;
  }

  /** Flops of {@link #forward()}. */
  static double forwardFlops() {
    double f = 0;
    for (int l = 0; l < WIDTHS.length - 1; l++) {
      f += 2.0 * ROWS * WIDTHS[l] * WIDTHS[l + 1];
    }
    return f;
  }
}

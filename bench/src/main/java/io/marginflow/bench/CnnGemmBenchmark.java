package io.marginflow.bench;

import dev.ludovic.netlib.blas.BLAS;
import io.marginflow.common.net.BlasInfo;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The DGEMM ceiling of the {@link Workload#CNN} step: the same flops as the network's forward and
 * weighted backward of one block, as one DGEMM per product over the whole block, on preallocated
 * buffers (each convolution as W (outC × C·K²) times a column matrix (C·K² × rows·OH·OW), the dense
 * layers as in {@link DgemmBenchmark}, the width-1 output layer as DGEMVs). No im2col, pooling,
 * activation or copies: what is left when the network's own passes cost nothing. One operation =
 * the BLAS work of one block; its flops are {@link Workload#stepFlops()} / {@link
 * Workload#forwardFlops()} of the CNN workload.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CnnGemmBenchmark {

  /** Per product: {m, n, k, first layer?} of out (m × n) = W (m × k) · in (k × n), row-major. */
  private static final int[][] SHAPES = shapes(Workload.CNN.rows());

  private final BLAS blas = BLAS.getInstance();
  private double[][] w;
  private double[][] in;
  private double[][] out;
  private double[][] grad;
  private double[][] dIn;

  private static int[][] shapes(int rows) {
    return new int[][] {
      {32, rows * 24 * 24, 25, 1}, // conv32k5 on 1×28×28
      {64, rows * 10 * 10, 32 * 9, 0}, // conv64k3 on 32×12×12
      {1024, rows, 64 * 5 * 5, 0}, // dense1024 on 1600
      {1, rows, 1024, 0} // dense1 (GEMV)
    };
  }

  /** Random operands. */
  @Setup
  public void setUp() {
    SplittableRandom rnd = new SplittableRandom(3);
    int n = SHAPES.length;
    w = new double[n][];
    in = new double[n][];
    out = new double[n][];
    grad = new double[n][];
    dIn = new double[n][];
    for (int l = 0; l < n; l++) {
      int[] s = SHAPES[l];
      w[l] = DgemmBenchmark.random(rnd, s[0] * s[2]);
      in[l] = DgemmBenchmark.random(rnd, s[2] * s[1]);
      out[l] = DgemmBenchmark.random(rnd, s[0] * s[1]);
      grad[l] = new double[s[0] * s[2]];
      dIn[l] = new double[s[2] * s[1]];
    }
    System.out.println(
        "# BLAS: "
            + BlasInfo.implementation()
            + ", DGEMMs of "
            + Workload.CNN.spec()
            + " at rows = "
            + Workload.CNN.rows());
  }

  /** Forward, weight-gradient and input-gradient products of one step. */
  @Benchmark
  public double step() {
    forward();
    for (int l = SHAPES.length - 1; l >= 0; l--) {
      int m = SHAPES[l][0];
      int n = SHAPES[l][1];
      int k = SHAPES[l][2];
      // row-major grad (m × k) += dOut (m × n) · inᵀ  ≡  column-major gradᵀ += in · dOutᵀ
      if (m == 1) {
        blas.dgemv("T", n, k, 1.0, in[l], 0, n, out[l], 0, 1, 1.0, grad[l], 0, 1);
      } else {
        blas.dgemm("T", "N", k, m, n, 1.0, in[l], 0, n, out[l], 0, n, 1.0, grad[l], 0, k);
      }
      if (SHAPES[l][3] == 0) {
        // row-major dIn (k × n) = Wᵀ (k × m) · dOut (m × n)
        if (m == 1) {
          blas.dger(n, k, 1.0, out[l], 0, 1, w[l], 0, 1, dIn[l], 0, n);
        } else {
          blas.dgemm("N", "T", n, k, m, 1.0, out[l], 0, n, w[l], 0, k, 0.0, dIn[l], 0, n);
        }
      }
    }
    return out[0][0] + grad[0][0] + dIn[1][0];
  }

  /** The forward products. */
  @Benchmark
  public double forward() {
    for (int l = 0; l < SHAPES.length; l++) {
      int m = SHAPES[l][0];
      int n = SHAPES[l][1];
      int k = SHAPES[l][2];
      // row-major out (m × n) = W (m × k) · in (k × n)  ≡  column-major outᵀ = inᵀ · Wᵀ
      if (m == 1) {
        blas.dgemv("N", n, k, 1.0, in[l], 0, n, w[l], 0, 1, 0.0, out[l], 0, 1);
      } else {
        blas.dgemm("N", "N", n, m, k, 1.0, in[l], 0, n, w[l], 0, k, 0.0, out[l], 0, n);
      }
    }
    return out[SHAPES.length - 1][0];
  }

  /** Flops of {@link #step()} (GEMM flops 2·m·n·k per product). */
  static double stepFlops() {
    double f = 0;
    for (int[] s : SHAPES) {
      f += 2.0 * s[0] * s[1] * s[2] * (s[3] == 1 ? 2 : 3);
    }
    return f;
  }

  /** Flops of {@link #forward()}. */
  static double forwardFlops() {
    double f = 0;
    for (int[] s : SHAPES) {
      f += 2.0 * s[0] * s[1] * s[2];
    }
    return f;
  }
}

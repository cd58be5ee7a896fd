package io.marginflow.bench;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import io.marginflow.common.net.Initializer;
import io.marginflow.common.net.InputShape;
import io.marginflow.common.net.LayerSpec;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.NetworkSpec;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The benchmarked cases: a network, a block size and seeded synthetic rows, plus the flop count of
 * one forward and one forward + weighted backward (GEMM flops 2·m·n·k, sparse first layer 2·nnz·m;
 * element-wise passes, pooling and im2col are not counted).
 */
public enum Workload {
  /** Dense MNIST-size rows through a 2-hidden-layer MLP. */
  MLP_DENSE("mlp-dense", "mlp:784-256-256-1", 256),
  /** a9a-like rows: 123 binary features in 14 one-hot groups (14 non-zeros of value 1 per row). */
  MLP_SPARSE("mlp-sparse", "mlp:123-256-256-1", 256),
  /** Lyu–Li's MNIST CNN (L = 4) on 28×28 images, at their batch size 100. */
  CNN("cnn", "cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1", 100);

  /** Number of one-hot groups of the a9a-like rows (a9a has 14 categorical attributes). */
  static final int SPARSE_GROUPS = 14;

  private final String key;
  private final String spec;
  private final int rows;

  Workload(String key, String spec, int rows) {
    this.key = key;
    this.spec = spec;
    this.rows = rows;
  }

  /** The JMH parameter value. */
  public String key() {
    return key;
  }

  /** The network spec string. */
  public String spec() {
    return spec;
  }

  /** Rows per block. */
  public int rows() {
    return rows;
  }

  /** The workload whose {@link #key()} is {@code key}. */
  public static Workload of(String key) {
    for (Workload w : values()) {
      if (w.key.equals(key)) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "workload: expected mlp-dense, mlp-sparse or cnn, got " + key);
  }

  /** The network (σ'(0) = 0). */
  public Network network() {
    return Network.parse(spec);
  }

  /** He-initialized parameters. */
  public double[] theta(Network net) {
    return Initializer.initialize(net, "he", 42);
  }

  /** A seeded block of {@link #rows()} rows. */
  public RowBlock block(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int p = network().inputSize();
    double[] labels = new double[rows];
    long[] index = new long[rows];
    for (int r = 0; r < rows; r++) {
      labels[r] = rnd.nextBoolean() ? 1.0 : -1.0;
      index[r] = r;
    }
    if (this == MLP_SPARSE) {
      int[] ptr = new int[rows + 1];
      int[] col = new int[rows * SPARSE_GROUPS];
      double[] val = new double[rows * SPARSE_GROUPS];
      int nnz = 0;
      for (int r = 0; r < rows; r++) {
        for (int g = 0; g < SPARSE_GROUPS; g++) {
          int lo = g * p / SPARSE_GROUPS;
          int hi = (g + 1) * p / SPARSE_GROUPS;
          col[nnz] = lo + rnd.nextInt(hi - lo);
          val[nnz] = 1.0;
          nnz++;
        }
        ptr[r + 1] = nnz;
      }
      return new CsrBlock(rows, p, ptr, col, val, labels, index);
    }
    double[] x = new double[rows * p];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextDouble(); // pixel-like values in [0, 1)
    }
    return new DenseBlock(rows, p, x, labels, index);
  }

  /** GEMM (and sparse) flops of one forward over a block. */
  public double forwardFlops() {
    return flops(false);
  }

  /** GEMM (and sparse) flops of one forward + weighted backward over a block. */
  public double stepFlops() {
    return flops(true);
  }

  private double flops(boolean withBackward) {
    NetworkSpec s = NetworkSpec.parse(spec);
    List<InputShape> shapes = s.shapes();
    InputShape in = s.input();
    double total = 0;
    boolean first = true;
    for (int i = 0; i < s.layers().size(); i++) {
      LayerSpec layer = s.layers().get(i);
      InputShape out = shapes.get(i);
      double perProduct = 0;
      if (layer instanceof LayerSpec.Dense) {
        double k = this == MLP_SPARSE && first ? SPARSE_GROUPS : in.size();
        perProduct = 2.0 * rows * k * out.size();
      } else if (layer instanceof LayerSpec.Conv c) {
        perProduct = 2.0 * rows * out.size() * in.channels() * c.kernel() * c.kernel();
      }
      if (layer.hasWeights()) {
        // forward; backward adds the weight gradient and, after the first layer, the input gradient
        total += perProduct * (withBackward ? (first ? 2 : 3) : 1);
        first = false;
      }
      in = out;
    }
    return total;
  }
}

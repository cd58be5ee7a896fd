package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.Objects;

/**
 * The single-precision {@link StepKernel} of an MLP (dense layers only; {@link SingleCnnKernel}
 * does conv/pool networks by the same rules): the forward and backward passes run in float
 * (SGEMM/SGEMV, {@link FloatSparseKernels} for a CSR first layer) and the layer gradients are added
 * to the double gradient.
 *
 * <p>Range: each weight layer is divided by its Frobenius norm c_l (layer 1 with its bias) before
 * it is rounded to float. A bias-free ReLU-type layer is positively 1-homogeneous in its own
 * weights, so Φ(x; θ) = (Π_l c_l)·Φ(x; θ̂) and ∇_{W_l}Φ(x; θ) = (Π_{k≠l} c_k)·∇_{W_l}Φ(x; θ̂); the
 * products are applied in double. Float intermediates therefore stay of the size of ‖x‖ however
 * large ‖θ‖ grows late in training (no overflow for layer norms below ≈ 1e154). A zero layer keeps
 * c_l = 1; NaN in θ propagates.
 *
 * <p>Margins: float outputs carry an absolute error of ≈ 1e-7·|Φ|, and the loss weights λ_i ∝
 * e^{−p_i} turn it into a relative weight error of the same size — 1e-4 at margins of 1e3, where
 * late-stage training lives. So every row whose float margin is above {@link #EXACT_ABOVE} in size
 * and within {@link #WEIGHT_CUTOFF_NATS} (plus the float error) of the block's smallest margin is
 * evaluated again in double, and those outputs are returned: the rows that carry the loss weight
 * get double margins, the others' weights are below e^{−40} of the largest. Late in training these
 * are the few near-support rows; the subgradients themselves stay float (≈ 1e-7 relative each).
 *
 * <p>Not thread-safe (owns its scratch, grown to the largest block and then reused).
 */
final class SingleStepKernel implements StepKernel {

  /** Rows whose margin exceeds the block's smallest by more than this carry weight < e^{-40}. */
  static final double WEIGHT_CUTOFF_NATS = 40;

  /** Up to this |p| the float margin's absolute error (≈ 1e-7·|p|) is left as it is. */
  static final double EXACT_ABOVE = 4;

  private final Network network;
  private final NearSupportRows nearSupport;
  private final StepKernelArgs args;
  private final DenseLayer[] layers;
  private final int n;
  private final Activation activation;
  private final float derivativeAtZero;
  private final FloatSparseKernels sparse = FloatSparseKernels.get();

  /** Normalized W_l, out × in row-major (layer 0: only for dense input or the gather path). */
  private final float[][] w;

  /** Float layer-gradient scratch, out × in. */
  private final float[][] gw;

  /** Normalized b₁, or null without bias. */
  private final float[] bias0;

  private final double[] scale;
  private double outScale;
  private float[] wt0 = new float[0];
  private float[] gt0 = new float[0];
  private final FloatCscScratch csc = new FloatCscScratch();

  private int rowCapacity;
  private final float[][] pre;
  private final float[][] post;
  private float[] outF = new float[0];
  private float[] coefF = new float[0];
  private float[] gradA = new float[0];
  private float[] gradB = new float[0];
  private float[] inputF = new float[0];

  /** A kernel for the network of {@code workspace}, which it uses for the double margins. */
  SingleStepKernel(Workspace workspace) {
    this.nearSupport = new NearSupportRows(Objects.requireNonNull(workspace, "workspace"));
    this.network = workspace.network;
    this.args = new StepKernelArgs(network);
    Layer[] all = network.layers;
    this.n = all.length;
    this.layers = new DenseLayer[n];
    for (int l = 0; l < n; l++) {
      if (!(all[l] instanceof DenseLayer d)) {
        throw new IllegalArgumentException(
            "SingleStepKernel: dense layers only (conv/pool: SingleCnnKernel), got "
                + network.spec());
      }
      layers[l] = d;
    }
    this.activation = network.activation;
    this.derivativeAtZero = (float) network.reluDerivativeAtZero();
    this.w = new float[n][];
    this.gw = new float[n][];
    for (int l = 0; l < n; l++) {
      w[l] = new float[layers[l].weightCount];
      gw[l] = new float[layers[l].weightCount];
    }
    this.bias0 = layers[0].biasOffset >= 0 ? new float[layers[0].outSize] : null;
    this.scale = new double[n];
    this.pre = new float[n][];
    this.post = new float[n][];
  }

  @Override
  public Network network() {
    return network;
  }

  @Override
  public void forward(RowBlock block, double[] theta, double[] out) {
    int rows = args.forward(block, theta, out);
    ensureRows(rows);
    if (rows == 0) {
      return;
    }
    boolean transposed = sparseTransposed(block);
    normalize(theta, transposed);
    for (int l = 0; l < n; l++) {
      DenseLayer layer = layers[l];
      float[] z = l == n - 1 ? outF : pre[l];
      if (l > 0) {
        dense(l, rows, post[l - 1], z);
      } else if (block instanceof DenseBlock d) {
        double[] x = d.values();
        int size = rows * layer.inSize;
        if (inputF.length < size) {
          inputF = new float[size];
        }
        for (int i = 0; i < size; i++) {
          inputF[i] = (float) x[i];
        }
        dense(0, rows, inputF, z);
      } else if (transposed) {
        CsrBlock c = (CsrBlock) block;
        int ld = FloatSparseKernels.leadingDimension(layer.outSize);
        sparse.forward(rows, c.rowPtr(), c.colIdx(), c.values(), wt0, ld, layer.outSize, bias0, z);
      } else {
        gatherForward((CsrBlock) block, z);
      }
      if (network.activated[l]) {
        FloatActivationKernels.forward(activation, z, post[l], 0, rows * layer.outSize);
      }
    }
    for (int r = 0; r < rows; r++) {
      out[r] = outScale * outF[r];
    }
    nearSupport.replace(block, theta, out, rows);
  }

  @Override
  public void backwardWeighted(RowBlock block, double[] theta, double[] coef, double[] gradInOut) {
    int rows = args.backward(block, theta, coef, gradInOut);
    if (rows == 0) {
      return;
    }
    double coefScale = FloatCoefficients.toFloat(coef, rows, coefF);
    for (int l = n - 1; l >= 0; l--) {
      DenseLayer layer = layers[l];
      float[] dz = l == n - 1 ? coefF : buffer(l);
      float[] dx = l > 0 ? buffer(l - 1) : null;
      double factor = coefScale;
      for (int k = 0; k < n; k++) {
        factor = k == l ? factor : factor * scale[k];
      }
      boolean viaTranspose = l == 0 && sparseTransposed(block);
      if (l > 0) {
        denseBackward(l, rows, post[l - 1], dz, dx);
      } else if (block instanceof DenseBlock) {
        denseBackward(0, rows, inputF, dz, null);
      } else if (viaTranspose) {
        sparseBackward((CsrBlock) block, dz, gradInOut, factor);
      } else {
        gatherBackward((CsrBlock) block, dz);
      }
      if (!viaTranspose) { // the transposed path has added its gradient already
        float[] g = gw[l];
        int off = layer.weightOffset;
        for (int i = 0; i < g.length; i++) {
          gradInOut[off + i] += factor * g[i];
        }
      }
      if (layer.biasOffset >= 0) {
        FloatDenseKernels.addBiasGradient(
            layer.outSize, rows, dz, factor, gradInOut, layer.biasOffset);
      }
      if (dx != null && network.activated[l - 1]) {
        FloatActivationKernels.backward(
            activation, derivativeAtZero, pre[l - 1], dx, 0, rows * layer.inSize);
      }
    }
  }

  /** z = Ŵ_l·x (+ b̂₁ on layer 0) for dense row-major x. */
  private void dense(int l, int rows, float[] x, float[] z) {
    DenseLayer layer = layers[l];
    float[] bias = l == 0 ? bias0 : null;
    FloatDenseKernels.forward(layer.inSize, layer.outSize, rows, w[l], bias, x, z);
  }

  /** gw[l] = dZᵀ·X and, when dx != null, dX = dZ·Ŵ_l (before the activation backward). */
  private void denseBackward(int l, int rows, float[] x, float[] dz, float[] dx) {
    DenseLayer layer = layers[l];
    FloatDenseKernels.backward(layer.inSize, layer.outSize, rows, w[l], x, dz, gw[l], dx);
  }

  /** Layer 0 on a CSR block through W₁ᵀ: float accumulation, then added transposed in double. */
  private void sparseBackward(CsrBlock block, float[] dz, double[] grad, double factor) {
    DenseLayer layer = layers[0];
    int m = layer.outSize;
    int p = layer.inSize;
    int ld = FloatSparseKernels.leadingDimension(m);
    Arrays.fill(gt0, 0, p * ld, 0f);
    sparse.backward(
        block.rows(), p, block.rowPtr(), block.colIdx(), block.values(), dz, m, gt0, ld, csc);
    int off = layer.weightOffset;
    for (int o = 0; o < m; o++) {
      int d = off + o * p;
      for (int j = 0; j < p; j++) {
        grad[d + j] += factor * gt0[j * ld + o];
      }
    }
  }

  /** Layer 0 on a CSR block with fewer non-zeros than features: strided gathers of Ŵ₁. */
  private void gatherForward(CsrBlock block, float[] z) {
    DenseLayer layer = layers[0];
    int m = layer.outSize;
    int p = layer.inSize;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    float[] w0 = w[0];
    for (int r = 0; r < block.rows(); r++) {
      for (int o = 0; o < m; o++) {
        float s = bias0 != null ? bias0[o] : 0f;
        int wr = o * p;
        for (int q = ptr[r]; q < ptr[r + 1]; q++) {
          s = Math.fma((float) val[q], w0[wr + col[q]], s);
        }
        z[r * m + o] = s;
      }
    }
  }

  /** gw[0] = dZᵀ·X for a CSR block with fewer non-zeros than features. */
  private void gatherBackward(CsrBlock block, float[] dz) {
    DenseLayer layer = layers[0];
    int m = layer.outSize;
    int p = layer.inSize;
    int[] ptr = block.rowPtr();
    int[] col = block.colIdx();
    double[] val = block.values();
    float[] g = gw[0];
    Arrays.fill(g, 0f);
    for (int r = 0; r < block.rows(); r++) {
      for (int o = 0; o < m; o++) {
        float d = dz[r * m + o];
        int wr = o * p;
        for (int q = ptr[r]; q < ptr[r + 1]; q++) {
          g[wr + col[q]] = Math.fma((float) val[q], d, g[wr + col[q]]);
        }
      }
    }
  }

  /** Scales c_l and the float copies of Ŵ_l = W_l / c_l (W₁ᵀ when {@code transposed}). */
  private void normalize(double[] theta, boolean transposed) {
    double[] norms = network.layerNorms(theta);
    outScale = 1.0;
    for (int l = 0; l < n; l++) {
      double c = norms[l] == 0.0 ? 1.0 : norms[l];
      scale[l] = c;
      outScale *= c;
      double inv = 1.0 / c;
      DenseLayer layer = layers[l];
      int off = layer.weightOffset;
      if (l == 0 && transposed) {
        int m = layer.outSize;
        int p = layer.inSize;
        int ld = FloatSparseKernels.leadingDimension(m);
        if (wt0.length < p * ld) {
          wt0 = new float[p * ld];
          gt0 = new float[p * ld];
        }
        for (int o = 0; o < m; o++) {
          int s = off + o * p;
          for (int j = 0; j < p; j++) {
            wt0[j * ld + o] = (float) (theta[s + j] * inv);
          }
        }
      } else {
        float[] wl = w[l];
        for (int i = 0; i < wl.length; i++) {
          wl[i] = (float) (theta[off + i] * inv);
        }
      }
      if (l == 0 && bias0 != null) {
        for (int o = 0; o < bias0.length; o++) {
          bias0[o] = (float) (theta[layer.biasOffset + o] * inv);
        }
      }
    }
  }

  private boolean sparseTransposed(RowBlock block) {
    return block instanceof CsrBlock c && layers[0].outSize > 1 && SparseKernels.useTransposed(c);
  }

  /** Ping-pong buffer holding ∂/∂(output of layer l) for l &lt; n − 1. */
  private float[] buffer(int l) {
    return ((n - 1 - l) & 1) == 1 ? gradA : gradB;
  }

  private void ensureRows(int rows) {
    if (rows <= rowCapacity) {
      return;
    }
    int widest = 1;
    for (int l = 0; l < n - 1; l++) {
      int size = rows * layers[l].outSize;
      pre[l] = new float[size];
      post[l] =
          network.activated[l] && activation.kind() != Activation.Kind.IDENTITY
              ? new float[size]
              : pre[l];
      widest = Math.max(widest, layers[l].outSize);
    }
    outF = new float[rows];
    coefF = new float[rows];
    gradA = new float[rows * widest];
    gradB = new float[rows * widest];
    rowCapacity = rows;
  }
}

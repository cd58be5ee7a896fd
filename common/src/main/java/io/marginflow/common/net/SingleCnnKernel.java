package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The single-precision {@link StepKernel} of a network with conv or pool layers, by the rules of
 * {@link SingleStepKernel}: every weight layer is divided by its Frobenius norm c_l (the first one
 * with its bias) before it is rounded to float, the forward and backward passes run in float
 * (im2col + SGEMM per image chunk for the convolutions, {@link FloatConvKernel}; {@link
 * FloatPoolKernel}; SGEMM/SGEMV for the dense layers), the products Π c_l are applied in double,
 * and the rows that carry the loss weight get double outputs ({@link NearSupportRows}).
 *
 * <p>The layout is the double {@link Network}'s: the conv/pool layers before the first dense layer
 * run image chunk by image chunk (same chunk size, same chunk-local outputs and gradients, σ and σ'
 * fused into the max pools), the dense layers over the whole block. A convolution's weight gradient
 * is summed in float over at most {@link #FLUSH_IMAGES} images and then added to the double
 * gradient, so float sums never run over a whole block. The input is rounded to float (CSR blocks
 * are densified). Everything depends only on the block, θ and the network: same bits run to run.
 *
 * <p>Not thread-safe (owns its scratch, grown to the largest block and then reused: no allocation
 * per step after warm-up, except the sub-block of the double re-evaluation).
 */
final class SingleCnnKernel implements StepKernel {

  /** Images whose conv weight gradients are summed in float before they go to double. */
  static final int FLUSH_IMAGES = 16;

  private final Network network;
  private final NearSupportRows nearSupport;
  private final StepKernelArgs args;
  private final Layer[] layers;
  private final int n;
  private final int denseStart;
  private final int firstWeight;
  private final int chunk;
  private final Activation activation;
  private final float derivativeAtZero;

  private final FloatConvKernel[] conv;
  private final FloatPoolKernel[] pool;

  /** Ordinal of the weight layer (index into {@link #scale}), −1 for pools. */
  private final int[] weightOrdinal;

  /** Normalized W of each weight layer (conv: outC × inC·K·K, dense: out × in). */
  private final float[][] w;

  /** Float weight-gradient scratch of each weight layer. */
  private final float[][] g;

  /** Normalized bias of the first weight layer, or null. */
  private final float[] bias;

  private final double[] scale;
  private final double[] norms;
  private final double[] factor;

  /** factor times the power of two of {@link FloatCoefficients} in the current backward. */
  private final double[] backFactor;

  private double outScale;

  private final float[][] pre;
  private final float[][] post;
  private final int[][] argmax;
  private final float[][] derivativeAt;
  private final float[] stackGradA;
  private final float[] stackGradB;
  private final float[] col;
  private final float[] dcol;
  private final float[] convOut;
  private float[] gradA = new float[0];
  private float[] gradB = new float[0];
  private float[] handoff = new float[0];
  private float[] input = new float[0];
  private float[] outF = new float[0];
  private float[] coefF = new float[0];
  private int rowCapacity;

  /** A kernel for the network of {@code workspace}, which it uses for the double margins. */
  SingleCnnKernel(Workspace workspace) {
    this.nearSupport = new NearSupportRows(Objects.requireNonNull(workspace, "workspace"));
    this.network = workspace.network;
    this.args = new StepKernelArgs(network);
    this.layers = network.layers;
    this.n = layers.length;
    int ds = 0;
    while (ds < n && !(layers[ds] instanceof DenseLayer)) {
      ds++;
    }
    this.denseStart = ds;
    int first = 0;
    while (layers[first].weightCount == 0) {
      first++;
    }
    this.firstWeight = first;
    this.chunk = network.imageChunk();
    this.activation = network.activation;
    this.derivativeAtZero = (float) network.reluDerivativeAtZero();
    this.conv = new FloatConvKernel[n];
    this.pool = new FloatPoolKernel[n];
    this.weightOrdinal = new int[n];
    this.w = new float[n][];
    this.g = new float[n][];
    this.pre = new float[n][];
    this.post = new float[n][];
    this.argmax = new int[n][];
    this.derivativeAt = new float[n][];
    long colSize = 0;
    long outSize = 0;
    int ordinal = 0;
    for (int i = 0; i < n; i++) {
      Layer layer = layers[i];
      weightOrdinal[i] = layer.weightCount > 0 ? ordinal++ : -1;
      if (layer.weightCount > 0) {
        w[i] = new float[layer.weightCount];
        g[i] = new float[layer.weightCount];
      }
      if (layer instanceof Conv2dLayer c) {
        conv[i] = new FloatConvKernel(c);
        colSize = Math.max(colSize, conv[i].colScratch(chunk));
        outSize = Math.max(outSize, conv[i].outScratch(chunk));
      } else if (layer instanceof PoolLayer p) {
        pool[i] = new FloatPoolKernel(p);
      }
      if (network.chunkLocal[i]) {
        pre[i] = new float[chunk * layer.outSize];
        post[i] = pre[i];
      }
    }
    this.bias = layers[first].biasOffset >= 0 ? new float[layers[first].outBiasCount()] : null;
    this.scale = new double[ordinal];
    this.norms = new double[ordinal];
    this.factor = new double[ordinal];
    this.backFactor = new double[ordinal];
    this.col = new float[Math.toIntExact(colSize)];
    this.dcol = new float[Math.toIntExact(colSize)];
    this.convOut = new float[Math.toIntExact(outSize)];
    int sg = network.stackGradientWidth();
    this.stackGradA = new float[chunk * sg];
    this.stackGradB = new float[chunk * sg];
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
    normalize(theta);
    fillInput(block, rows);
    for (int r0 = 0; r0 < rows && denseStart > 0; r0 += chunk) {
      int r1 = Math.min(rows, r0 + chunk);
      for (int i = 0; i < denseStart; i++) {
        forwardLayer(i, r0, r1);
      }
    }
    for (int i = denseStart; i < n; i++) {
      forwardLayer(i, 0, rows);
    }
    for (int r = 0; r < rows; r++) {
      out[r] = outScale * outF[r];
    }
    nearSupport.replace(block, theta, out, rows);
  }

  private void forwardLayer(int i, int r0, int r1) {
    Layer layer = layers[i];
    float[] z = i == n - 1 ? outF : pre[i];
    int zOrigin = network.chunkLocal[i] ? r0 : 0;
    float[] x = i > 0 ? post[i - 1] : input;
    int xOrigin = i > 0 && network.chunkLocal[i - 1] ? r0 : 0;
    float[] b = i == firstWeight ? bias : null;
    if (conv[i] != null) {
      conv[i].forward(r0, r1, x, xOrigin, w[i], b, z, zOrigin, col, convOut);
    } else if (pool[i] != null) {
      pool[i].forward(r0, r1, x, xOrigin, z, zOrigin, argmax[i], derivativeAt[i]);
    } else {
      FloatDenseKernels.forward(layer.inSize, layer.outSize, r1 - r0, w[i], b, x, z);
    }
    if (network.activated[i] && !network.activationFused[i]) {
      FloatActivationKernels.forward(
          activation, z, post[i], r0 * layer.outSize, r1 * layer.outSize);
    }
  }

  @Override
  public void backwardWeighted(RowBlock block, double[] theta, double[] coef, double[] gradInOut) {
    int rows = args.backward(block, theta, coef, gradInOut);
    if (rows == 0) {
      return;
    }
    double coefScale = FloatCoefficients.toFloat(coef, rows, coefF);
    for (int l = 0; l < factor.length; l++) {
      backFactor[l] = factor[l] * coefScale;
    }
    for (int i = 0; i < n; i++) {
      if (conv[i] != null) {
        Arrays.fill(g[i], 0f);
      }
    }
    for (int i = n - 1; i >= Math.max(denseStart, firstWeight); i--) {
      backwardLayer(i, 0, rows, gradInOut);
    }
    if (denseStart > firstWeight) {
      int pending = 0;
      for (int r0 = 0; r0 < rows; r0 += chunk) {
        int r1 = Math.min(rows, r0 + chunk);
        for (int i = Math.min(denseStart, n) - 1; i >= firstWeight; i--) {
          backwardLayer(i, r0, r1, gradInOut);
        }
        pending += r1 - r0;
        if (pending >= FLUSH_IMAGES || r1 == rows) {
          flushConvGradients(gradInOut);
          pending = 0;
        }
      }
    }
  }

  private void backwardLayer(int i, int r0, int r1, double[] grad) {
    Layer layer = layers[i];
    float[] dz = i == n - 1 ? coefF : gradientBuffer(i);
    int dzOrigin = i == n - 1 ? 0 : gradientOrigin(i, r0);
    float[] dx = i > firstWeight ? gradientBuffer(i - 1) : null;
    int dxOrigin = i > firstWeight ? gradientOrigin(i - 1, r0) : 0;
    float[] x = i > 0 ? post[i - 1] : input;
    int xOrigin = i > 0 && network.chunkLocal[i - 1] ? r0 : 0;
    int l = weightOrdinal[i];
    int biasOffset = i == firstWeight ? layer.biasOffset : -1;
    if (conv[i] != null) {
      conv[i].backward(
          r0,
          r1,
          x,
          xOrigin,
          w[i],
          dz,
          dzOrigin,
          dx,
          dxOrigin,
          g[i],
          backFactor[l],
          grad,
          biasOffset,
          col,
          dcol,
          convOut);
    } else if (pool[i] != null) {
      if (dx != null) {
        pool[i].backward(r0, r1, dz, dzOrigin, dx, dxOrigin, argmax[i], derivativeAt[i]);
      }
    } else {
      int rows = r1 - r0;
      FloatDenseKernels.backward(layer.inSize, layer.outSize, rows, w[i], x, dz, g[i], dx);
      addScaled(g[i], backFactor[l], grad, layer.weightOffset);
      if (biasOffset >= 0) {
        FloatDenseKernels.addBiasGradient(layer.outSize, rows, dz, backFactor[l], grad, biasOffset);
      }
    }
    boolean fused = layer instanceof PoolLayer p && p.fusesInputActivation();
    if (dx != null && network.activated[i - 1] && !fused) {
      int width = layers[i - 1].outSize;
      FloatActivationKernels.backward(
          activation,
          derivativeAtZero,
          pre[i - 1],
          r0 * width,
          dx,
          (r0 - dxOrigin) * width,
          (r1 - r0) * width);
    }
  }

  /** Adds factor·g of every conv layer to the double gradient and zeroes g. */
  private void flushConvGradients(double[] grad) {
    for (int i = 0; i < n; i++) {
      if (conv[i] != null) {
        addScaled(g[i], backFactor[weightOrdinal[i]], grad, layers[i].weightOffset);
        Arrays.fill(g[i], 0f);
      }
    }
  }

  private static void addScaled(float[] src, double f, double[] grad, int off) {
    for (int j = 0; j < src.length; j++) {
      grad[off + j] += f * src[j];
    }
  }

  /** As Network#gradientBuffer: ∂/∂(output of layer i) for i &lt; n − 1. */
  private float[] gradientBuffer(int i) {
    if (i == denseStart - 1) {
      return handoff;
    }
    boolean odd = ((n - 1 - i) & 1) == 1;
    if (i < denseStart - 1) {
      return odd ? stackGradA : stackGradB;
    }
    return odd ? gradA : gradB;
  }

  private int gradientOrigin(int i, int r0) {
    return i < denseStart - 1 ? r0 : 0;
  }

  /** c_l, the float copies Ŵ_l = W_l / c_l (and b̂), and the double factors Π_{k≠l} c_k. */
  private void normalize(double[] theta) {
    List<ParameterBlock> blocks = network.weightLayers();
    double[] norms = this.norms;
    for (int l = 0; l < norms.length; l++) {
      norms[l] = frobenius(theta, blocks.get(l).offset(), blocks.get(l).length());
    }
    outScale = 1.0;
    for (int l = 0; l < norms.length; l++) {
      scale[l] = norms[l] == 0.0 ? 1.0 : norms[l];
      outScale *= scale[l];
    }
    for (int l = 0; l < norms.length; l++) {
      double f = 1.0;
      for (int k = 0; k < norms.length; k++) {
        f = k == l ? f : f * scale[k];
      }
      factor[l] = f;
    }
    for (int i = 0; i < n; i++) {
      if (w[i] == null) {
        continue;
      }
      double inv = 1.0 / scale[weightOrdinal[i]];
      float[] wi = w[i];
      int off = layers[i].weightOffset;
      for (int j = 0; j < wi.length; j++) {
        wi[j] = (float) (theta[off + j] * inv);
      }
      if (i == firstWeight && bias != null) {
        for (int o = 0; o < bias.length; o++) {
          bias[o] = (float) (theta[layers[i].biasOffset + o] * inv);
        }
      }
    }
  }

  /**
   * ‖θ[off, off + len)‖₂ with four interleaved partial sums (a single running sum is one dependent
   * add per entry: ≈ 2.5 ms for Lyu–Li's 1.66 M parameters, every step).
   */
  private static double frobenius(double[] theta, int off, int len) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int end = off + len;
    int i = off;
    for (; i + 3 < end; i += 4) {
      s0 += theta[i] * theta[i];
      s1 += theta[i + 1] * theta[i + 1];
      s2 += theta[i + 2] * theta[i + 2];
      s3 += theta[i + 3] * theta[i + 3];
    }
    for (; i < end; i++) {
      s0 += theta[i] * theta[i];
    }
    return Math.sqrt((s0 + s1) + (s2 + s3));
  }

  /** The block's features rounded to float, row-major (CSR densified). */
  private void fillInput(RowBlock block, int rows) {
    int p = network.inputSize();
    int size = rows * p;
    if (block instanceof DenseBlock d) {
      double[] x = d.values();
      for (int i = 0; i < size; i++) {
        input[i] = (float) x[i];
      }
      return;
    }
    CsrBlock c = (CsrBlock) block;
    Arrays.fill(input, 0, size, 0f);
    int[] ptr = c.rowPtr();
    int[] idx = c.colIdx();
    double[] val = c.values();
    for (int r = 0; r < rows; r++) {
      for (int q = ptr[r]; q < ptr[r + 1]; q++) {
        input[r * p + idx[q]] = (float) val[q];
      }
    }
  }

  private void ensureRows(int rows) {
    if (rows <= rowCapacity) {
      return;
    }
    for (int i = 0; i < n - 1; i++) {
      Layer layer = layers[i];
      int size = rows * layer.outSize;
      if (layer instanceof PoolLayer p && p.isMax()) {
        argmax[i] = new int[size];
        derivativeAt[i] = p.fusesInputActivation() ? new float[size] : null;
      }
      if (network.chunkLocal[i]) {
        continue;
      }
      pre[i] = new float[size];
      post[i] =
          network.activated[i]
                  && !network.activationFused[i]
                  && activation.kind() != Activation.Kind.IDENTITY
              ? new float[size]
              : pre[i];
    }
    gradA = new float[rows * network.gradientWidth()];
    gradB = new float[rows * network.gradientWidth()];
    handoff = new float[rows * network.handoffWidth()];
    input = new float[rows * network.inputSize()];
    outF = new float[rows];
    coefF = new float[rows];
    rowCapacity = rows;
  }
}

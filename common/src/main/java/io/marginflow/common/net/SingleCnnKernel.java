package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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

  /** This kernel's float copy of θ. */
  private final FloatWeights own;

  /** The copy the current step computes with: {@link #own}, or one another kernel shared. */
  private FloatWeights cur;

  /** Set by {@link #share}: used instead of {@link #own} until shared again. */
  private FloatWeights shared;

  /**
   * Whether the current {@link #backwardWeightedInto} writes each dense layer's weight gradient
   * instead of adding it (the rest of the gradient was zeroed).
   */
  private boolean overwriteDense;

  /** [from, to) ranges of θ outside the dense layers' weights (zeroed by backwardWeightedInto). */
  private final int[] zeroRanges;

  /** Float weight-gradient scratch of each weight layer. */
  private final float[][] g;

  /** factor times the power of two of {@link FloatCoefficients} in the current backward. */
  private final double[] backFactor;

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
    this.own = new FloatWeights(network, weightOrdinal, first);
    this.cur = own;
    this.zeroRanges = outsideDenseWeights(layers, network.parameterCount());
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
    if (shared != null) {
      cur = shared;
    } else {
      cur = own;
      own.fill(theta);
    }
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
      out[r] = cur.outScale * outF[r];
    }
    nearSupport.replace(block, theta, out, rows);
  }

  private void forwardLayer(int i, int r0, int r1) {
    Layer layer = layers[i];
    float[] z = i == n - 1 ? outF : pre[i];
    int zOrigin = network.chunkLocal[i] ? r0 : 0;
    float[] x = i > 0 ? post[i - 1] : input;
    int xOrigin = i > 0 && network.chunkLocal[i - 1] ? r0 : 0;
    float[] b = i == firstWeight ? cur.bias : null;
    if (conv[i] != null) {
      conv[i].forward(r0, r1, x, xOrigin, cur.w[i], b, z, zOrigin, col, convOut);
    } else if (pool[i] != null) {
      pool[i].forward(r0, r1, x, xOrigin, z, zOrigin, argmax[i], derivativeAt[i]);
    } else {
      FloatDenseKernels.forward(layer.inSize, layer.outSize, r1 - r0, cur.w[i], b, x, z);
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
    for (int l = 0; l < backFactor.length; l++) {
      backFactor[l] = cur.factor[l] * coefScale;
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

  /**
   * gradOut = Σ_r coef[r]·∇_θΦ(x_r; θ), whatever gradOut held: the dense layers' weight gradients
   * (nearly all of θ here) are written rather than added, so the 13 MB of Lyu–Li's dense layer are
   * neither zeroed nor read first; the same bits as {@link #backwardWeighted} onto zeros.
   */
  @Override
  public void backwardWeightedInto(
      RowBlock block, double[] theta, double[] coef, double[] gradOut) {
    if (args.backward(block, theta, coef, gradOut) == 0) {
      Arrays.fill(gradOut, 0.0);
      return;
    }
    for (int k = 0; k < zeroRanges.length; k += 2) {
      Arrays.fill(gradOut, zeroRanges[k], zeroRanges[k + 1], 0.0);
    }
    overwriteDense = true;
    try {
      backwardWeighted(block, theta, coef, gradOut);
    } finally {
      overwriteDense = false;
    }
  }

  @Override
  public PreparedTheta prepare(double[] theta) {
    if (theta.length != network.parameterCount()) {
      throw new IllegalArgumentException(
          "theta: expected length " + network.parameterCount() + ", got " + theta.length);
    }
    own.fill(theta);
    return own;
  }

  @Override
  public PreparedTheta prepareInParts(double[] theta, LayerNormsHandoff norms) {
    if (theta.length != network.parameterCount()) {
      throw new IllegalArgumentException(
          "theta: expected length " + network.parameterCount() + ", got " + theta.length);
    }
    own.scales(theta, norms == null ? null : norms.take(theta));
    return own;
  }

  @Override
  public boolean usesLayerNorms() {
    return true;
  }

  @Override
  public void share(PreparedTheta prepared) {
    if (prepared == null) {
      shared = null;
      return;
    }
    if (!(prepared instanceof FloatWeights f) || !f.sameLayout(own)) {
      throw new IllegalArgumentException(
          "prepared θ of another network or precision: " + prepared.getClass().getSimpleName());
    }
    shared = f;
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
          cur.w[i],
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
      FloatDenseKernels.backward(layer.inSize, layer.outSize, rows, cur.w[i], x, dz, g[i], dx);
      if (overwriteDense) {
        putScaled(g[i], backFactor[l], grad, layer.weightOffset);
      } else {
        addScaled(g[i], backFactor[l], grad, layer.weightOffset);
      }
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

  /** As {@link #addScaled} onto zeros, without reading them: 0.0 + x is x with −0 made +0. */
  private static void putScaled(float[] src, double f, double[] grad, int off) {
    for (int j = 0; j < src.length; j++) {
      grad[off + j] = 0.0 + f * src[j];
    }
  }

  /** [from, to) pairs covering [0, d) minus the dense layers' weight ranges, in order. */
  private static int[] outsideDenseWeights(Layer[] layers, int d) {
    List<int[]> dense = new ArrayList<>();
    for (Layer layer : layers) {
      if (layer instanceof DenseLayer && layer.weightCount > 0) {
        dense.add(new int[] {layer.weightOffset, layer.weightOffset + layer.weightCount});
      }
    }
    dense.sort(Comparator.comparingInt(r -> r[0]));
    int[] out = new int[2 * (dense.size() + 1)];
    int k = 0;
    int from = 0;
    for (int[] r : dense) {
      out[k++] = from;
      out[k++] = r[0];
      from = r[1];
    }
    out[k++] = from;
    out[k] = d;
    return out;
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

package io.marginflow.common.net;

import io.marginflow.common.data.RowBlock;

/**
 * Per-thread scratch of one {@link Network}: the pre- and post-activation blocks of every layer,
 * the max-pool arg-max indices, two gradient buffers, conv col and output buffers (one image chunk)
 * and sparse scratch. Buffers grow lazily to the largest block seen and are then reused, so {@code
 * forward}/{@code backwardWeighted} allocate nothing after warm-up. It also remembers which (block,
 * θ) the last forward saw, which {@code backwardWeighted} requires. Not thread-safe: use one
 * workspace per thread.
 */
public final class Workspace {

  final Network network;
  private int rowCapacity;

  /** Output of layer i before the activation (null for the last layer, which writes to out). */
  final double[][] pre;

  /**
   * Input of layer i + 1: σ(pre[i]) for activated layers, else (and when the next layer, a max
   * pool, applies σ itself) the same array as pre[i].
   */
  final double[][] post;

  /**
   * Arg-max input positions of each max-pool layer (null elsewhere); for a max pool fusing σ', the
   * sign class of the pre-activation there packed above each ({@link PoolLayer#SIGN_SHIFT}).
   */
  final int[][] argmax;

  /** Chunk-local ping-pong gradients inside the conv/pool stack (see Network#gradientBuffer). */
  final double[] stackGradA;

  final double[] stackGradB;

  double[] gradA;
  double[] gradB;

  /** ∂/∂(output of the conv/pool stack) for all rows (see Network#gradientBuffer). */
  double[] gradHandoff;

  /** Densified CSR input when the first layer is not dense. */
  double[] denseInput;

  /** im2col scratch (fixed size: the largest conv's columns of one image chunk). */
  final double[] col;

  final double[] dcol;

  /** Channel-major conv output / output gradient of one image chunk (empty for 1-image chunks). */
  final double[] convOut;

  /**
   * The 2×2 stride-2 ReLU max pool's row kernel of this thread (null when the network has no such
   * pool).
   */
  final WatchedDoubleMaxPool2 maxPool2;

  private double[] sparseW;
  private double[] sparseG;
  private final CscScratch csc = new CscScratch();

  /** The (block, θ) of the last forward call, for the backward precondition. */
  RowBlock lastBlock;

  double[] lastTheta;
  int lastRows;

  /**
   * True during {@link Network#forwardValues}: max pools need not record the arg-max and sign
   * class.
   */
  boolean valuesOnly;

  Workspace(Network network) {
    this(network, null, PoolAllocationGuard.WARM_UP_CALLS, PoolAllocationGuard.WARM_UP_NANOS);
  }

  /**
   * As above with the double 2×2 ReLU max pool {@code pool2} (null: this JVM's choice) watched
   * after {@code warmUp} calls and {@code warmUpNanos} since the first (tests pick them).
   */
  Workspace(Network network, DoubleMaxPool2 pool2, long warmUp, long warmUpNanos) {
    this.network = network;
    int n = network.layers.length;
    this.pre = new double[n][];
    this.post = new double[n][];
    this.argmax = new int[n][];
    int chunk0 = network.imageChunk();
    for (int i = 0; i < n; i++) {
      if (network.chunkLocal[i]) { // one chunk of rows, allocated once
        pre[i] = new double[chunk0 * network.layers[i].outSize];
        post[i] = pre[i];
      }
    }
    int sg = network.stackGradientWidth();
    this.stackGradA = new double[chunk0 * sg];
    this.stackGradB = new double[chunk0 * sg];
    long colSize = 0;
    long outSize = 0;
    int chunk = network.imageChunk();
    for (Layer layer : network.layers) {
      if (layer instanceof Conv2dLayer c) {
        colSize = Math.max(colSize, c.colScratch(chunk));
        outSize = Math.max(outSize, c.outScratch(chunk));
      }
    }
    this.col = new double[Math.toIntExact(colSize)];
    this.dcol = new double[Math.toIntExact(colSize)];
    this.convOut = new double[Math.toIntExact(outSize)];
    boolean reluPool2 = false;
    for (Layer layer : network.layers) {
      reluPool2 |=
          layer instanceof PoolLayer p
              && p.isMax()
              && p.k == 2
              && p.stride == 2
              && p.fusesForwardActivation()
              && p.inputActivation.kind() == Activation.Kind.RELU;
    }
    this.maxPool2 =
        reluPool2
            ? new WatchedDoubleMaxPool2(
                pool2 == null ? DoubleMaxPool2.get() : pool2, warmUp, warmUpNanos)
            : null;
  }

  /** Rows the buffers currently hold. */
  public int rowCapacity() {
    return rowCapacity;
  }

  /** Grows every per-row buffer to hold {@code rows} rows (contents are not kept). */
  void ensureRows(int rows) {
    if (rows <= rowCapacity) {
      return;
    }
    Layer[] layers = network.layers;
    int last = layers.length - 1;
    for (int i = 0; i < last; i++) {
      Layer layer = layers[i];
      if (network.chunkLocal[i]) {
        continue;
      }
      pre[i] = new double[rows * layer.outSize];
      post[i] =
          network.activated[i]
                  && !network.activationFused[i]
                  && network.activation.kind() != Activation.Kind.IDENTITY
              ? new double[rows * layer.outSize]
              : pre[i];
      if (layer instanceof PoolLayer p && p.isMax()) {
        argmax[i] = new int[rows * layer.outSize];
      }
    }
    int g = network.gradientWidth();
    gradA = new double[rows * g];
    gradB = new double[rows * g];
    int h = network.handoffWidth();
    gradHandoff = h > 0 ? new double[rows * h] : null;
    if (denseInput != null) {
      denseInput = new double[rows * network.inputSize()];
    }
    rowCapacity = rows;
  }

  /** The densified-input buffer, created on first use. */
  double[] denseInput(int rows) {
    int need = rows * network.inputSize();
    if (denseInput == null || denseInput.length < need) {
      denseInput = new double[Math.max(need, rowCapacity * network.inputSize())];
    }
    return denseInput;
  }

  /** Column-indexed block scratch of the vector sparse backward. */
  CscScratch cscScratch() {
    return csc;
  }

  /**
   * Sparse first-layer scratch of at least {@code size} doubles (W₁ᵀ, or the gradient when grad).
   */
  double[] sparseScratch(int size, boolean grad) {
    if (grad) {
      if (sparseG == null || sparseG.length < size) {
        sparseG = new double[size];
      }
      return sparseG;
    }
    if (sparseW == null || sparseW.length < size) {
      sparseW = new double[size];
    }
    return sparseW;
  }
}

package io.marginflow.common.net;

import io.marginflow.common.data.CsrBlock;
import io.marginflow.common.data.DenseBlock;
import io.marginflow.common.data.RowBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A positively L-homogeneous network Φ(x; θ) (science.md §1) with block kernels: {@link #forward}
 * evaluates Φ on every row of a {@link RowBlock}, {@link #backwardWeighted} adds Σ_r coef_r
 * ∇_θΦ(x_r; θ) — the subgradient oracle a_i with the fixed σ'(0) = e and the first-maximum max-pool
 * rule, so that ⟨a_i(θ), θ⟩ = L·Φ(x_i; θ) exactly (Euler).
 *
 * <p>Parameters are one flat {@code double[]} θ of length {@link #parameterCount()}: weight layers
 * in order; a dense layer stores W (out × in, row-major), a conv layer W (outC × inC × K × K); with
 * {@code /bias=first} the first weight layer's bias (one per output unit or channel) follows its W.
 *
 * <p>Dense layers run as DGEMMs over the whole block, convolutions as im2col + one DGEMM per image
 * chunk (the conv/pool layers before the first dense layer run chunk by chunk of a few images, so
 * that their large intermediates are still in cache when the next layer reads them; a max pool
 * after an activated layer applies σ itself, see {@link PoolLayer}), a {@link CsrBlock} feeding a
 * dense first layer uses sparse kernels ({@link SparseKernels}), and a CSR block feeding a
 * conv/pool first layer is densified into the workspace. Kernels allocate nothing after the {@link
 * Workspace} has grown to the largest block.
 *
 * <p>NaN policy: no checks in the kernels; NaN in θ or x propagates to the outputs (a max-pool
 * window keeps its first entry when that is NaN and may skip a later NaN; a 2×2 max pool fused with
 * ReLU lets a NaN with the sign bit clear win its window and counts one with it set as 0).
 * Immutable and thread-safe; each thread needs its own {@link Workspace}.
 */
public final class Network {

  /** Workspace budget used by {@link #suggestedBlockRows()}. */
  static final long WORKSPACE_BUDGET_BYTES = 64L << 20;

  /** Largest block {@link #suggestedBlockRows()} proposes. */
  static final int MAX_SUGGESTED_ROWS = 4096;

  /**
   * Cache budget of one image chunk of the conv/pool stack: three quarters of a 2 MB L2 (this
   * project's machine), two images of Lyu–Li's CNN. Its double forward over 100 images, thread CPU
   * per chunk size (session 10): 1 image 14.2–14.4 ms, 2 13.3–13.5, 3 13.8–14.0, 4 14.1–14.3, 5
   * 14.3–14.5 (its second conv's DGEMM gains ≈ 0.8 ms from 1 to 2 images; its first conv's loses
   * from 4 on). The forward's bits do not depend on the chunk for 1, 2 and 4 images here, but
   * OpenBLAS may round differently for other row counts, and the weight gradient's summation order
   * depends on it: fixed per network, same bits run to run.
   */
  static final long CHUNK_CACHE_BYTES = 1536L << 10;

  private final NetworkSpec spec;
  private final double reluDerivativeAtZero;
  final Layer[] layers;

  /** activated[i]: σ follows layer i (weight layers except the last). */
  final boolean[] activated;

  /**
   * activationFused[i]: layer i is activated and the max pool after it applies σ itself (see {@link
   * PoolLayer}): σ(pre[i]) is never stored and post[i] is pre[i].
   */
  final boolean[] activationFused;

  /**
   * chunkLocal[i]: the output of stack layer i is only read inside its image chunk (its σ and σ'
   * are fused into the max pool after it), so pre[i] holds one chunk, row r at r − r0.
   */
  final boolean[] chunkLocal;

  final Activation activation;
  private final int degree;
  private final int parameterCount;
  private final int firstWeightIndex;

  /**
   * Index of the first dense layer (layers.length if none): layers before it run per image chunk.
   */
  private final int denseStart;

  /** Images per chunk of the conv/pool stack. */
  private final int imageChunk;

  private final List<ParameterBlock> weightLayers;

  private Network(NetworkSpec spec, double e, int imageChunk) {
    this.spec = spec;
    this.reluDerivativeAtZero = e;
    this.activation = spec.activation();
    List<LayerSpec> specs = spec.layers();
    List<InputShape> shapes = spec.shapes();
    int n = specs.size();
    this.layers = new Layer[n];
    this.activated = new boolean[n];
    List<ParameterBlock> blocks = new ArrayList<>();
    InputShape in = spec.input();
    int offset = 0;
    int l = 0;
    int first = -1;
    int lastWeight = -1;
    for (int i = 0; i < n; i++) {
      if (specs.get(i).hasWeights()) {
        lastWeight = i;
      }
    }
    int lastWeightLayer = lastWeight;
    for (int i = 0; i < n; i++) {
      LayerSpec s = specs.get(i);
      InputShape out = shapes.get(i);
      boolean bias = spec.firstLayerBias() && first < 0 && s.hasWeights();
      Layer layer;
      if (s instanceof LayerSpec.Dense d) {
        layer = new DenseLayer(i, in, d.width(), offset, bias);
      } else if (s instanceof LayerSpec.Conv c) {
        layer = new Conv2dLayer(i, in, c, out, offset, bias);
      } else {
        // σ follows every weight layer except the last; a max pool right after one fuses it
        boolean prevActivated = i > 0 && specs.get(i - 1).hasWeights() && i - 1 != lastWeightLayer;
        layer = new PoolLayer(i, in, (LayerSpec.Pool) s, out, prevActivated ? activation : null, e);
      }
      layers[i] = layer;
      if (s.hasWeights()) {
        l++;
        if (first < 0) {
          first = i;
        }
        lastWeight = i;
        int count = layer.parameterCount();
        blocks.add(
            new ParameterBlock("W" + l + ":" + s.token() + (bias ? "+b" : ""), offset, count));
        offset += count;
      }
      in = out;
    }
    for (int i = 0; i < n; i++) {
      activated[i] = layers[i] instanceof DenseLayer || layers[i] instanceof Conv2dLayer;
    }
    activated[lastWeight] = false;
    this.activationFused = new boolean[n];
    for (int i = 0; i + 1 < n; i++) {
      activationFused[i] =
          activated[i] && layers[i + 1] instanceof PoolLayer p && p.fusesForwardActivation();
    }
    this.degree = l;
    this.parameterCount = offset;
    this.firstWeightIndex = first;
    this.weightLayers = List.copyOf(blocks);
    int ds = 0;
    while (ds < n && !(layers[ds] instanceof DenseLayer)) {
      ds++;
    }
    this.denseStart = ds;
    this.chunkLocal = new boolean[n];
    for (int i = 0; i + 1 < ds; i++) {
      chunkLocal[i] =
          activationFused[i] && layers[i + 1] instanceof PoolLayer p && p.fusesInputActivation();
      if (chunkLocal[i]
          && layers[i] instanceof Conv2dLayer conv
          && layers[i + 1] instanceof PoolLayer pool) {
        conv.channelMajorOutput = true; // read by this pool only: no repack to CHW
        pool.channelMajorInput = true;
      }
    }
    this.imageChunk = imageChunk > 0 ? imageChunk : defaultImageChunk();
  }

  /** Images whose conv/pool intermediates fit about {@link #CHUNK_CACHE_BYTES}. */
  private int defaultImageChunk() {
    long perRow = 0;
    for (int i = 0; i < denseStart; i++) {
      perRow += 16L * layers[i].outSize + 8L * layers[i].inSize;
    }
    return (int) Math.max(1, Math.min(MAX_SUGGESTED_ROWS, CHUNK_CACHE_BYTES / Math.max(1, perRow)));
  }

  /** Parses a spec string (see {@link NetworkSpec}) with σ'(0) = 0. */
  public static Network parse(String spec) {
    return of(NetworkSpec.parse(spec), 0.0);
  }

  /** The network of {@code spec} with σ'(0) = e ∈ [0, 1] for ReLU and leaky ReLU. */
  public static Network of(NetworkSpec spec, double reluDerivativeAtZero) {
    return new Network(Objects.requireNonNull(spec, "spec"), checkE(reluDerivativeAtZero), 0);
  }

  /** As {@link #of(NetworkSpec, double)} with a forced image-chunk size (tests). */
  static Network of(NetworkSpec spec, double reluDerivativeAtZero, int imageChunk) {
    if (imageChunk < 1) {
      throw new IllegalArgumentException("imageChunk: must be >= 1, got " + imageChunk);
    }
    return new Network(
        Objects.requireNonNull(spec, "spec"), checkE(reluDerivativeAtZero), imageChunk);
  }

  private static double checkE(double e) {
    if (!(e >= 0.0 && e <= 1.0)) {
      throw new IllegalArgumentException("reluDerivativeAtZero: must be in [0, 1], got " + e);
    }
    return e;
  }

  /** Images per chunk of the conv/pool stack. */
  int imageChunk() {
    return imageChunk;
  }

  /** The architecture. */
  public NetworkSpec spec() {
    return spec;
  }

  /** L, the degree of homogeneity (number of weight layers). */
  public int degree() {
    return degree;
  }

  /** d, the length of θ. */
  public int parameterCount() {
    return parameterCount;
  }

  /** p, the number of input features (C·H·W). */
  public int inputSize() {
    return spec.input().size();
  }

  /** The fixed σ'(0) = e used by backprop (science.md §1). */
  public double reluDerivativeAtZero() {
    return reluDerivativeAtZero;
  }

  /** One block per weight layer, in order; the first layer's bias lies inside layer 1's block. */
  public List<ParameterBlock> weightLayers() {
    return weightLayers;
  }

  /** ‖W_l‖ (Frobenius; layer 1 includes its bias) for each weight layer. */
  public double[] layerNorms(double[] theta) {
    checkTheta(theta);
    double[] norms = new double[weightLayers.size()];
    for (int l = 0; l < norms.length; l++) {
      ParameterBlock b = weightLayers.get(l);
      double s = 0;
      for (int i = b.offset(); i < b.offset() + b.length(); i++) {
        s += theta[i] * theta[i];
      }
      norms[l] = Math.sqrt(s);
    }
    return norms;
  }

  /** A fresh per-thread scratch for this network. */
  public Workspace newWorkspace() {
    return new Workspace(this);
  }

  /**
   * out[r] = Φ(x_r; θ) for every row r &lt; block.rows(). Overwrites out[0..rows) and the forward
   * state of {@code ws}.
   */
  public void forward(RowBlock block, double[] theta, Workspace ws, double[] out) {
    forward(block, theta, ws, out, true);
  }

  /**
   * out[r] = Φ(x_r; θ) for every row r &lt; block.rows(), the same bits as {@link #forward}, for a
   * pass that needs the values only (evaluations, margins, loss passes): max pools do not record
   * their arg-max or the sign class there. Overwrites out[0..rows) and the forward state of {@code
   * ws}; a {@link #backwardWeighted} right after it throws {@link IllegalStateException}.
   */
  public void forwardValues(RowBlock block, double[] theta, Workspace ws, double[] out) {
    forward(block, theta, ws, out, false);
  }

  private void forward(
      RowBlock block, double[] theta, Workspace ws, double[] out, boolean forBackward) {
    checkArgs(block, theta, ws);
    Objects.requireNonNull(out, "out");
    int rows = block.rows();
    if (out.length < rows) {
      throw new IllegalArgumentException(
          "out: length must be >= rows " + rows + ", got " + out.length);
    }
    ws.ensureRows(rows);
    ws.lastBlock = forBackward ? block : null;
    ws.lastTheta = forBackward ? theta : null;
    ws.lastRows = rows;
    ws.valuesOnly = !forBackward;
    if (rows == 0) {
      return;
    }
    double[] x0 = denseInput(block, ws, true);
    // conv/pool stack image-chunk by image-chunk (intermediates stay in cache), then dense layers
    for (int r0 = 0; r0 < rows && denseStart > 0; r0 += imageChunk) {
      int r1 = Math.min(rows, r0 + imageChunk);
      for (int i = 0; i < denseStart; i++) {
        forwardLayer(i, r0, r1, block, x0, theta, ws, out);
      }
    }
    for (int i = denseStart; i < layers.length; i++) {
      forwardLayer(i, 0, rows, block, x0, theta, ws, out);
    }
  }

  private void forwardLayer(
      int i,
      int r0,
      int r1,
      RowBlock block,
      double[] x0,
      double[] theta,
      Workspace ws,
      double[] out) {
    Layer layer = layers[i];
    double[] z = i == layers.length - 1 ? out : ws.pre[i];
    int zOrigin = chunkLocal[i] ? r0 : 0;
    if (i > 0) {
      layer.forward(r0, r1, ws.post[i - 1], chunkLocal[i - 1] ? r0 : 0, theta, z, zOrigin, ws);
    } else if (x0 != null) {
      layer.forward(r0, r1, x0, 0, theta, z, zOrigin, ws);
    } else { // CSR into a dense first layer (always the whole block)
      SparseKernels.forward((CsrBlock) block, (DenseLayer) layer, theta, z, ws);
    }
    if (activated[i] && !activationFused[i]) { // never chunk-local: those are fused
      ActivationKernels.forward(activation, z, ws.post[i], r0 * layer.outSize, r1 * layer.outSize);
    }
  }

  /**
   * gradInOut[0..d) += Σ_r coef[r]·∇_θΦ(x_r; θ). Precondition: the last {@link #forward} on {@code
   * ws} was on this very {@code block} and {@code theta} (same objects, θ unchanged since); checked
   * by identity, an {@link IllegalStateException} otherwise. Backward does not disturb the forward
   * state, so several calls with different coefficients may follow one forward.
   */
  public void backwardWeighted(
      RowBlock block, double[] theta, Workspace ws, double[] coef, double[] gradInOut) {
    checkArgs(block, theta, ws);
    Objects.requireNonNull(coef, "coef");
    Objects.requireNonNull(gradInOut, "gradInOut");
    int rows = block.rows();
    if (ws.lastBlock != block || ws.lastTheta != theta || ws.lastRows != rows) {
      throw new IllegalStateException(
          "backwardWeighted: the last forward on this workspace was not on this block and theta");
    }
    if (coef.length < rows) {
      throw new IllegalArgumentException(
          "coef: length must be >= rows " + rows + ", got " + coef.length);
    }
    if (gradInOut.length != parameterCount) {
      throw new IllegalArgumentException(
          "gradInOut: length must be d = " + parameterCount + ", got " + gradInOut.length);
    }
    if (rows == 0) {
      return;
    }
    double[] x0 = denseInput(block, ws, false);
    int last = layers.length - 1;
    for (int i = last; i >= Math.max(denseStart, firstWeightIndex); i--) {
      backwardLayer(i, 0, rows, block, x0, theta, ws, coef, gradInOut);
    }
    if (denseStart > firstWeightIndex) {
      for (int r0 = 0; r0 < rows; r0 += imageChunk) {
        int r1 = Math.min(rows, r0 + imageChunk);
        for (int i = Math.min(denseStart, layers.length) - 1; i >= firstWeightIndex; i--) {
          backwardLayer(i, r0, r1, block, x0, theta, ws, coef, gradInOut);
        }
      }
    }
  }

  /**
   * Backward through layer i for rows [r0, r1). The gradient w.r.t. the output of layer i lives in
   * coef (last layer) or in one of two ping-pong buffers chosen by the parity of last − i.
   */
  private void backwardLayer(
      int i,
      int r0,
      int r1,
      RowBlock block,
      double[] x0,
      double[] theta,
      Workspace ws,
      double[] coef,
      double[] grad) {
    Layer layer = layers[i];
    double[] dz = i == layers.length - 1 ? coef : gradientBuffer(i, ws);
    int dzOrigin = i == layers.length - 1 ? 0 : gradientOrigin(i, r0);
    double[] dx = i > firstWeightIndex ? gradientBuffer(i - 1, ws) : null;
    int dxOrigin = i > firstWeightIndex ? gradientOrigin(i - 1, r0) : 0;
    if (i > 0) {
      layer.backward(
          r0,
          r1,
          ws.post[i - 1],
          chunkLocal[i - 1] ? r0 : 0,
          theta,
          dz,
          dzOrigin,
          dx,
          dxOrigin,
          grad,
          ws);
    } else if (x0 != null) {
      layer.backward(r0, r1, x0, 0, theta, dz, dzOrigin, dx, dxOrigin, grad, ws);
    } else {
      SparseKernels.backward((CsrBlock) block, (DenseLayer) layer, dz, grad, ws);
    }
    if (dx != null && activated[i - 1] && !layer.fusesInputActivation()) {
      // pre[i − 1] is whole-block here (chunk-local layers are fused into the next layer)
      int w = layers[i - 1].outSize;
      ActivationKernels.backward(
          activation,
          reluDerivativeAtZero,
          ws.pre[i - 1],
          r0 * w,
          dx,
          (r0 - dxOrigin) * w,
          (r1 - r0) * w);
    }
  }

  /**
   * The buffer holding ∂/∂(output of layer i) for i &lt; last. The output gradient of the conv/pool
   * stack is written by the first dense layer for all rows before the stack runs chunk by chunk, so
   * it has its own buffer; every other layer alternates between two buffers.
   */
  private double[] gradientBuffer(int i, Workspace ws) {
    if (i == denseStart - 1) {
      return ws.gradHandoff;
    }
    boolean odd = ((layers.length - 1 - i) & 1) == 1;
    if (i < denseStart - 1) { // inside the conv/pool stack: one chunk
      return odd ? ws.stackGradA : ws.stackGradB;
    }
    return odd ? ws.gradA : ws.gradB;
  }

  /** Origin of {@link #gradientBuffer}(i) for the chunk starting at r0. */
  private int gradientOrigin(int i, int r0) {
    return i < denseStart - 1 ? r0 : 0;
  }

  /** Widest chunk-local gradient row: outputs of stack layers [first weight, denseStart − 1). */
  int stackGradientWidth() {
    int g = 0;
    for (int i = Math.max(0, firstWeightIndex); i < Math.min(denseStart, layers.length) - 1; i++) {
      g = Math.max(g, layers[i].outSize);
    }
    return g;
  }

  /** Width of the hand-off gradient (output of the conv/pool stack), 0 when there is none. */
  int handoffWidth() {
    return denseStart > firstWeightIndex && denseStart < layers.length
        ? layers[denseStart - 1].outSize
        : 0;
  }

  /**
   * A block size keeping the workspace within about 64 MB: {@link #MAX_SUGGESTED_ROWS} for small
   * MLPs, a few dozen rows for MNIST-size CNNs; a power of two ≥ 1.
   */
  public int suggestedBlockRows() {
    long perRow = 0;
    for (int i = 0; i < layers.length - 1; i++) {
      long size = layers[i].outSize;
      perRow += chunkLocal[i] ? 0 : 8 * size;
      if (activated[i] && !activationFused[i] && activation.kind() != Activation.Kind.IDENTITY) {
        perRow += 8 * size;
      }
      if (layers[i] instanceof PoolLayer p && p.isMax()) {
        perRow += (p.fusesInputActivation() ? 12 : 4) * size;
      }
    }
    perRow += 2L * 8 * gradientWidth() + 8L * handoffWidth();
    if (!(layers[0] instanceof DenseLayer)) {
      perRow += 8L * inputSize();
    }
    long fixed = 0;
    for (Layer layer : layers) {
      if (layer instanceof Conv2dLayer c) {
        fixed = Math.max(fixed, 16L * c.colScratch(imageChunk) + 8L * c.outScratch(imageChunk));
      }
    }
    for (int i = 0; i < layers.length; i++) {
      fixed += chunkLocal[i] ? 8L * imageChunk * layers[i].outSize : 0;
    }
    fixed += 16L * imageChunk * stackGradientWidth();
    long rows = Math.max(1, (WORKSPACE_BUDGET_BYTES - fixed) / Math.max(1, perRow));
    rows = Math.min(rows, MAX_SUGGESTED_ROWS);
    return Integer.highestOneBit((int) rows);
  }

  /**
   * Widest whole-block gradient row needed by backward: outputs of the layers from the first dense
   * layer (or the first weight layer, if later) to the last, exclusive.
   */
  int gradientWidth() {
    int g = 1;
    for (int i = Math.max(Math.max(0, firstWeightIndex), denseStart); i < layers.length - 1; i++) {
      g = Math.max(g, layers[i].outSize);
    }
    return g;
  }

  /**
   * The dense row-major input of layer 0, or null when a CSR block feeds a dense first layer
   * (sparse kernels). Densifies CSR into the workspace when {@code fill} (forward), else reuses it.
   */
  private double[] denseInput(RowBlock block, Workspace ws, boolean fill) {
    if (block instanceof DenseBlock d) {
      return d.values();
    }
    CsrBlock c = (CsrBlock) block;
    if (layers[0] instanceof DenseLayer) {
      return null;
    }
    int rows = c.rows();
    int p = inputSize();
    double[] x = ws.denseInput(rows);
    if (fill) {
      java.util.Arrays.fill(x, 0, rows * p, 0.0);
      int[] ptr = c.rowPtr();
      int[] col = c.colIdx();
      double[] val = c.values();
      for (int r = 0; r < rows; r++) {
        for (int q = ptr[r]; q < ptr[r + 1]; q++) {
          x[r * p + col[q]] = val[q];
        }
      }
    }
    return x;
  }

  private void checkArgs(RowBlock block, double[] theta, Workspace ws) {
    Objects.requireNonNull(block, "block");
    Objects.requireNonNull(ws, "ws");
    checkTheta(theta);
    if (block.features() != inputSize()) {
      throw new IllegalArgumentException(
          "block: features must equal the network input size "
              + inputSize()
              + " ("
              + spec.input()
              + "), got "
              + block.features());
    }
    if (ws.network != this) {
      throw new IllegalArgumentException("ws: workspace belongs to another network");
    }
  }

  private void checkTheta(double[] theta) {
    Objects.requireNonNull(theta, "theta");
    if (theta.length != parameterCount) {
      throw new IllegalArgumentException(
          "theta: length must be d = " + parameterCount + ", got " + theta.length);
    }
  }

  /** The canonical spec and σ'(0). */
  @Override
  public String toString() {
    return spec
        + " (L="
        + degree
        + ", d="
        + parameterCount
        + ", σ'(0)="
        + reluDerivativeAtZero
        + ")";
  }
}

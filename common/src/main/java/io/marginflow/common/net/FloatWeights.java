package io.marginflow.common.net;

import java.util.List;

/**
 * The float copy of θ that {@link SingleCnnKernel} computes with (science.md's single-precision
 * rules): each weight layer l divided by its Frobenius norm c_l (the first one with its bias) and
 * rounded to float, with c_l (1 for a zero layer), Π_l c_l and the factors Π_{k≠l} c_k in double.
 * Filled from θ by one kernel; the kernels of other threads may read it for the same θ ({@link
 * PreparedTheta}).
 */
final class FloatWeights implements PreparedTheta {
  private final Layer[] layers;
  private final List<ParameterBlock> blocks;
  private final int[] weightOrdinal;
  private final int firstWeight;
  private final int parameterCount;

  /** Normalized W of each layer with weights (conv: outC × inC·K·K, dense: out × in), else null. */
  final float[][] w;

  /** Normalized bias of the first weight layer, or null. */
  final float[] bias;

  /** c_l, with 1 for a zero layer. */
  final double[] scale;

  /** Π_{k≠l} c_k. */
  final double[] factor;

  private final double[] norms;

  /** Π_l c_l. */
  double outScale;

  /** Weights of {@code network}, with weight ordinal {@code weightOrdinal[i]} (−1: no weights). */
  FloatWeights(Network network, int[] weightOrdinal, int firstWeight) {
    this.layers = network.layers;
    this.blocks = network.weightLayers();
    this.weightOrdinal = weightOrdinal;
    this.firstWeight = firstWeight;
    this.parameterCount = network.parameterCount();
    int n = layers.length;
    this.w = new float[n][];
    for (int i = 0; i < n; i++) {
      if (layers[i].weightCount > 0) {
        w[i] = new float[layers[i].weightCount];
      }
    }
    this.bias =
        layers[firstWeight].biasOffset >= 0 ? new float[layers[firstWeight].outBiasCount()] : null;
    this.scale = new double[blocks.size()];
    this.factor = new double[blocks.size()];
    this.norms = new double[blocks.size()];
  }

  /** True if this copy has the layout of {@code other} (same layers, sizes and offsets). */
  boolean sameLayout(FloatWeights other) {
    if (other.parameterCount != parameterCount || other.w.length != w.length) {
      return false;
    }
    for (int i = 0; i < w.length; i++) {
      if ((w[i] == null) != (other.w[i] == null)
          || (w[i] != null && w[i].length != other.w[i].length)
          || layers[i].weightOffset != other.layers[i].weightOffset) {
        return false;
      }
    }
    return true;
  }

  /** c_l, the float copies Ŵ_l = W_l / c_l (and b̂), and the double factors Π_{k≠l} c_k. */
  void fill(double[] theta) {
    scales(theta, null);
    fillPart(theta, 0, 1);
  }

  /**
   * c_l and the factors Π_{k≠l} c_k, from the layer norms {@code handed} (those of this θ, formed
   * as here: {@link LayerNormsHandoff}) or, when null, from θ; the float copies then need {@link
   * #fillPart} for every part.
   */
  void scales(double[] theta, double[] handed) {
    if (handed != null && handed.length != norms.length) {
      throw new IllegalArgumentException(
          "layer norms: expected " + norms.length + ", got " + handed.length);
    }
    for (int l = 0; l < norms.length; l++) {
      norms[l] =
          handed != null
              ? handed[l]
              : LayerNormsHandoff.frobenius(theta, blocks.get(l).offset(), blocks.get(l).length());
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
  }

  /**
   * Part {@code part} of {@code parts} of the float copies: of every layer the {@code part}-th of
   * {@code parts} contiguous ranges (part 0 also does the bias). Entry by entry, so the parts may
   * run on different threads and give the bits of one pass; needs {@link #scales} first.
   */
  @Override
  public void fillPart(double[] theta, int part, int parts) {
    if (parts < 1 || part < 0 || part >= parts) {
      throw new IllegalArgumentException("part " + part + " of " + parts);
    }
    for (int i = 0; i < w.length; i++) {
      if (w[i] == null) {
        continue;
      }
      double inv = 1.0 / scale[weightOrdinal[i]];
      float[] wi = w[i];
      int off = layers[i].weightOffset;
      int from = (int) ((long) wi.length * part / parts);
      int to = (int) ((long) wi.length * (part + 1) / parts);
      for (int j = from; j < to; j++) {
        wi[j] = (float) (theta[off + j] * inv);
      }
      if (i == firstWeight && bias != null && part == 0) {
        for (int o = 0; o < bias.length; o++) {
          bias[o] = (float) (theta[layers[i].biasOffset + o] * inv);
        }
      }
    }
  }
}

package io.marginflow.common.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of a positively homogeneous, (almost) bias-free network Φ(x; w), written as a
 * string (science.md §1). Only specs with Φ(x; λw) = λ^L Φ(x; w) for λ &gt; 0 are accepted;
 * anything else is refused with an {@link IllegalArgumentException} that says why.
 *
 * <h2>Grammar</h2>
 *
 * <pre>
 * spec     := body ( "/" option )*
 * body     := "mlp:" P ( "-" N )+                       e.g. mlp:784-256-256-1
 *           | "cnn:" C "x" H "x" W ( "-" layer )+        e.g. cnn:1x28x28-conv32k5-maxpool2-dense1
 * layer    := "conv" C "k" K [ "s" S ] [ "p" P ]        out channels C, K×K kernel, stride S (1), zero padding P (0)
 *           | "maxpool" K [ "s" S ]                     max over K×K windows, stride S (default K)
 *           | "avgpool" K [ "s" S ]                     mean over K×K windows, stride S (default K)
 *           | "dense" N                                 fully connected, N outputs, flattens its input (CHW)
 * option   := "act=relu" (default) | "act=leaky:" a (a ≥ 0) | "act=identity"
 *           | "bias=none" (default) | "bias=first"
 * </pre>
 *
 * <p>{@code mlp:P-N1-…-Nk} is the same network as {@code cnn:1x1xP-denseN1-…-denseNk}; both parse
 * to the same record. Input rows are CHW-ordered: entry (c, h, w) is feature {@code (c·H + h)·W +
 * w}. The activation follows every weight layer except the last; pooling acts on whatever precedes
 * it (activations, or the input); pools use no padding (windows that do not fit at the border are
 * dropped, as in PyTorch). The last layer must be a weight layer with a single output. The degree L
 * is the number of weight layers. {@code bias=first} adds a bias to the first weight layer only
 * (per output unit, or per output channel for a convolution): W₁x + b₁ is linear in (W₁, b₁), so
 * homogeneity survives (Lyu–Li's "CNN without bias").
 *
 * <p>Refused, each with its reason: a bias on any later layer ({@code bias=all}, {@code bias=1,2}),
 * other activations (sigmoid, tanh, elu, softplus, gelu, …), batch norm, dropout, weight decay, an
 * output width other than 1, and shapes that do not fit (naming the layer and the shapes).
 *
 * <p>{@link #toString()} is canonical (lower case, defaults omitted, MLP form whenever the network
 * is a plain MLP) and {@link #parse} of it returns an equal record.
 *
 * @param input the shape of one sample
 * @param layers the layers, in order (immutable copy)
 * @param activation the activation after every weight layer but the last
 * @param firstLayerBias whether the first weight layer carries a bias
 */
public record NetworkSpec(
    InputShape input, List<LayerSpec> layers, Activation activation, boolean firstLayerBias) {

  /** Validates shapes layer by layer, the single output and the weight count. */
  public NetworkSpec {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(activation, "activation");
    layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("network spec: needs at least one layer, got none");
    }
    if (!layers.get(layers.size() - 1).hasWeights()) {
      throw new IllegalArgumentException(
          "network spec: the last layer must be a weight layer (dense or conv) producing the output, got "
              + layers.get(layers.size() - 1).token());
    }
    InputShape shape = input;
    long params = 0;
    boolean first = true;
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec layer = layers.get(i);
      InputShape next = layer.outputShape(shape, i + 1);
      params += weightCount(layer, shape, first && firstLayerBias);
      if (layer.hasWeights()) {
        first = false;
      }
      shape = next;
    }
    if (shape.size() != 1) {
      throw new IllegalArgumentException(
          "network spec: output width must be 1 (binary classification with margins y·Φ(x)), got "
              + shape.size()
              + " (output shape "
              + shape
              + ")");
    }
    if (params > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "network spec: " + params + " parameters do not fit one double[]");
    }
  }

  /** Parses a spec string (grammar in the class javadoc). */
  public static NetworkSpec parse(String spec) {
    return NetworkSpecParser.parse(spec);
  }

  /** L, the number of weight layers (the degree of homogeneity). */
  public int degree() {
    int l = 0;
    for (LayerSpec layer : layers) {
      if (layer.hasWeights()) {
        l++;
      }
    }
    return l;
  }

  /** The shape after each layer: element i is the output shape of {@code layers.get(i)}. */
  public List<InputShape> shapes() {
    List<InputShape> out = new ArrayList<>(layers.size());
    InputShape shape = input;
    for (int i = 0; i < layers.size(); i++) {
      shape = layers.get(i).outputShape(shape, i + 1);
      out.add(shape);
    }
    return List.copyOf(out);
  }

  /** True when the network is a plain MLP (flat input, only dense layers). */
  public boolean isMlp() {
    if (!input.isFlat()) {
      return false;
    }
    for (LayerSpec layer : layers) {
      if (!(layer instanceof LayerSpec.Dense)) {
        return false;
      }
    }
    return true;
  }

  /** The canonical spec string (see the class javadoc). */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (isMlp()) {
      sb.append("mlp:").append(input.width());
      for (LayerSpec layer : layers) {
        sb.append('-').append(((LayerSpec.Dense) layer).width());
      }
    } else {
      sb.append("cnn:").append(input);
      for (LayerSpec layer : layers) {
        sb.append('-').append(layer.token());
      }
    }
    if (activation.kind() != Activation.Kind.RELU) {
      sb.append("/act=").append(activation);
    }
    if (firstLayerBias) {
      sb.append("/bias=first");
    }
    return sb.toString();
  }

  static long weightCount(LayerSpec layer, InputShape in, boolean withBias) {
    if (layer instanceof LayerSpec.Dense d) {
      return (long) d.width() * in.size() + (withBias ? d.width() : 0);
    }
    if (layer instanceof LayerSpec.Conv c) {
      return (long) c.channels() * in.channels() * c.kernel() * c.kernel()
          + (withBias ? c.channels() : 0);
    }
    return 0;
  }
}

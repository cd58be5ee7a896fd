package io.marginflow.common.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the spec strings of {@link NetworkSpec}; every refusal says which part is wrong and why.
 */
final class NetworkSpecParser {

  private static final Pattern INT = Pattern.compile("[0-9]{1,9}");
  private static final Pattern SHAPE = Pattern.compile("([0-9]{1,9})x([0-9]{1,9})x([0-9]{1,9})");
  private static final Pattern CONV =
      Pattern.compile("conv([0-9]{1,9})k([0-9]{1,9})(?:s([0-9]{1,9}))?(?:p([0-9]{1,9}))?");
  private static final Pattern POOL =
      Pattern.compile("(max|avg)pool([0-9]{1,9})(?:s([0-9]{1,9}))?");
  private static final Pattern DENSE = Pattern.compile("dense([0-9]{1,9})");

  private static final String HOMOGENEITY = "breaks positive homogeneity: Φ(λw) ≠ λ^L Φ(w)";

  private NetworkSpecParser() {}

  static NetworkSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(
          "network spec: empty; expected e.g. mlp:784-256-1 or cnn:1x28x28-conv32k5-dense1");
    }
    String spec = text.trim().toLowerCase(Locale.ROOT);
    String[] parts = spec.split("/", -1);
    String body = parts[0];
    Activation activation = Activation.relu();
    String biasValue = "none";
    boolean seenAct = false;
    boolean seenBias = false;
    for (int i = 1; i < parts.length; i++) {
      String option = parts[i];
      int eq = option.indexOf('=');
      String key = eq < 0 ? option : option.substring(0, eq);
      String value = eq < 0 ? "" : option.substring(eq + 1);
      switch (key) {
        case "act" -> {
          if (seenAct) {
            throw new IllegalArgumentException(
                "network spec '" + text + "': option act given twice");
          }
          seenAct = true;
          try {
            activation = parseActivation(value);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("network spec '" + text + "': " + e.getMessage(), e);
          }
        }
        case "bias" -> {
          if (seenBias) {
            throw new IllegalArgumentException(
                "network spec '" + text + "': option bias given twice");
          }
          seenBias = true;
          biasValue = value;
        }
        default -> {
          String reason = nonHomogeneousReason(key);
          if (reason != null) {
            throw new IllegalArgumentException(
                "network spec '" + text + "': option /" + option + " refused: " + reason);
          }
          throw new IllegalArgumentException(
              "network spec '"
                  + text
                  + "': unknown option '/"
                  + option
                  + "'; known options are /act=… and /bias=…");
        }
      }
    }

    InputShape input;
    List<LayerSpec> layers = new ArrayList<>();
    if (body.startsWith("mlp:")) {
      String[] tokens = body.substring(4).split("-", -1);
      if (tokens.length < 2) {
        throw new IllegalArgumentException(
            "network spec '"
                + text
                + "': an mlp needs the input size and at least one layer width, e.g. mlp:784-1");
      }
      input = InputShape.flat(positiveInt(tokens[0], "input size", text));
      for (int i = 1; i < tokens.length; i++) {
        layers.add(new LayerSpec.Dense(positiveInt(tokens[i], "width of layer " + i, text)));
      }
    } else if (body.startsWith("cnn:")) {
      String[] tokens = body.substring(4).split("-", -1);
      Matcher m = SHAPE.matcher(tokens[0]);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "network spec '"
                + text
                + "': a cnn starts with the input shape CxHxW (e.g. 1x28x28), got '"
                + tokens[0]
                + "'");
      }
      input =
          new InputShape(
              positiveInt(m.group(1), "input channels", text),
              positiveInt(m.group(2), "input height", text),
              positiveInt(m.group(3), "input width", text));
      if (tokens.length < 2) {
        throw new IllegalArgumentException(
            "network spec '" + text + "': a cnn needs at least one layer after the input shape");
      }
      for (int i = 1; i < tokens.length; i++) {
        layers.add(parseLayer(tokens[i], i, text));
      }
    } else {
      throw new IllegalArgumentException(
          "network spec '" + text + "': must start with 'mlp:' or 'cnn:'");
    }

    int degree = 0;
    for (LayerSpec layer : layers) {
      if (layer.hasWeights()) {
        degree++;
      }
    }
    boolean firstLayerBias = parseBias(biasValue, degree, text);
    try {
      return new NetworkSpec(input, layers, activation, firstLayerBias);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("network spec '" + text + "': " + e.getMessage(), e);
    }
  }

  private static LayerSpec parseLayer(String token, int position, String text) {
    Matcher m = CONV.matcher(token);
    if (m.matches()) {
      return new LayerSpec.Conv(
          positiveInt(m.group(1), "channels of layer " + position, text),
          positiveInt(m.group(2), "kernel of layer " + position, text),
          m.group(3) == null ? 1 : positiveInt(m.group(3), "stride of layer " + position, text),
          m.group(4) == null ? 0 : Integer.parseInt(m.group(4)));
    }
    m = POOL.matcher(token);
    if (m.matches()) {
      int k = positiveInt(m.group(2), "window of layer " + position, text);
      int s = m.group(3) == null ? k : positiveInt(m.group(3), "stride of layer " + position, text);
      return new LayerSpec.Pool(
          m.group(1).equals("max") ? LayerSpec.PoolKind.MAX : LayerSpec.PoolKind.AVG, k, s);
    }
    m = DENSE.matcher(token);
    if (m.matches()) {
      return new LayerSpec.Dense(positiveInt(m.group(1), "width of layer " + position, text));
    }
    String reason = nonHomogeneousReason(token);
    if (reason != null) {
      throw new IllegalArgumentException(
          "network spec '" + text + "': layer " + position + " '" + token + "' refused: " + reason);
    }
    throw new IllegalArgumentException(
        "network spec '"
            + text
            + "': layer "
            + position
            + " '"
            + token
            + "' is not one of conv<C>k<K>[s<S>][p<P>], maxpool<K>[s<S>], avgpool<K>[s<S>], dense<N>");
  }

  private static Activation parseActivation(String value) {
    if (value.equals("relu")) {
      return Activation.relu();
    }
    if (value.equals("identity") || value.equals("linear")) {
      return Activation.identity();
    }
    if (value.startsWith("leaky")) {
      if (!value.startsWith("leaky:")) {
        throw new IllegalArgumentException(
            "option act=" + value + ": leaky needs its slope, e.g. act=leaky:0.1");
      }
      String a = value.substring(6);
      double slope;
      try {
        slope = Double.parseDouble(a);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "option act=" + value + ": slope '" + a + "' is not a number", e);
      }
      if (!(slope >= 0.0) || Double.isInfinite(slope)) {
        throw new IllegalArgumentException(
            "option act=" + value + ": leaky slope a must be finite and >= 0, got " + a);
      }
      return Activation.leaky(slope);
    }
    String reason =
        switch (value) {
          case "sigmoid",
              "tanh",
              "elu",
              "selu",
              "softplus",
              "gelu",
              "silu",
              "swish",
              "mish",
              "softsign",
              "exp" ->
              value + " is not positively 1-homogeneous (σ(λz) ≠ λσ(z)), so Φ(λw) ≠ λ^L Φ(w)";
          default -> null;
        };
    if (reason != null) {
      throw new IllegalArgumentException("option act=" + value + " refused: " + reason);
    }
    throw new IllegalArgumentException(
        "option act=" + value + ": expected relu, leaky:<a> (a >= 0) or identity");
  }

  private static boolean parseBias(String value, int degree, String text) {
    String prefix = "network spec '" + text + "': option bias=" + value + " refused: ";
    switch (value) {
      case "none":
        return false;
      case "first":
        return true;
      case "all":
        if (degree >= 2) {
          throw new IllegalArgumentException(
              prefix
                  + "a bias on layer 2 "
                  + HOMOGENEITY
                  + "; only bias=first (linear in (W1, b1)) keeps homogeneity");
        }
        throw new IllegalArgumentException(prefix + "with a single weight layer write bias=first");
      default:
        break;
    }
    String[] layers = value.split(",", -1);
    boolean first = false;
    for (String l : layers) {
      if (!INT.matcher(l).matches()) {
        throw new IllegalArgumentException(
            "network spec '"
                + text
                + "': option bias="
                + value
                + ": expected none, first, or weight-layer numbers like 1");
      }
      int n = Integer.parseInt(l);
      if (n == 1) {
        first = true;
      } else if (n >= 2 && n <= degree) {
        throw new IllegalArgumentException(
            prefix
                + "a bias on layer "
                + n
                + " "
                + HOMOGENEITY
                + "; only a bias on the first weight layer (linear in (W1, b1)) keeps homogeneity");
      } else {
        throw new IllegalArgumentException(
            "network spec '"
                + text
                + "': option bias="
                + value
                + ": layer "
                + n
                + " is not a weight layer 1.."
                + degree);
      }
    }
    return first;
  }

  /** A reason if {@code word} names something known to break homogeneity, else null. */
  private static String nonHomogeneousReason(String word) {
    if (word.startsWith("batchnorm") || word.equals("bn") || word.startsWith("layernorm")) {
      return "normalization divides by data/weight statistics, which " + HOMOGENEITY;
    }
    if (word.startsWith("dropout")) {
      return "dropout makes Φ random and is not part of a homogeneous network; the analysis (science.md §1) has none";
    }
    if (word.startsWith("weightdecay") || word.startsWith("wd") || word.startsWith("l2")) {
      return "weight decay adds a regularizer, so the iterates no longer follow the unregularized homogeneous dynamics (science.md §1)";
    }
    if (word.startsWith("bias")) {
      return "a bias beyond the first weight layer " + HOMOGENEITY + "; use /bias=first";
    }
    if (word.matches("sigmoid|tanh|elu|selu|softplus|gelu|silu|swish|mish|softsign|softmax")) {
      return word + " is not positively 1-homogeneous (σ(λz) ≠ λσ(z)), so Φ(λw) ≠ λ^L Φ(w)";
    }
    if (word.startsWith("relu") || word.startsWith("leaky") || word.startsWith("identity")) {
      return "activations are set with the option /act=…, not as a layer";
    }
    return null;
  }

  private static int positiveInt(String token, String what, String text) {
    if (!INT.matcher(token).matches()) {
      throw new IllegalArgumentException(
          "network spec '"
              + text
              + "': "
              + what
              + " must be a positive integer, got '"
              + token
              + "'");
    }
    int v = Integer.parseInt(token);
    if (v < 1) {
      throw new IllegalArgumentException(
          "network spec '" + text + "': " + what + " must be >= 1, got " + v);
    }
    return v;
  }
}

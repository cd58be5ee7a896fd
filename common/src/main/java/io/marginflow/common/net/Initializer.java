package io.marginflow.common.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Initial parameters θ₀ for a {@link Network}:
 *
 * <ul>
 *   <li>{@code he}: He-normal, each weight of layer l drawn from N(0, 2/fan_in(l)) with fan_in =
 *       inputs of a dense unit or inC·K·K of a conv filter; the bias (if any) starts at 0. One
 *       {@code SplittableRandom(seed)} fills θ in storage order, so the result is a pure function
 *       of (spec, seed).
 *   <li>{@code zeros}: θ = 0; only for L = 1 (for L ≥ 2, θ = 0 is a critical point: every gradient
 *       term contains another layer's weights, so gradient methods never leave it).
 *   <li>anything else is a file path: UTF-8 text, one double per line (surrounding blanks and empty
 *       lines ignored), exactly d finite values.
 * </ul>
 */
public final class Initializer {

  private Initializer() {}

  /** θ₀ of length {@code net.parameterCount()} as described in the class javadoc. */
  public static double[] initialize(Network net, String how, long seed) {
    if (net == null) {
      throw new IllegalArgumentException("net: must not be null");
    }
    if (how == null || how.isBlank()) {
      throw new IllegalArgumentException(
          "how: expected he, zeros or a file path, got '" + how + "'");
    }
    return switch (how.trim()) {
      case "he" -> he(net, seed);
      case "zeros" -> zeros(net);
      default -> fromFile(net, how.trim());
    };
  }

  private static double[] he(Network net, long seed) {
    double[] theta = new double[net.parameterCount()];
    SplittableRandom random = new SplittableRandom(seed);
    for (Layer layer : net.layers) {
      if (layer.weightCount == 0) {
        continue;
      }
      int fanIn =
          layer.weightCount / layer.outBiasCount(); // units: outputs (dense) or channels (conv)
      double sd = Math.sqrt(2.0 / fanIn);
      for (int i = layer.weightOffset; i < layer.weightOffset + layer.weightCount; i++) {
        theta[i] = sd * random.nextGaussian();
      }
    }
    return theta;
  }

  private static double[] zeros(Network net) {
    if (net.degree() >= 2) {
      throw new IllegalArgumentException(
          "how=zeros: refused for L = "
              + net.degree()
              + " >= 2: θ = 0 is a critical point (every"
              + " gradient term carries the other layers' weights), so training would never move;"
              + " use he or a file");
    }
    return new double[net.parameterCount()];
  }

  private static double[] fromFile(Network net, String name) {
    Path path;
    try {
      path = Path.of(name);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "how: '" + name + "' is neither he, zeros nor a valid path", e);
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException(
          "how: '" + name + "' is neither he, zeros nor a readable file");
    }
    int d = net.parameterCount();
    double[] theta = new double[d];
    int count = 0;
    int lineNo = 0;
    try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        lineNo++;
        String t = line.strip();
        if (t.isEmpty()) {
          continue;
        }
        double v;
        try {
          v = Double.parseDouble(t);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              path + ":" + lineNo + ": expected one double per line, got '" + t + "'", e);
        }
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException(
              path + ":" + lineNo + ": value must be finite, got " + t);
        }
        if (count == d) {
          throw new IllegalArgumentException(
              path + ":" + lineNo + ": more values than the network's d = " + d + " parameters");
        }
        theta[count++] = v;
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          path + ": cannot read initial parameters: " + e.getMessage(), e);
    }
    if (count != d) {
      throw new IllegalArgumentException(
          path + ": holds " + count + " values, the network " + net.spec() + " needs d = " + d);
    }
    return theta;
  }
}

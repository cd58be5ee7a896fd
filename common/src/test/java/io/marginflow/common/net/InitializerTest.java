package io.marginflow.common.net;

import static io.marginflow.common.testing.NumericAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitializerTest {

  /**
   * Sample variance of n ≥ 20,000 Gaussian draws has relative s.d. √(2/n) ≤ 1 %; 5 % is a 5σ band.
   */
  private static final double VARIANCE_REL_TOL = 0.05;

  @TempDir Path dir;

  @Test
  void heIsDeterministicAndSeeded() {
    Network net = Network.parse("cnn:1x8x8-conv3k3-maxpool2-dense5-dense1/bias=first");
    double[] a = Initializer.initialize(net, "he", 7);
    assertArrayEquals(a, Initializer.initialize(net, "he", 7));
    assertFalse(Arrays.equals(a, Initializer.initialize(net, "he", 8)));
    assertEquals(net.parameterCount(), a.length);
  }

  @Test
  void heVariancePerLayerAndZeroBias() {
    Network net = Network.parse("mlp:784-256-100-1/bias=first");
    double[] theta = Initializer.initialize(net, "he", 1);
    int[] fanIn = {784, 256, 100};
    int[] weights = {784 * 256, 256 * 100, 100};
    for (int l = 0; l < 2; l++) {
      ParameterBlock b = net.weightLayers().get(l);
      double s = 0;
      double mean = 0;
      for (int i = b.offset(); i < b.offset() + weights[l]; i++) {
        s += theta[i] * theta[i];
        mean += theta[i];
      }
      assertClose(
          2.0 / fanIn[l], s / weights[l], VARIANCE_REL_TOL, 0, "He variance of layer " + (l + 1));
      assertTrue(
          Math.abs(mean / weights[l]) < 5 * Math.sqrt(2.0 / fanIn[l] / weights[l]), "mean ~ 0");
    }
    ParameterBlock first = net.weightLayers().get(0);
    for (int i = first.offset() + weights[0]; i < first.offset() + first.length(); i++) {
      assertEquals(0.0, theta[i], "bias starts at 0");
    }
  }

  @Test
  void heFanInOfConvIsChannelsTimesKernel() {
    Network net = Network.parse("cnn:20x12x12-conv200k3-dense1");
    double[] theta = Initializer.initialize(net, "he", 3);
    int n = 200 * 20 * 9;
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += theta[i] * theta[i];
    }
    assertClose(2.0 / (20 * 9), s / n, VARIANCE_REL_TOL, 0, "conv He variance");
  }

  @Test
  void zerosOnlyForOneLayer() {
    assertArrayEquals(
        new double[4], Initializer.initialize(Network.parse("mlp:3-1/bias=first"), "zeros", 0));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Initializer.initialize(Network.parse("mlp:3-2-1"), "zeros", 0));
    assertTrue(e.getMessage().contains("critical point"), e.getMessage());
  }

  @Test
  void readsAFile() throws IOException {
    Path f = dir.resolve("theta.txt");
    Files.writeString(f, "1.5\n -2e-3 \n\n3\n4\n", StandardCharsets.UTF_8);
    assertArrayEquals(
        new double[] {1.5, -2e-3, 3, 4},
        Initializer.initialize(Network.parse("mlp:3-1/bias=first"), f.toString(), 0));
  }

  @Test
  void fileErrorsNameFileAndLine() throws IOException {
    Network net = Network.parse("mlp:3-1");
    Path bad = dir.resolve("bad.txt");
    Files.writeString(bad, "1\n2\nthree\n", StandardCharsets.UTF_8);
    assertMessage(net, bad, bad + ":3: expected one double per line, got 'three'");
    Path nan = dir.resolve("nan.txt");
    Files.writeString(nan, "1\nNaN\n3\n", StandardCharsets.UTF_8);
    assertMessage(net, nan, nan + ":2: value must be finite");
    Path shortFile = dir.resolve("short.txt");
    Files.writeString(shortFile, "1\n2\n", StandardCharsets.UTF_8);
    assertMessage(net, shortFile, shortFile + ": holds 2 values, the network mlp:3-1 needs d = 3");
    Path longFile = dir.resolve("long.txt");
    Files.writeString(longFile, "1\n2\n3\n4\n", StandardCharsets.UTF_8);
    assertMessage(net, longFile, longFile + ":4: more values than the network's d = 3");
    assertMessage(net, dir.resolve("missing.txt"), "neither he, zeros nor a readable file");
  }

  private static void assertMessage(Network net, Path file, String fragment) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Initializer.initialize(net, file.toString(), 0));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}

package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkSpecTest {

  @Test
  void parsesTheMlp() {
    NetworkSpec spec = NetworkSpec.parse("mlp:784-256-256-1");
    assertEquals(new InputShape(1, 1, 784), spec.input());
    assertEquals(
        List.of(new LayerSpec.Dense(256), new LayerSpec.Dense(256), new LayerSpec.Dense(1)),
        spec.layers());
    assertEquals(Activation.relu(), spec.activation());
    assertFalse(spec.firstLayerBias());
    assertEquals(3, spec.degree());
    Network net = Network.of(spec, 0.0);
    assertEquals(784 * 256 + 256 * 256 + 256, net.parameterCount());
    assertEquals(784, net.inputSize());
  }

  @Test
  void parsesLyuLiCnn() {
    NetworkSpec spec =
        NetworkSpec.parse("cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1024-dense1");
    assertEquals(4, spec.degree());
    assertEquals(
        List.of(
            new InputShape(32, 24, 24),
            new InputShape(32, 12, 12),
            new InputShape(64, 10, 10),
            new InputShape(64, 5, 5),
            InputShape.flat(1024),
            InputShape.flat(1)),
        spec.shapes());
    Network net = Network.of(spec, 0.0);
    assertEquals(32 * 25 + 64 * 32 * 9 + 1024 * 1600 + 1024, net.parameterCount());
    assertEquals(4, net.weightLayers().size());
    assertEquals(new ParameterBlock("W1:conv32k5", 0, 800), net.weightLayers().get(0));
    assertTrue(net.suggestedBlockRows() >= 16 && net.suggestedBlockRows() <= 256, "cnn block rows");
  }

  @Test
  void convAndPoolOptionsAndBias() {
    NetworkSpec spec =
        NetworkSpec.parse(
            "cnn:2x9x9-conv3k3s2p1-avgpool2s1-conv2k1-dense1/act=leaky:0.1/bias=first");
    assertEquals(new LayerSpec.Conv(3, 3, 2, 1), spec.layers().get(0));
    assertEquals(new LayerSpec.Pool(LayerSpec.PoolKind.AVG, 2, 1), spec.layers().get(1));
    assertEquals(new InputShape(3, 5, 5), spec.shapes().get(0));
    assertEquals(new InputShape(3, 4, 4), spec.shapes().get(1));
    assertEquals(Activation.leaky(0.1), spec.activation());
    assertTrue(spec.firstLayerBias());
    Network net = Network.of(spec, 0.0);
    assertEquals(
        new ParameterBlock("W1:conv3k3s2p1+b", 0, 3 * 2 * 9 + 3), net.weightLayers().get(0));
    assertEquals(3 * 2 * 9 + 3 + 2 * 3 + 32, net.parameterCount());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "mlp:784-256-256-1; mlp:784-256-256-1",
        "MLP:10-1 ; mlp:10-1",
        "mlp:10-5-1/act=relu/bias=none; mlp:10-5-1",
        "mlp:10-5-1/bias=first/act=leaky:0.25; mlp:10-5-1/act=leaky:0.25/bias=first",
        "mlp:10-5-1/act=identity; mlp:10-5-1/act=identity",
        "mlp:10-5-1/act=leaky:1e-4; mlp:10-5-1/act=leaky:1.0e-4",
        "mlp:10-5-1/bias=1; mlp:10-5-1/bias=first",
        "cnn:1x1x10-dense5-dense1; mlp:10-5-1",
        "cnn:1x28x28-conv32k5s1p0-maxpool2s2-dense1; cnn:1x28x28-conv32k5-maxpool2-dense1",
        "cnn:3x8x8-conv4k3s2p1-maxpool2s1-avgpool2-dense1; cnn:3x8x8-conv4k3s2p1-maxpool2s1-avgpool2-dense1",
        "cnn:1x6x6-maxpool2-conv1k3; cnn:1x6x6-maxpool2-conv1k3"
      })
  void canonicalFormRoundTrips(String given, String canonical) {
    NetworkSpec spec = NetworkSpec.parse(given);
    assertEquals(canonical, spec.toString());
    assertEquals(spec, NetworkSpec.parse(spec.toString()));
    assertEquals(spec.toString(), NetworkSpec.parse(spec.toString()).toString());
  }

  /** Each refused spec, with a fragment its message must contain. */
  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "mlp:10-5-1/bias=all; a bias on layer 2 breaks positive homogeneity: Φ(λw) ≠ λ^L Φ(w)",
        "mlp:10-5-5-1/bias=1,3; a bias on layer 3 breaks positive homogeneity",
        "mlp:10-1/bias=all; write bias=first",
        "mlp:10-5-1/act=sigmoid; sigmoid is not positively 1-homogeneous",
        "mlp:10-5-1/act=tanh; tanh is not positively 1-homogeneous",
        "mlp:10-5-1/act=elu; elu is not positively 1-homogeneous",
        "mlp:10-5-1/act=softplus; softplus is not positively 1-homogeneous",
        "mlp:10-5-1/act=leaky; leaky needs its slope",
        "mlp:10-5-1/act=leaky:-0.1; finite and >= 0",
        "mlp:10-5-1/act=swishy; expected relu, leaky:<a> (a >= 0) or identity",
        "cnn:1x8x8-conv3k3-batchnorm-dense1; 'batchnorm' refused: normalization",
        "cnn:1x8x8-conv3k3-dropout0.5-dense1; 'dropout0.5' refused: dropout",
        "mlp:10-5-1/weightdecay=1e-4; refused: weight decay",
        "mlp:10-5-1/dropout=0.5; refused: dropout",
        "mlp:10-5-2; output width must be 1",
        "cnn:1x8x8-conv2k3; output width must be 1",
        "cnn:1x4x4-conv3k5-dense1; layer 1 (conv3k5): kernel 5x5 is larger than the padded input 4x4 (input 1x4x4, padding 0)",
        "cnn:1x8x8-conv3k3-maxpool8-dense1; layer 2 (maxpool8): window 8x8 is larger than the input 6x6",
        "cnn:1x8x8-dense4-dense1-maxpool1; the last layer must be a weight layer",
        "cnn:1x8x8-sigmoid-dense1; 'sigmoid' refused",
        "cnn:1x8x8-conv3k0-dense1; kernel of layer 1 must be >= 1",
        "cnn:8x8-dense1; input shape CxHxW",
        "mlp:784; at least one layer",
        "mlp:10-0-1; width of layer 1 must be >= 1",
        "mlp:10-x-1; width of layer 1 must be a positive integer",
        "rnn:10-1; must start with 'mlp:' or 'cnn:'",
        "mlp:10-1/act=relu/act=relu; act given twice",
        "mlp:10-1/colour=red; unknown option",
        "mlp:10-1/bias=3; not a weight layer"
      })
  void refusesWithReason(String spec, String fragment) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse(spec));
    assertTrue(
        e.getMessage().contains(fragment), () -> "message for " + spec + " was: " + e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "mlp:", "cnn:"})
  void refusesEmpty(String spec) {
    assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse(spec));
  }

  @Test
  void recordsValidateThemselves() {
    assertThrows(IllegalArgumentException.class, () -> new LayerSpec.Conv(1, 3, 0, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new LayerSpec.Pool(LayerSpec.PoolKind.MAX, 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new Activation(Activation.Kind.RELU, 0.5));
    assertThrows(IllegalArgumentException.class, () -> Activation.leaky(Double.NaN));
    assertThrows(
        IllegalArgumentException.class,
        () -> new NetworkSpec(InputShape.flat(3), List.of(), Activation.relu(), false));
    assertThrows(
        IllegalArgumentException.class, () -> Network.of(NetworkSpec.parse("mlp:3-1"), 1.5));
    assertThrows(
        IllegalArgumentException.class, () -> Network.of(NetworkSpec.parse("mlp:3-1"), Double.NaN));
  }

  @Test
  void suggestedBlockRowsForMlps() {
    assertEquals(4096, Network.parse("mlp:784-256-256-1").suggestedBlockRows());
    int rows = Network.parse("mlp:100000-1024-1").suggestedBlockRows();
    assertTrue(rows >= 256 && rows <= 4096, "rows " + rows);
  }
}

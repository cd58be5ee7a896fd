package io.marginflow.common.net;

import java.util.stream.Stream;

/**
 * The small architectures every kernel test runs on: each activation, bias, stride, padding and
 * pool.
 */
final class NetSpecs {

  private NetSpecs() {}

  static Stream<String> all() {
    return Stream.concat(mlps(), cnns());
  }

  static Stream<String> mlps() {
    return Stream.of(
        "mlp:12-7-5-1",
        "mlp:12-7-5-1/act=leaky:0.1",
        "mlp:12-7-5-1/act=identity",
        "mlp:12-7-5-1/bias=first",
        "mlp:12-6-1/act=leaky:0.2/bias=first",
        "mlp:12-1",
        "mlp:12-1/bias=first");
  }

  static Stream<String> cnns() {
    return Stream.of(
        "cnn:1x8x8-conv3k3-maxpool2-conv4k2p1-avgpool2-dense5-dense1",
        "cnn:1x8x8-conv3k3-maxpool2-conv4k2p1-avgpool2-dense5-dense1/act=leaky:0.1/bias=first",
        "cnn:2x9x9-conv3k3s2p1-maxpool2s1-conv2k1-dense1",
        "cnn:1x7x7-conv2k3s2-avgpool2s1-conv3k2p1-dense1/bias=first",
        "cnn:1x6x6-conv2k3s3p2-dense1/act=identity",
        "cnn:1x5x5-conv2k1-maxpool3s1-conv1k3",
        "cnn:1x4x4-conv2k3-conv1k2/bias=first",
        "cnn:1x6x6-maxpool2-dense4-dense1",
        "cnn:2x3x3-dense6-dense1/bias=first");
  }
}

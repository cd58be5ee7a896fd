package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code Conv2dLayer.im2col} (the valid stride-1 fast path and the general loop) against its
 * definition, element by element: col[((c·K + kh)·K + kw)·ld + colOff + oh·OW + ow] = x(c, oh·S +
 * kh − P, ow·S + kw − P), 0 outside, for images side by side in one column matrix; entries of other
 * images are left alone.
 */
class Im2colTest {

  private static final String[] SPECS = {
    "cnn:1x28x28-conv32k5-maxpool2-conv64k3-maxpool2-dense1", // Lyu–Li's: both convs valid, S = 1
    "cnn:3x9x11-conv2k3-dense1",
    "cnn:2x9x9-conv3k3s2p1-dense1",
    "cnn:1x7x7-conv2k3s2-dense1",
    "cnn:2x6x6-conv2k3s3p2-dense1",
    "cnn:2x5x8-conv2k2p1-dense1"
  };

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 4, 5})
  void im2colIsItsDefinition(int which) {
    Network net = Network.of(NetworkSpec.parse(SPECS[which]), 0.0);
    for (Layer layer : net.layers) {
      if (layer instanceof Conv2dLayer conv) {
        check(conv, SPECS[which] + " layer " + conv.index);
      }
    }
  }

  private static void check(Conv2dLayer conv, String what) {
    int images = 3;
    int ld = images * conv.colCols;
    SplittableRandom rnd = new SplittableRandom(conv.index + 5L);
    double[] x = new double[images * conv.inSize + 7];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextGaussian();
    }
    double[] col = new double[conv.colRows * ld];
    Arrays.fill(col, Double.NaN); // every entry must be written
    for (int n = 0; n < images; n++) {
      conv.im2col(x, 7 + n * conv.inSize, col, ld, n * conv.colCols);
    }
    for (int n = 0; n < images; n++) {
      for (int c = 0; c < conv.inC; c++) {
        for (int kh = 0; kh < conv.k; kh++) {
          for (int kw = 0; kw < conv.k; kw++) {
            for (int oh = 0; oh < conv.outH; oh++) {
              for (int ow = 0; ow < conv.outW; ow++) {
                int ih = oh * conv.stride + kh - conv.pad;
                int iw = ow * conv.stride + kw - conv.pad;
                boolean inside = ih >= 0 && ih < conv.inH && iw >= 0 && iw < conv.inW;
                double expected =
                    inside ? x[7 + n * conv.inSize + (c * conv.inH + ih) * conv.inW + iw] : 0.0;
                int at =
                    ((c * conv.k + kh) * conv.k + kw) * ld + n * conv.colCols + oh * conv.outW + ow;
                assertEquals(
                    Double.doubleToRawLongBits(expected),
                    Double.doubleToRawLongBits(col[at]),
                    what + " image " + n + " (" + c + "," + kh + "," + kw + "," + oh + "," + ow
                        + ")");
              }
            }
          }
        }
      }
    }
  }
}

package io.marginflow.common.net;

import java.util.ArrayList;
import java.util.List;

/**
 * A slow, obviously correct per-row implementation of Φ(x; θ) and ∇_θΦ(x; θ) written straight from
 * the definitions with plain loops (no BLAS, no im2col, no shared code with {@link Network} beyond
 * the documented θ layout). Used as the oracle for the block kernels.
 */
final class ReferenceNetwork {

  private final NetworkSpec spec;
  private final double e;
  private final int[] offsets; // θ offset of each layer's weights (−1 for pools)
  private final boolean[] hasBias;
  private final int d;

  /** Per-layer values of the last forward: inputs[i] is the input of layer i, pre[i] its output. */
  private final List<double[]> inputs = new ArrayList<>();

  private final List<double[]> pres = new ArrayList<>();
  private final List<int[]> argmax = new ArrayList<>();

  ReferenceNetwork(NetworkSpec spec, double e) {
    this.spec = spec;
    this.e = e;
    int n = spec.layers().size();
    offsets = new int[n];
    hasBias = new boolean[n];
    InputShape in = spec.input();
    int off = 0;
    boolean first = true;
    for (int i = 0; i < n; i++) {
      LayerSpec layer = spec.layers().get(i);
      InputShape out = layer.outputShape(in, i + 1);
      if (layer instanceof LayerSpec.Dense dense) {
        offsets[i] = off;
        off += dense.width() * in.size();
        hasBias[i] = first && spec.firstLayerBias();
        off += hasBias[i] ? dense.width() : 0;
        first = false;
      } else if (layer instanceof LayerSpec.Conv conv) {
        offsets[i] = off;
        off += conv.channels() * in.channels() * conv.kernel() * conv.kernel();
        hasBias[i] = first && spec.firstLayerBias();
        off += hasBias[i] ? conv.channels() : 0;
        first = false;
      } else {
        offsets[i] = -1;
      }
      in = out;
    }
    d = off;
  }

  int parameterCount() {
    return d;
  }

  private boolean activatedAfter(int i) {
    List<LayerSpec> layers = spec.layers();
    if (!layers.get(i).hasWeights()) {
      return false;
    }
    for (int j = i + 1; j < layers.size(); j++) {
      if (layers.get(j).hasWeights()) {
        return true;
      }
    }
    return false;
  }

  private double sigma(double z) {
    Activation a = spec.activation();
    return switch (a.kind()) {
      case RELU -> z > 0 ? z : 0.0;
      case LEAKY -> z > 0 ? z : a.slope() * z;
      case IDENTITY -> z;
    };
  }

  private double sigmaPrime(double z) {
    Activation a = spec.activation();
    return switch (a.kind()) {
      case RELU -> z > 0 ? 1 : (z < 0 ? 0 : e);
      case LEAKY -> z > 0 ? 1 : (z < 0 ? a.slope() : e);
      case IDENTITY -> 1;
    };
  }

  /** Φ(x; θ) for one sample. */
  double forward(double[] x, double[] theta) {
    inputs.clear();
    pres.clear();
    argmax.clear();
    double[] a = x.clone();
    InputShape in = spec.input();
    List<LayerSpec> layers = spec.layers();
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec layer = layers.get(i);
      InputShape out = layer.outputShape(in, i + 1);
      inputs.add(a);
      double[] z = new double[out.size()];
      int[] arg = null;
      if (layer instanceof LayerSpec.Dense) {
        int w = offsets[i];
        for (int o = 0; o < out.size(); o++) {
          double s = hasBias[i] ? theta[w + out.size() * in.size() + o] : 0.0;
          for (int j = 0; j < in.size(); j++) {
            s += theta[w + o * in.size() + j] * a[j];
          }
          z[o] = s;
        }
      } else if (layer instanceof LayerSpec.Conv conv) {
        int k = conv.kernel();
        int wOff = offsets[i];
        for (int oc = 0; oc < out.channels(); oc++) {
          for (int oh = 0; oh < out.height(); oh++) {
            for (int ow = 0; ow < out.width(); ow++) {
              double s =
                  hasBias[i] ? theta[wOff + out.channels() * in.channels() * k * k + oc] : 0.0;
              for (int ic = 0; ic < in.channels(); ic++) {
                for (int kh = 0; kh < k; kh++) {
                  for (int kw = 0; kw < k; kw++) {
                    int ih = oh * conv.stride() + kh - conv.padding();
                    int iw = ow * conv.stride() + kw - conv.padding();
                    if (ih >= 0 && ih < in.height() && iw >= 0 && iw < in.width()) {
                      s +=
                          theta[wOff + ((oc * in.channels() + ic) * k + kh) * k + kw]
                              * a[(ic * in.height() + ih) * in.width() + iw];
                    }
                  }
                }
              }
              z[(oc * out.height() + oh) * out.width() + ow] = s;
            }
          }
        }
      } else {
        LayerSpec.Pool pool = (LayerSpec.Pool) layer;
        int k = pool.kernel();
        arg = new int[out.size()];
        for (int c = 0; c < out.channels(); c++) {
          for (int oh = 0; oh < out.height(); oh++) {
            for (int ow = 0; ow < out.width(); ow++) {
              int o = (c * out.height() + oh) * out.width() + ow;
              double best = Double.NEGATIVE_INFINITY;
              int bestAt = -1;
              double sum = 0;
              for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                  int p =
                      (c * in.height() + oh * pool.stride() + kh) * in.width()
                          + ow * pool.stride()
                          + kw;
                  sum += a[p];
                  if (bestAt < 0 || a[p] > best) {
                    best = a[p];
                    bestAt = p;
                  }
                }
              }
              arg[o] = bestAt;
              z[o] = pool.kind() == LayerSpec.PoolKind.MAX ? best : sum / (k * k);
            }
          }
        }
      }
      pres.add(z);
      argmax.add(arg);
      a = z.clone();
      if (activatedAfter(i)) {
        for (int j = 0; j < a.length; j++) {
          a[j] = sigma(z[j]);
        }
      }
      in = out;
    }
    return a[0];
  }

  /** ∇_θΦ(x; θ). */
  double[] gradient(double[] x, double[] theta) {
    forward(x, theta);
    double[] grad = new double[d];
    List<LayerSpec> layers = spec.layers();
    List<InputShape> shapes = spec.shapes();
    double[] dz = {1.0};
    for (int i = layers.size() - 1; i >= 0; i--) {
      LayerSpec layer = layers.get(i);
      InputShape in = i == 0 ? spec.input() : shapes.get(i - 1);
      InputShape out = shapes.get(i);
      double[] a = inputs.get(i);
      double[] da = new double[in.size()];
      if (layer instanceof LayerSpec.Dense) {
        int w = offsets[i];
        for (int o = 0; o < out.size(); o++) {
          for (int j = 0; j < in.size(); j++) {
            grad[w + o * in.size() + j] += dz[o] * a[j];
            da[j] += dz[o] * theta[w + o * in.size() + j];
          }
          if (hasBias[i]) {
            grad[w + out.size() * in.size() + o] += dz[o];
          }
        }
      } else if (layer instanceof LayerSpec.Conv conv) {
        int k = conv.kernel();
        int wOff = offsets[i];
        for (int oc = 0; oc < out.channels(); oc++) {
          for (int oh = 0; oh < out.height(); oh++) {
            for (int ow = 0; ow < out.width(); ow++) {
              double g = dz[(oc * out.height() + oh) * out.width() + ow];
              if (hasBias[i]) {
                grad[wOff + out.channels() * in.channels() * k * k + oc] += g;
              }
              for (int ic = 0; ic < in.channels(); ic++) {
                for (int kh = 0; kh < k; kh++) {
                  for (int kw = 0; kw < k; kw++) {
                    int ih = oh * conv.stride() + kh - conv.padding();
                    int iw = ow * conv.stride() + kw - conv.padding();
                    if (ih >= 0 && ih < in.height() && iw >= 0 && iw < in.width()) {
                      int wi = wOff + ((oc * in.channels() + ic) * k + kh) * k + kw;
                      int ai = (ic * in.height() + ih) * in.width() + iw;
                      grad[wi] += g * a[ai];
                      da[ai] += g * theta[wi];
                    }
                  }
                }
              }
            }
          }
        }
      } else {
        LayerSpec.Pool pool = (LayerSpec.Pool) layer;
        int k = pool.kernel();
        int[] arg = argmax.get(i);
        for (int c = 0; c < out.channels(); c++) {
          for (int oh = 0; oh < out.height(); oh++) {
            for (int ow = 0; ow < out.width(); ow++) {
              int o = (c * out.height() + oh) * out.width() + ow;
              if (pool.kind() == LayerSpec.PoolKind.MAX) {
                da[arg[o]] += dz[o];
              } else {
                for (int kh = 0; kh < k; kh++) {
                  for (int kw = 0; kw < k; kw++) {
                    int p =
                        (c * in.height() + oh * pool.stride() + kh) * in.width()
                            + ow * pool.stride()
                            + kw;
                    da[p] += dz[o] / (k * k);
                  }
                }
              }
            }
          }
        }
      }
      if (i > 0 && activatedAfter(i - 1)) {
        double[] z = pres.get(i - 1);
        for (int j = 0; j < da.length; j++) {
          da[j] *= sigmaPrime(z[j]);
        }
      }
      dz = da;
    }
    return grad;
  }

  /**
   * Distance of (x, θ) to the nearest kink: the smallest |pre-activation| of an activated unit and
   * the smallest gap between the two largest entries of a max-pool window (ties of exact zeros,
   * which ReLU produces and which do not move under small perturbations, are ignored).
   */
  double kinkDistance(double[] x, double[] theta) {
    forward(x, theta);
    double dist = Double.POSITIVE_INFINITY;
    List<LayerSpec> layers = spec.layers();
    for (int i = 0; i < layers.size(); i++) {
      if (activatedAfter(i) && spec.activation().kind() != Activation.Kind.IDENTITY) {
        for (double z : pres.get(i)) {
          dist = Math.min(dist, Math.abs(z));
        }
      }
      if (layers.get(i) instanceof LayerSpec.Pool pool && pool.kind() == LayerSpec.PoolKind.MAX) {
        InputShape in = i == 0 ? spec.input() : spec.shapes().get(i - 1);
        InputShape out = spec.shapes().get(i);
        double[] a = inputs.get(i);
        int k = pool.kernel();
        for (int c = 0; c < out.channels(); c++) {
          for (int oh = 0; oh < out.height(); oh++) {
            for (int ow = 0; ow < out.width(); ow++) {
              double top = Double.NEGATIVE_INFINITY;
              double second = Double.NEGATIVE_INFINITY;
              for (int kh = 0; kh < k; kh++) {
                for (int kw = 0; kw < k; kw++) {
                  double v =
                      a[
                          (c * in.height() + oh * pool.stride() + kh) * in.width()
                              + ow * pool.stride()
                              + kw];
                  if (v > top) {
                    second = top;
                    top = v;
                  } else if (v > second) {
                    second = v;
                  }
                }
              }
              if (k > 1 && !(top == 0.0 && second == 0.0)) {
                dist = Math.min(dist, top - second);
              }
            }
          }
        }
      }
    }
    return dist;
  }
}

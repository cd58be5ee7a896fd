package io.marginflow.common.stats;

import io.marginflow.common.loss.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Test data for {@link MarginAccumulator}: margins p_i = ⟨w, a_i⟩ of a linear model (L = 1) with
 * their subgradients a_i, block feeding, merge orders, and a slow two-pass reference.
 */
final class MarginTestData {

  final double[] margins;
  final double[][] grads;
  final double[] w;

  MarginTestData(double[] margins, double[][] grads, double[] w) {
    this.margins = margins;
    this.grads = grads;
    this.w = w;
  }

  int n() {
    return margins.length;
  }

  int d() {
    return w.length;
  }

  /** Gaussian a_i in R^d and a random w of norm {@code wNorm}: margins of both signs. */
  static MarginTestData gaussian(long seed, int n, int d, double wNorm) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] w = gaussianVector(rnd, d);
    scale(w, wNorm / norm(w));
    double[][] a = new double[n][];
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = gaussianVector(rnd, d);
      p[i] = dot(w, a[i]);
    }
    return new MarginTestData(p, a, w);
  }

  /**
   * a_i = t_i w/‖w‖² + z_i with z_i ⊥ w, so the margins are the prescribed t_i (up to rounding of
   * the dot product, which is what the accumulator receives).
   */
  static MarginTestData withMargins(long seed, double[] t, int d) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] w = gaussianVector(rnd, d);
    double ww = dot(w, w);
    double[][] a = new double[t.length][];
    double[] p = new double[t.length];
    for (int i = 0; i < t.length; i++) {
      double[] z = gaussianVector(rnd, d);
      double c = dot(z, w) / ww;
      for (int j = 0; j < d; j++) {
        z[j] += (t[i] / ww - c) * w[j];
      }
      a[i] = z;
      p[i] = dot(w, z);
    }
    return new MarginTestData(p, a, w);
  }

  /** Random block boundaries 0 = b_0 ≤ … ≤ b_k = n (empty blocks allowed). */
  static int[] randomCuts(SplittableRandom rnd, int n, int blocks) {
    int[] cuts = new int[blocks + 1];
    for (int b = 1; b < blocks; b++) {
      cuts[b] = rnd.nextInt(n + 1);
    }
    cuts[blocks] = n;
    Arrays.sort(cuts);
    return cuts;
  }

  /** Feeds rows [from, to) as one block: margins, then the block's scaled gradient. */
  void feed(MarginAccumulator acc, int from, int to) {
    Loss loss = acc.loss();
    double[] block = Arrays.copyOfRange(margins, from, to);
    acc.add(block, block.length);
    double mb = Double.NEGATIVE_INFINITY;
    for (int i = from; i < to; i++) {
      if (Double.isFinite(margins[i])) {
        mb = Math.max(mb, loss.logNegDerivative(margins[i]));
      }
    }
    double[] g = new double[d()];
    for (int i = from; i < to; i++) {
      if (Double.isFinite(margins[i])) {
        double e = Math.exp(loss.logNegDerivative(margins[i]) - mb);
        for (int j = 0; j < g.length; j++) {
          g[j] += e * grads[i][j];
        }
      }
    }
    acc.addWeightedGradient(mb, g);
  }

  /** One accumulator per block. */
  List<MarginAccumulator> perBlock(Loss loss, int[] cuts) {
    List<MarginAccumulator> list = new ArrayList<>();
    for (int b = 0; b + 1 < cuts.length; b++) {
      MarginAccumulator acc = new MarginAccumulator(loss, d());
      feed(acc, cuts[b], cuts[b + 1]);
      list.add(acc);
    }
    return list;
  }

  /** All rows in one add call. */
  MarginAccumulator oneShot(Loss loss) {
    MarginAccumulator acc = new MarginAccumulator(loss, d());
    feed(acc, 0, n());
    return acc;
  }

  static MarginAccumulator leftFold(List<MarginAccumulator> list) {
    MarginAccumulator acc = list.get(0);
    for (int i = 1; i < list.size(); i++) {
      acc.merge(list.get(i));
    }
    return acc;
  }

  static MarginAccumulator rightFold(List<MarginAccumulator> list) {
    MarginAccumulator acc = list.get(list.size() - 1);
    for (int i = list.size() - 2; i >= 0; i--) {
      acc.merge(list.get(i));
    }
    return acc;
  }

  /** Merges random pairs until one is left (an arbitrary tree, as treeAggregate may build). */
  static MarginAccumulator randomTree(List<MarginAccumulator> list, SplittableRandom rnd) {
    List<MarginAccumulator> pool = new ArrayList<>(list);
    while (pool.size() > 1) {
      MarginAccumulator a = pool.remove(rnd.nextInt(pool.size()));
      MarginAccumulator b = pool.remove(rnd.nextInt(pool.size()));
      pool.add(a.merge(b));
    }
    return pool.get(0);
  }

  /** The slow reference: two passes per statistic, plain loops, log space with the true max. */
  MarginSummary reference(Loss loss, double normPowL) {
    int n = n();
    long errors = 0;
    List<Double> finite = new ArrayList<>();
    List<Integer> finiteIdx = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!(margins[i] > 0)) {
        errors++;
      }
      if (Double.isFinite(margins[i])) {
        finite.add(margins[i]);
        finiteIdx.add(i);
      }
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sMax = Double.NEGATIVE_INFINITY;
    double lMax = Double.NEGATIVE_INFINITY;
    for (double p : finite) {
      min = Math.min(min, p);
      max = Math.max(max, p);
      sMax = Math.max(sMax, loss.logNegDerivative(p));
      lMax = Math.max(lMax, loss.logLoss(p));
    }
    double sumS = 0;
    double sumL = 0;
    for (double p : finite) {
      sumS += Math.exp(loss.logNegDerivative(p) - sMax);
      sumL += Math.exp(loss.logLoss(p) - lMax);
    }
    double sumLambda2 = 0;
    double lambdaMargin = 0;
    double[] grad = new double[d()];
    for (int i : finiteIdx) {
      double lambda = Math.exp(loss.logNegDerivative(margins[i]) - sMax) / sumS;
      sumLambda2 += lambda * lambda;
      lambdaMargin += lambda * margins[i];
      for (int j = 0; j < grad.length; j++) {
        grad[j] += lambda * grads[i][j];
      }
    }
    double logSumLoss = lMax + Math.log(sumL);
    long[] near = new long[7];
    for (int j = 1; j <= 7; j++) {
      for (double p : finite) {
        if (p < min + j * Math.log(10.0)) {
          near[j - 1]++;
        }
      }
    }
    return new MarginSummary(
        n,
        logSumLoss - Math.log(n),
        logSumLoss,
        (double) errors / n,
        min,
        max,
        min / normPowL,
        loss.smoothedMarginNumerator(logSumLoss) / normPowL,
        referenceQuantiles(finite, normPowL),
        near,
        1.0 / sumLambda2,
        sMax + Math.log(sumS),
        lambdaMargin,
        grad,
        finite.size() < n);
  }

  /**
   * By definition: smallest v with #{x ≤ v}·10⁴ ≥ level·n, by a linear scan of the sorted values.
   */
  static MarginQuantiles referenceQuantiles(List<Double> values, double normPowL) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    long n = sorted.length;
    double[] q = new double[8];
    int[] levels = {0, 100, 500, 2500, 5000, 7500, 9500, 10000};
    for (int j = 0; j < levels.length; j++) {
      int k = 0;
      while ((k + 1) * 10_000L < (long) levels[j] * n) {
        k++;
      }
      q[j] = sorted[k] / normPowL;
    }
    return MarginQuantiles.of(q);
  }

  static double[] gaussianVector(SplittableRandom rnd, int d) {
    double[] v = new double[d];
    for (int j = 0; j < d; j++) {
      v[j] = gaussian(rnd);
    }
    return v;
  }

  static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      s += a[j] * b[j];
    }
    return s;
  }

  static double norm(double[] a) {
    return Math.sqrt(dot(a, a));
  }

  static void scale(double[] a, double c) {
    for (int j = 0; j < a.length; j++) {
      a[j] *= c;
    }
  }
}

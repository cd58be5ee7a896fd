package io.marginflow.common.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marginflow.common.train.BatchGradient;
import io.marginflow.common.train.Norms;
import io.marginflow.common.train.ParameterUpdate;
import io.marginflow.common.train.PassThreads;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The update's passes over θ spread over threads: θ, every measurement, the merged G and the handed
 * layer norms have the bits of one thread, and the sums have the chunked forms of {@link Norms} and
 * {@link LayerNormsHandoff#frobenius} — on networks whose layers cross {@link SumChunks} chunks.
 */
class ThreadedUpdateTest {

  /** 9 chunks (two threads' worth at 4 per thread); layer 2 starts inside chunk 8. */
  private static final String NINE_CHUNKS = "mlp:400-350-1";

  /** 18 chunks (four threads' worth), three layers, boundaries anywhere. */
  private static final String EIGHTEEN_CHUNKS = "mlp:600-400-129-1";

  @Test
  void anUpdateOnSeveralThreadsHasTheBitsOfOneThread() {
    for (String spec : new String[] {NINE_CHUNKS, EIGHTEEN_CHUNKS}) {
      Network net = Network.parse(spec);
      int d = net.parameterCount();
      // ≥ 8 chunks: the passes really go to two or more threads (4 chunks at least per thread).
      assertTrue(SumChunks.count(d) >= 8, spec + ": chunks for two threads");
      for (boolean deferred : new boolean[] {false, true}) {
        double[] start = gaussian(d, 0.7, 11);
        double[] ga = gaussian(d, 1.0, 12);
        double[] gb = gaussian(d, 1.0, 13);
        double logGamma = Math.log(0.05);
        double[] wantTheta = null;
        ParameterUpdate.Result want = null;
        double[] wantNorms = null;
        double[] wantG = null;
        for (int threads = 1; threads <= 5; threads++) {
          String where = spec + (deferred ? " deferred" : " merged") + ", " + threads + " threads";
          double[] theta = start.clone();
          BatchGradient sum = sum(d, ga, gb, deferred);
          LayerNormsHandoff handoff = new LayerNormsHandoff(net.weightLayers());
          ParameterUpdate.Result r;
          try (PassThreads pass = PassThreads.create(threads, "test-update")) {
            r = ParameterUpdate.apply(theta, sum, logGamma, net.degree(), handoff, pass);
          }
          double[] norms = handoff.take(theta).clone();
          if (threads == 1) {
            wantTheta = theta;
            want = r;
            wantNorms = norms;
            wantG = sum.gradient();
            // The sums have the chunked one-sum forms.
            assertEquals(bits(Norms.l2(start)), bits(r.normBefore()), where + ": ‖θ‖");
            double[] g = sum.gradient();
            double scale = Math.sqrt(r.radialStepTerm() / sq(Norms.l2(g)));
            assertEquals(
                scale * Norms.perpendicularNorm(g, start) / r.normBefore(),
                r.tangentialStep(),
                1e-12 * r.tangentialStep(),
                where + ": tangential step");
            for (int l = 0; l < handoff.layers(); l++) {
              assertEquals(
                  bits(LayerNormsHandoff.frobenius(theta, handoff.offset(l), handoff.length(l))),
                  bits(norms[l]),
                  where + ": layer " + l + "'s handed norm");
            }
            continue;
          }
          assertArrayEquals(wantTheta, theta, where + ": θ");
          assertEquals(want, r, where + ": measurements");
          assertArrayEquals(wantNorms, norms, where + ": handed layer norms");
          assertArrayEquals(wantG, sum.gradient(), where + ": G");
        }
      }
    }
  }

  @Test
  void theMeasurementsAreTheChunkedOneSumForms() {
    Network net = Network.parse(EIGHTEEN_CHUNKS);
    int d = net.parameterCount();
    double[] theta = gaussian(d, 0.3, 21);
    double[] g = gaussian(d, 2.0, 22);
    double[] before = theta.clone();
    ParameterUpdate.Result r;
    try (PassThreads pass = PassThreads.create(3, "test-update")) {
      r =
          ParameterUpdate.apply(
              theta,
              BatchGradient.restore(d, 10, 0.0, 0.0, 1.0, 0.5, false, g.clone()),
              0,
              2,
              null,
              pass);
    }
    double scale = Math.exp(0.0 + 0.0 - Math.log(10));
    assertEquals(bits(Math.sqrt(chunkedSquares(before))), bits(r.normBefore()), "‖θ‖");
    assertEquals(bits(scale * scale * chunkedSquares(g)), bits(r.radialStepTerm()), "‖Δ‖²");
    for (int j = 0; j < d; j++) {
      assertEquals(bits(before[j] + scale * g[j]), bits(theta[j]), "θ[" + j + "]");
    }
  }

  /** Σ v_i² chunk by chunk, each chunk copied out and summed alone: the slow reference. */
  private static double chunkedSquares(double[] v) {
    double total = 0;
    for (int from = 0; from < v.length; from += SumChunks.CHUNK) {
      double[] chunk =
          java.util.Arrays.copyOfRange(v, from, Math.min(v.length, from + SumChunks.CHUNK));
      double s = 0;
      for (double x : chunk) {
        s += x * x;
      }
      total += s;
    }
    return total;
  }

  private static BatchGradient sum(int d, double[] ga, double[] gb, boolean deferred) {
    BatchGradient a = BatchGradient.restore(d, 40, -1.5, -1.5, 1.0, 0.25, false, ga.clone());
    BatchGradient b = BatchGradient.restore(d, 60, -1.0, -1.0, 1.0, 0.5, false, gb.clone());
    return deferred ? a.mergeDeferred(b) : a.mergeTaking(b);
  }

  private static double[] gaussian(int d, double sd, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[d];
    for (int i = 0; i < d; i++) {
      v[i] = sd * r.nextGaussian();
    }
    return v;
  }

  private static double sq(double x) {
    return x * x;
  }

  private static long bits(double x) {
    return Double.doubleToRawLongBits(x);
  }
}

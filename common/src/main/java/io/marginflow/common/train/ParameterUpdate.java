package io.marginflow.common.train;

import io.marginflow.common.net.LayerNormsHandoff;
import io.marginflow.common.net.SumChunks;

/**
 * Applies one SGD step on the driver (science.md §3): w_{k+1} = w_k − (γ/n_b) Σ_{B_k} ℓ'(p_i) a_i =
 * w_k + e^{log γ + F − log n_b}·G, with G and F from {@link BatchGradient}, and measures the step:
 * the two radial terms of the paper's eq. 30 (so that ‖w_{k+1}‖² = ‖w_k‖² + radialLossTerm +
 * radialStepTerm exactly up to rounding), ‖Δ‖ and its tangential part ‖(I − u uᵀ)Δ‖/‖w‖.
 */
public final class ParameterUpdate {

  /**
   * Fewest chunks a pass hands to one thread (4 · 16,384 entries): below that the hand-off costs
   * more than the thread saves, and a loaded driver may not schedule the thread at once.
   */
  static final int CHUNKS_PER_THREAD = 4;

  private ParameterUpdate() {}

  /**
   * What a step did.
   *
   * @param logGamma log γ_k
   * @param normBefore ‖w_k‖
   * @param radialLossTerm −(2Lγ/n_b)‖w_k‖^L Σ ℓ'(p_i) p_i(u_k) = 2L·e^{logScale}·Σ e^{s_i−F} p_i
   * @param radialStepTerm (γ/n_b)²‖Σ ℓ'(p_i) a_i‖² = ‖Δ‖²
   * @param stepNorm ‖Δ‖
   * @param tangentialStep ‖Δ − ⟨Δ,u⟩u‖/‖w_k‖
   * @param logEffectiveStep log of the minibatch estimate (γ/n_b)‖w‖^{L−2} Σ_B|ℓ'(p_i)| of γ̄_k
   * @param thetaFinite whether every entry of w_{k+1} is finite (checked in the update's pass)
   * @param gradientFinite whether every entry of G is finite (checked in the first pass; the caller
   *     refuses the step when it is not)
   */
  public record Result(
      double logGamma,
      double normBefore,
      double radialLossTerm,
      double radialStepTerm,
      double stepNorm,
      double tangentialStep,
      double logEffectiveStep,
      boolean thetaFinite,
      boolean gradientFinite) {}

  /**
   * Updates {@code theta} in place (it is the only argument modified) and returns the step's
   * measurements. {@code batchSize} is n_b (the number of rows summed), {@code degree} is L.
   */
  public static Result apply(double[] theta, BatchGradient sum, double logGamma, int degree) {
    return apply(theta, sum, logGamma, degree, null, PassThreads.ONE);
  }

  /**
   * As {@link #apply(double[], BatchGradient, double, int)}, also leaving the layer norms of the
   * new θ in {@code nextNorms} (when not null), summed in the pass that writes θ, and publishing
   * them for this θ.
   */
  public static Result apply(
      double[] theta, BatchGradient sum, double logGamma, int degree, LayerNormsHandoff nextNorms) {
    return apply(theta, sum, logGamma, degree, nextNorms, PassThreads.ONE);
  }

  /**
   * As {@link #apply(double[], BatchGradient, double, int, LayerNormsHandoff)}, each pass over θ's
   * chunks spread over {@code threads}: the same bits on any number of threads.
   */
  public static Result apply(
      double[] theta,
      BatchGradient sum,
      double logGamma,
      int degree,
      LayerNormsHandoff nextNorms,
      PassThreads threads) {
    long nb = sum.count();
    if (nb == 0) {
      throw new IllegalStateException("empty minibatch: no rows were summed");
    }
    double logScale = logGamma + sum.logFrame() - Math.log(nb);
    double scale = Math.exp(logScale);
    // Two passes over θ and G instead of five (the driver's per-step cost on large models; sums
    // like these are bound by the latency of their adds, so three in one loop cost one): each sum
    // is formed as its one-sum form in Norms forms it — ‖θ‖², ‖G‖², and ⟨G,θ⟩ and ‖G − cθ‖² as
    // Norms#perpendicularNorm(G, θ) — chunk by chunk (SumChunks), so the bits are the same and the
    // chunks may go to several threads. The first pass also does a merge left pending
    // (BatchGradient#mergeDeferred) and checks that G is finite.
    int chunks = SumChunks.count(theta.length);
    BatchGradient.PendingCombine pending = sum.pending();
    double[] g = pending != null ? pending.into() : sum.gradient();
    FirstPass first = new FirstPass(theta, g, pending, chunks);
    threads.run(chunks, CHUNKS_PER_THREAD, first::chunks);
    first.fold();
    if (pending != null) {
      sum.settle(first.gradientFinite());
    }
    double normSq = first.normSq;
    double gSq = first.gSq;
    double gTheta = first.gTheta;
    double norm = Math.sqrt(normSq);
    double stepSq = scale * scale * gSq;
    double stepNorm = Math.sqrt(stepSq);
    // ‖Δ − ⟨Δ,u⟩u‖ = scale·‖G − ⟨G,u⟩u‖, from the orthogonal part itself (no cancellation as Δ
    // turns radial, which is exactly the late stage), summed in the pass that updates θ.
    double c = gTheta / normSq;
    SecondPass second = new SecondPass(theta, g, scale, c, nextNorms, chunks);
    threads.run(chunks, CHUNKS_PER_THREAD, second::chunks);
    second.fold();
    double perpSq = second.perpSq;
    double zeroUnlessNonFinite = second.zeroUnlessNonFinite;
    double tangential = norm > 0 ? scale * Math.sqrt(perpSq) : Double.NaN;
    double radialLoss = 2.0 * degree * scale * sum.weightedMarginSum();
    double logEff = EffectiveStep.log(logGamma, nb, degree, norm, sum.logSumNegDerivative());
    return new Result(
        logGamma,
        norm,
        radialLoss,
        stepSq,
        stepNorm,
        tangential / norm,
        logEff,
        zeroUnlessNonFinite == 0.0,
        first.gradientFinite());
  }

  /**
   * The second pass: θ ← θ + scale·G, ‖G − cθ‖² and the finiteness of the new θ, summed chunk by
   * chunk; inside a weight layer also the new entries' squares, four interleaved sums per piece of
   * the layer in a chunk, which make its norm as {@link LayerNormsHandoff} forms it.
   */
  private static final class SecondPass {
    private final double[] theta;
    private final double[] g;
    private final double scale;
    private final double c;
    private final LayerNormsHandoff norms;
    private final double[] perpByChunk;
    private final double[] zeroByChunk;

    /** The first of {@code norms}' pieces in each chunk (and the piece count at the end). */
    private final int[] firstPiece;

    private final double[] pieceSquares;

    double perpSq;

    /** w·0 is NaN exactly for NaN and ±∞, and NaN sticks. */
    double zeroUnlessNonFinite;

    SecondPass(
        double[] theta, double[] g, double scale, double c, LayerNormsHandoff norms, int chunks) {
      this.theta = theta;
      this.g = g;
      this.scale = scale;
      this.c = c;
      this.norms = norms;
      this.perpByChunk = new double[chunks];
      this.zeroByChunk = new double[chunks];
      int pieces = norms == null ? 0 : norms.pieces();
      this.pieceSquares = new double[pieces];
      this.firstPiece = new int[chunks + 1];
      // Pieces are in θ's order and never cross a chunk boundary: a chunk's run is contiguous.
      int q = 0;
      for (int k = 0; k < chunks; k++) {
        firstPiece[k] = q;
        int end = SumChunks.end(k, theta.length);
        while (q < pieces && norms.pieceFrom(q) < end) {
          q++;
        }
      }
      firstPiece[chunks] = pieces;
    }

    /** Chunks [from, to). */
    void chunks(int from, int to) {
      for (int k = from; k < to; k++) {
        int at = SumChunks.start(k);
        for (int q = firstPiece[k]; q < firstPiece[k + 1]; q++) {
          run(k, at, norms.pieceFrom(q));
          runLayer(k, q);
          at = norms.pieceTo(q);
        }
        run(k, at, SumChunks.end(k, theta.length));
      }
    }

    /** The chunks' sums added in order; the layer norms set and published. */
    void fold() {
      perpSq = SumChunks.fold(perpByChunk);
      zeroUnlessNonFinite = SumChunks.fold(zeroByChunk);
      if (norms == null) {
        return;
      }
      int q = 0;
      for (int l = 0; l < norms.layers(); l++) {
        double total = 0;
        for (; q < pieceSquares.length && norms.pieceLayer(q) == l; q++) {
          total += pieceSquares[q];
        }
        norms.setSquares(l, total);
      }
      norms.publish(theta);
    }

    private void run(int k, int from, int to) {
      double p = perpByChunk[k];
      double z = zeroByChunk[k];
      for (int j = from; j < to; j++) {
        double r = g[j] - c * theta[j];
        p += r * r;
        theta[j] += scale * g[j];
        z += theta[j] * 0.0;
      }
      perpByChunk[k] = p;
      zeroByChunk[k] = z;
    }

    private void runLayer(int k, int q) {
      int end = norms.pieceTo(q);
      double p = perpByChunk[k];
      double z = zeroByChunk[k];
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      int j = norms.pieceFrom(q);
      for (; j + 3 < end; j += 4) {
        double r0 = g[j] - c * theta[j];
        p += r0 * r0;
        double t0 = theta[j] + scale * g[j];
        theta[j] = t0;
        z += t0 * 0.0;
        double r1 = g[j + 1] - c * theta[j + 1];
        p += r1 * r1;
        double t1 = theta[j + 1] + scale * g[j + 1];
        theta[j + 1] = t1;
        z += t1 * 0.0;
        double r2 = g[j + 2] - c * theta[j + 2];
        p += r2 * r2;
        double t2 = theta[j + 2] + scale * g[j + 2];
        theta[j + 2] = t2;
        z += t2 * 0.0;
        double r3 = g[j + 3] - c * theta[j + 3];
        p += r3 * r3;
        double t3 = theta[j + 3] + scale * g[j + 3];
        theta[j + 3] = t3;
        z += t3 * 0.0;
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      for (; j < end; j++) {
        double r = g[j] - c * theta[j];
        p += r * r;
        double t = theta[j] + scale * g[j];
        theta[j] = t;
        z += t * 0.0;
        s0 += t * t;
      }
      perpByChunk[k] = p;
      zeroByChunk[k] = z;
      pieceSquares[q] = (s0 + s1) + (s2 + s3);
    }
  }

  /**
   * The first pass: ‖θ‖², ‖G‖², ⟨G,θ⟩ and whether G came out finite, chunk by chunk, doing a
   * pending combine g ← a·g + b·o (the entries of BatchGradient's merge, same bits) on the way.
   */
  private static final class FirstPass {
    private final double[] theta;
    private final double[] g;
    private final BatchGradient.PendingCombine pending;
    private final double[] normSqByChunk;
    private final double[] gSqByChunk;
    private final double[] gThetaByChunk;
    private final double[] zeroByChunk;

    double normSq;
    double gSq;
    double gTheta;

    /** Σ of u·0 over G's entries: 0 exactly when every entry is finite (NaN sticks). */
    private double zeroUnlessNonFinite;

    FirstPass(double[] theta, double[] g, BatchGradient.PendingCombine pending, int chunks) {
      this.theta = theta;
      this.g = g;
      this.pending = pending;
      this.normSqByChunk = new double[chunks];
      this.gSqByChunk = new double[chunks];
      this.gThetaByChunk = new double[chunks];
      this.zeroByChunk = new double[chunks];
    }

    /** Chunks [from, to). */
    void chunks(int from, int to) {
      for (int k = from; k < to; k++) {
        if (pending != null) {
          combineAndSum(k, SumChunks.start(k), SumChunks.end(k, theta.length));
        } else {
          sum(k, SumChunks.start(k), SumChunks.end(k, theta.length));
        }
      }
    }

    void fold() {
      normSq = SumChunks.fold(normSqByChunk);
      gSq = SumChunks.fold(gSqByChunk);
      gTheta = SumChunks.fold(gThetaByChunk);
      zeroUnlessNonFinite = SumChunks.fold(zeroByChunk);
    }

    private void sum(int k, int from, int to) {
      double ns = 0;
      double gs = 0;
      double gt = 0;
      double z0 = 0;
      for (int j = from; j < to; j++) {
        ns += theta[j] * theta[j];
        gs += g[j] * g[j];
        gt += g[j] * theta[j];
        z0 += g[j] * 0.0;
      }
      normSqByChunk[k] = ns;
      gSqByChunk[k] = gs;
      gThetaByChunk[k] = gt;
      zeroByChunk[k] = z0;
    }

    private void combineAndSum(int k, int from, int to) {
      double[] o = pending.other();
      double a = pending.a();
      double b = pending.b();
      double ns = 0;
      double gs = 0;
      double gt = 0;
      double z0 = 0;
      for (int j = from; j < to; j++) {
        double u = a * g[j] + b * o[j];
        g[j] = u;
        ns += theta[j] * theta[j];
        gs += u * u;
        gt += u * theta[j];
        z0 += u * 0.0;
      }
      normSqByChunk[k] = ns;
      gSqByChunk[k] = gs;
      gThetaByChunk[k] = gt;
      zeroByChunk[k] = z0;
    }

    boolean gradientFinite() {
      return zeroUnlessNonFinite == 0.0;
    }
  }
}

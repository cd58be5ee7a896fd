package io.marginflow.common.train;

import io.marginflow.common.net.LayerNormsHandoff;

/**
 * Applies one SGD step on the driver (science.md §3): w_{k+1} = w_k − (γ/n_b) Σ_{B_k} ℓ'(p_i) a_i =
 * w_k + e^{log γ + F − log n_b}·G, with G and F from {@link BatchGradient}, and measures the step:
 * the two radial terms of the paper's eq. 30 (so that ‖w_{k+1}‖² = ‖w_k‖² + radialLossTerm +
 * radialStepTerm exactly up to rounding), ‖Δ‖ and its tangential part ‖(I − u uᵀ)Δ‖/‖w‖.
 */
public final class ParameterUpdate {

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
    return apply(theta, sum, logGamma, degree, null);
  }

  /**
   * As {@link #apply(double[], BatchGradient, double, int)}, also leaving the layer norms of the
   * new θ in {@code nextNorms} (when not null), summed in the pass that writes θ, and publishing
   * them for this θ.
   */
  public static Result apply(
      double[] theta, BatchGradient sum, double logGamma, int degree, LayerNormsHandoff nextNorms) {
    long nb = sum.count();
    if (nb == 0) {
      throw new IllegalStateException("empty minibatch: no rows were summed");
    }
    double logScale = logGamma + sum.logFrame() - Math.log(nb);
    double scale = Math.exp(logScale);
    // Two passes over θ and G instead of five (the driver's per-step cost on large models; sums
    // like these are bound by the latency of their adds, so three in one loop cost one): each sum
    // runs over j in the order of its one-sum form — ‖θ‖², ‖G‖², and ⟨G,θ⟩ and ‖G − cθ‖² as
    // Norms#perpendicularNorm(G, θ) forms them, whose ‖w‖² is ‖θ‖² — so the bits are the same.
    // The first pass also does a merge left pending (BatchGradient#mergeDeferred) and checks that
    // G is finite.
    FirstPass first = new FirstPass();
    BatchGradient.PendingCombine pending = sum.pending();
    double[] g;
    if (pending != null) {
      g = pending.into();
      first.combineAndSum(theta, pending);
      sum.settle(first.gradientFinite());
    } else {
      g = sum.gradient();
      first.sum(theta, g);
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
    SecondPass second = new SecondPass(theta, g, scale, c);
    if (nextNorms == null) {
      second.run(0, theta.length);
    } else {
      int at = 0;
      for (int l = 0; l < nextNorms.layers(); l++) {
        second.run(at, nextNorms.offset(l));
        second.runLayer(nextNorms, l);
        at = nextNorms.offset(l) + nextNorms.length(l);
      }
      second.run(at, theta.length);
      nextNorms.publish(theta);
    }
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
   * The second pass: θ ← θ + scale·G, ‖G − cθ‖² and the finiteness of the new θ, summed over j in
   * order across the calls; in a layer ({@link #runLayer}) also its new entries' four interleaved
   * sums of squares, which make its norm as {@link LayerNormsHandoff} forms it.
   */
  private static final class SecondPass {
    private final double[] theta;
    private final double[] g;
    private final double scale;
    private final double c;
    double perpSq;

    /** w·0 is NaN exactly for NaN and ±∞, and NaN sticks. */
    double zeroUnlessNonFinite;

    SecondPass(double[] theta, double[] g, double scale, double c) {
      this.theta = theta;
      this.g = g;
      this.scale = scale;
      this.c = c;
    }

    void run(int from, int to) {
      double p = perpSq;
      double z = zeroUnlessNonFinite;
      for (int j = from; j < to; j++) {
        double r = g[j] - c * theta[j];
        p += r * r;
        theta[j] += scale * g[j];
        z += theta[j] * 0.0;
      }
      perpSq = p;
      zeroUnlessNonFinite = z;
    }

    void runLayer(LayerNormsHandoff norms, int l) {
      int off = norms.offset(l);
      int end = off + norms.length(l);
      double p = perpSq;
      double z = zeroUnlessNonFinite;
      double s0 = 0;
      double s1 = 0;
      double s2 = 0;
      double s3 = 0;
      int j = off;
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
      perpSq = p;
      zeroUnlessNonFinite = z;
      norms.set(l, s0, s1, s2, s3);
    }
  }

  /** The sums of the first pass, and whether G came out finite. */
  private static final class FirstPass {
    double normSq;
    double gSq;
    double gTheta;

    /** Σ of u·0 over G's entries: 0 exactly when every entry is finite (NaN sticks). */
    private double zeroUnlessNonFinite;

    void sum(double[] theta, double[] g) {
      double ns = 0;
      double gs = 0;
      double gt = 0;
      double z0 = 0;
      for (int j = 0; j < theta.length; j++) {
        ns += theta[j] * theta[j];
        gs += g[j] * g[j];
        gt += g[j] * theta[j];
        z0 += g[j] * 0.0;
      }
      normSq = ns;
      gSq = gs;
      gTheta = gt;
      zeroUnlessNonFinite = z0;
    }

    /**
     * g ← a·g + b·o (the entries of BatchGradient's merge, same bits) and the sums over the new g,
     * in one pass.
     */
    void combineAndSum(double[] theta, BatchGradient.PendingCombine c) {
      double[] g = c.into();
      double[] o = c.other();
      double a = c.a();
      double b = c.b();
      double ns = 0;
      double gs = 0;
      double gt = 0;
      double z0 = 0;
      for (int j = 0; j < theta.length; j++) {
        double u = a * g[j] + b * o[j];
        g[j] = u;
        ns += theta[j] * theta[j];
        gs += u * u;
        gt += u * theta[j];
        z0 += u * 0.0;
      }
      normSq = ns;
      gSq = gs;
      gTheta = gt;
      zeroUnlessNonFinite = z0;
    }

    boolean gradientFinite() {
      return zeroUnlessNonFinite == 0.0;
    }
  }
}

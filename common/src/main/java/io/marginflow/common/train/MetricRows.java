package io.marginflow.common.train;

import io.marginflow.common.net.Network;
import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MarginQuantiles;
import io.marginflow.common.stats.MarginSummary;
import io.marginflow.common.stats.MetricsJson;
import io.marginflow.common.stats.StepRow;
import java.util.List;

/**
 * Builds the metric rows of science.md §5/§7 from what a step or an evaluation measured. The
 * stationarity quantities use u = w/‖w‖ and a_i(u) = a_i(w)/‖w‖^{L−1} (Euler-type homogeneity of
 * the subgradient oracle), so ḡ(u) = ḡ(w)/‖w‖^{L−1}.
 */
public final class MetricRows {

  private MetricRows() {}

  /** The per-step row of step k (the update w_k → w_{k+1}). */
  public static StepRow stepRow(
      long k, ParameterUpdate.Result r, BatchGradient sum, double wallMs) {
    return new StepRow(
        MetricsJson.SCHEMA,
        k,
        Math.exp(r.logGamma()),
        sum.logFrame() - Math.log(sum.count()),
        sum.minMargin(),
        r.normBefore(),
        r.radialLossTerm(),
        r.radialStepTerm(),
        r.stepNorm(),
        r.tangentialStep(),
        wallMs,
        r.logGamma(),
        r.logEffectiveStep());
  }

  /**
   * The evaluation row of one split at step k. {@code logGamma} and {@code odeTime} are NaN for the
   * test split (the effective step is a training-set quantity); {@code previousTheta} may be null.
   */
  public static EvalRow evalRow(
      long k,
      String split,
      Network network,
      double[] theta,
      MarginSummary s,
      double marginChangeSup,
      double[] previousTheta,
      double logGamma,
      long n,
      double odeTime,
      List<String> flags) {
    int degree = network.degree();
    double norm = Norms.l2(theta);
    double normPowL = Math.pow(norm, degree);
    double[] layerNorms = network.layerNorms(theta);
    double product = 1;
    double[] balance = new double[layerNorms.length];
    for (int l = 0; l < layerNorms.length; l++) {
      product *= layerNorms[l];
      balance[l] = layerNorms[l] * layerNorms[l] - layerNorms[0] * layerNorms[0];
    }
    // ḡ(u) = ḡ(w)/‖w‖^{L−1}; ⟨ḡ(u), u⟩ = ⟨ḡ(w), w⟩/‖w‖^L.
    double[] gw = s.lambdaGradient();
    double gNormW = Norms.l2(gw);
    double scale = Math.pow(norm, degree - 1);
    double gDotU = Norms.dot(gw, theta) / normPowL;
    double gNorm = gNormW / scale;
    double lambdaMarginU = s.lambdaMargin() / normPowL;
    double euler = gDotU - degree * lambdaMarginU;
    // ‖ḡ(u) − ⟨ḡ(u),u⟩u‖ = ‖ḡ(w) − ⟨ḡ(w),u⟩u‖/‖w‖^{L−1}, from that vector (science.md §5 item 7).
    double tangential = Norms.perpendicularNorm(gw, theta) / scale;
    double tangentialRel = gNorm > 0 ? tangential / gNorm : Double.NaN;
    double alignment = gNorm > 0 ? gDotU / gNorm : Double.NaN;
    double directionChange = Double.NaN;
    if (previousTheta != null) {
      double pn = Norms.l2(previousTheta);
      double d = 0;
      for (int j = 0; j < theta.length; j++) {
        double diff = theta[j] / norm - previousTheta[j] / pn;
        d += diff * diff;
      }
      directionChange = Math.sqrt(d);
    }
    double logEffective = EffectiveStep.log(logGamma, n, degree, norm, s.logSumNegDerivative());
    boolean atOrigin = !(normPowL > 0);
    double nan = Double.NaN;
    return new EvalRow(
        MetricsJson.SCHEMA,
        k,
        split,
        s.n(),
        s.logLoss(),
        s.errorRate(),
        norm,
        normPowL,
        layerNorms,
        product,
        balance,
        s.minMargin(),
        s.maxMargin(),
        atOrigin ? nan : s.normalizedMargin(),
        atOrigin ? nan : s.minMargin() / product,
        atOrigin ? nan : s.smoothedMargin(),
        atOrigin ? MarginQuantiles.NOT_AVAILABLE : s.quantiles(),
        s.nearSupport(),
        s.effectiveSupport(),
        logEffective,
        odeTime,
        atOrigin ? nan : euler,
        atOrigin ? nan : tangential,
        atOrigin ? nan : tangentialRel,
        atOrigin ? nan : alignment,
        directionChange,
        previousTheta == null ? Double.NaN : marginChangeSup,
        List.copyOf(flags));
  }
}

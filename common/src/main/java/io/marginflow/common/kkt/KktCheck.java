package io.marginflow.common.kkt;

import io.marginflow.common.data.RowBlock;
import io.marginflow.common.format.KktReport;
import io.marginflow.common.loss.Loss;
import io.marginflow.common.net.Network;
import io.marginflow.common.net.Workspace;
import io.marginflow.common.stats.MarginSummary;
import io.marginflow.common.train.EvaluationPass;
import io.marginflow.common.train.Norms;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The KKT check of a direction (experiment E3; science.md §4: the limit directions are Lyu–Li's KKT
 * directions of the normalized margin). At θ with u = θ/‖θ‖: the near-support S = {i : p_i(u) ≤
 * m(u) + t·|m(u)|} for a relative tolerance t; then two non-negative least-squares fits over the
 * subgradients a_i(u), i ∈ S, by {@link Nnls}:
 *
 * <ul>
 *   <li>the KKT residual min_{λ≥0} ‖u − Σ_S λ_i a_i(u)‖ — 0 exactly when u is a KKT direction
 *       supported on S (for L = 1: u is the hard-margin SVM direction and λ its dual variables over
 *       ‖w_SVM‖); by Euler's identity L·Σ λ_i p_i(u) = ⟨Σ λ_i a_i(u), u⟩ ≈ 1 then;
 *   <li>the ḡ residual min_{μ≥0} ‖ḡ − Σ_S μ_i a_i(u)‖/‖ḡ‖ with ḡ = Σ_i λ_i a_i(u) over all rows, λ
 *       = softmax(log|ℓ'(p(θ))|) (science.md §5 item 7): small when the loss weight sits on S.
 * </ul>
 *
 * The per-row work is split so that a distributed caller can run {@link #evaluate} and {@link
 * #nearSupport} per partition and {@link #solve} on the gathered rows; {@link #check} does all of
 * it over in-memory blocks.
 */
public final class KktCheck {

  private KktCheck() {}

  /**
   * The options.
   *
   * @param tolerance relative tolerance t ≥ 0 of the near-support
   * @param maxSupport most rows S may hold (the a_i(u) are d-vectors held at once)
   * @param top how many rows to report
   */
  public record Options(double tolerance, int maxSupport, int top) {
    /** Validates t finite ≥ 0, maxSupport ≥ 1, top ≥ 0. */
    public Options {
      if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
        throw new IllegalArgumentException(
            "tolerance: expected a finite number ≥ 0, got " + tolerance);
      }
      if (maxSupport < 1) {
        throw new IllegalArgumentException("max-support: expected ≥ 1, got " + maxSupport);
      }
      if (top < 0) {
        throw new IllegalArgumentException("top: expected ≥ 0, got " + top);
      }
    }
  }

  /**
   * Adds one block to a full-data evaluation at θ (margins and ḡ(w), as the training evaluation
   * computes them); {@code pass} is modified and returned.
   */
  public static EvaluationPass evaluate(
      EvaluationPass pass, Network network, Loss loss, RowBlock block, double[] theta) {
    int m = block.rows();
    Workspace ws = network.newWorkspace();
    return pass.addBlock(
        network,
        loss,
        block,
        theta,
        1.0,
        null,
        Double.NaN,
        ws,
        new double[m],
        new double[m],
        new double[network.parameterCount()]);
  }

  /**
   * The raw-margin threshold of the near-support: m(θ) + t·|m(θ)| (relative tolerances are the same
   * for p(θ) and p(u) = p(θ)/‖θ‖^L).
   */
  public static double threshold(double minMargin, double tolerance) {
    return minMargin + tolerance * Math.abs(minMargin);
  }

  /** The rows of {@code block} with p_i(θ) ≤ {@code threshold}, as a new block (maybe empty). */
  public static RowBlock nearSupport(
      Network network, RowBlock block, double[] theta, double threshold) {
    int m = block.rows();
    double[] out = new double[Math.max(m, 1)];
    network.forwardValues(block, theta, network.newWorkspace(), out);
    double[] y = block.labels();
    int[] keep = new int[m];
    int count = 0;
    for (int i = 0; i < m; i++) {
      if (y[i] * out[i] <= threshold) {
        keep[count++] = i;
      }
    }
    return block.select(keep, count);
  }

  /**
   * The check on the gathered near-support rows.
   *
   * @param run what to call the run in the report
   * @param step the checkpoint's step
   * @param theta θ (not modified)
   * @param support the near-support rows (any blocking)
   * @param full the full-data evaluation at θ (its ḡ(w) and minimum margin are used)
   * @param options tolerance and report size
   * @throws IllegalArgumentException if θ = 0 or S exceeds {@code options.maxSupport()}
   */
  public static KktReport solve(
      String run,
      long step,
      Network network,
      double[] theta,
      List<RowBlock> support,
      MarginSummary full,
      Options options) {
    double norm = Norms.l2(theta);
    if (!(norm > 0) || !Double.isFinite(norm)) {
      throw new IllegalArgumentException("theta: the KKT check needs 0 < ‖θ‖ < ∞, got " + norm);
    }
    int degree = network.degree();
    double normPowL = Math.pow(norm, degree);
    int d = network.parameterCount();
    double[] u = new double[d];
    for (int j = 0; j < d; j++) {
      u[j] = theta[j] / norm;
    }
    List<double[]> cols = new ArrayList<>();
    List<Long> rows = new ArrayList<>();
    List<Double> margins = new ArrayList<>();
    Workspace ws = network.newWorkspace();
    double[] out = new double[1];
    for (RowBlock block : support) {
      for (int r = 0; r < block.rows(); r++) {
        if (cols.size() >= options.maxSupport()) {
          throw new IllegalArgumentException(
              "the near-support holds more than max-support = "
                  + options.maxSupport()
                  + " rows at tolerance "
                  + options.tolerance()
                  + ": lower --tolerance or raise --max-support");
        }
        RowBlock one = block.select(new int[] {r}, 1);
        double y = one.labels()[0];
        network.forward(one, u, ws, out);
        double[] a = new double[d];
        network.backwardWeighted(one, u, ws, new double[] {y}, a); // a_i(u) = y_i ∇Φ(x_i; u)
        cols.add(a);
        rows.add(one.rowIndex()[0]);
        margins.add(y * out[0]);
      }
    }
    double[][] columns = cols.toArray(double[][]::new);
    int s = columns.length;
    Nnls.Solution fit = Nnls.solveColumns(columns, u);
    double residual = Nnls.residualNorm(columns, fit.x(), u);
    double lambdaSum = 0;
    double euler = 0;
    for (int i = 0; i < s; i++) {
      lambdaSum += fit.x()[i];
      euler += fit.x()[i] * margins.get(i);
    }
    euler *= degree;

    double[] g = full.lambdaGradient();
    double gNorm = Norms.l2(g);
    double gbarResidual = Double.NaN;
    double gbarSum = Double.NaN;
    double alignment = Double.NaN;
    if (gNorm > 0 && Double.isFinite(gNorm)) {
      double[] gHat = new double[d];
      double dot = 0;
      for (int j = 0; j < d; j++) {
        gHat[j] = g[j] / gNorm;
        dot += gHat[j] * u[j];
      }
      alignment = dot;
      Nnls.Solution gFit = Nnls.solveColumns(columns, gHat);
      gbarResidual = Nnls.residualNorm(columns, gFit.x(), gHat);
      gbarSum = 0;
      for (double v : gFit.x()) {
        gbarSum += v;
      }
    }
    List<KktReport.Row> top = new ArrayList<>();
    for (int i = 0; i < s; i++) {
      top.add(new KktReport.Row(rows.get(i), margins.get(i), fit.x()[i]));
    }
    top.sort(
        Comparator.comparingDouble(KktReport.Row::lambda)
            .reversed()
            .thenComparingLong(KktReport.Row::row));
    double minMargin = full.minMargin() / normPowL;
    return new KktReport(
        run,
        step,
        options.tolerance(),
        full.n(),
        degree,
        d,
        minMargin,
        threshold(minMargin, options.tolerance()),
        s,
        residual,
        lambdaSum,
        euler,
        gbarResidual,
        gbarSum,
        alignment,
        fit.iterations(),
        top.subList(0, Math.min(options.top(), top.size())));
  }

  /** The whole check over in-memory blocks (the training set). */
  public static KktReport check(
      String run,
      long step,
      Network network,
      Loss loss,
      double[] theta,
      List<RowBlock> blocks,
      Options options) {
    EvaluationPass pass = new EvaluationPass(loss, network.parameterCount());
    for (RowBlock b : blocks) {
      evaluate(pass, network, loss, b, theta);
    }
    MarginSummary full = summarize(pass, network, theta);
    double thr = threshold(full.minMargin(), options.tolerance());
    List<RowBlock> support = new ArrayList<>();
    for (RowBlock b : blocks) {
      support.add(nearSupport(network, b, theta, thr));
    }
    return solve(run, step, network, theta, support, full, options);
  }

  /** The summary of a full evaluation at θ (normalized by ‖θ‖^L). */
  public static MarginSummary summarize(EvaluationPass pass, Network network, double[] theta) {
    double normPowL = Math.pow(Norms.l2(theta), network.degree());
    return pass.accumulator().summarize(normPowL > 0 ? normPowL : 1.0);
  }
}

package io.marginflow.spark.report;

import io.marginflow.common.stats.EvalRow;
import io.marginflow.common.stats.MarginQuantiles;
import io.marginflow.common.stats.StepRow;
import io.marginflow.spark.report.ChartSpec.Axis;
import io.marginflow.spark.report.ChartSpec.Series;
import io.marginflow.spark.report.ChartSpec.Style;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The charts of a report, as data ({@link ChartSpec}), grouped in sections, for one run or several
 * overlaid (then every legend name starts with the run's label). Quantities and their JSON keys are
 * those of science.md §5 and §7. Charts with no drawable point are left out and named in the
 * section's notes.
 */
public final class ReportCharts {

  /** Points drawn per series at most (more are thinned by {@link Downsample}). */
  public static final int MAX_POINTS = 1500;

  private static final double LN10 = Math.log(10);
  private static final Axis STEP = new Axis("step k (log scale)", true);
  private static final String TRAIN = EvalRow.TRAIN;
  private static final String TEST = EvalRow.TEST;

  private ReportCharts() {}

  /**
   * A section of the report.
   *
   * @param id the HTML id
   * @param title the heading
   * @param intro one paragraph saying what the section shows
   * @param charts the charts with data
   * @param notes charts left out and why
   */
  public record Section(
      String id, String title, String intro, List<ChartSpec> charts, List<String> notes) {

    /** Copies the lists. */
    public Section {
      charts = List.copyOf(charts);
      notes = List.copyOf(notes);
    }
  }

  /** All chart sections for these runs. */
  public static List<Section> build(List<RunData> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("runs: expected at least one run");
    }
    ReportCharts.Ctx c = new Ctx(runs);
    List<Section> out = new ArrayList<>();
    out.add(
        c.section(
            "margins",
            "Normalized margin",
            "The normalized margin m(u) = min_i p_i(θ)/‖θ‖^L and the smoothed margin (science.md §5"
                + " items 3–4) at every evaluation on the training set; the smoothed margin is a"
                + " lower bound of m(u) that increases along gradient flow. The per-layer version"
                + " m(θ)/Π_l‖W_l‖ is the one Lyu–Li plot.",
            c.margin(),
            c.smoothedMargin(),
            c.layerMargin()));
    out.add(
        c.section(
            "norm-growth",
            "Norm growth (Prop. 3)",
            "‖θ_k‖^L against ln k with the band c₁ ln k ≤ ‖θ_k‖^L ≤ c₂ ln k of the paper's Prop. 3,"
                + " fitted to the evaluations of the late stage (from the first positive normalized"
                + " margin on): c₁, c₂ are the smallest and largest ratio ‖θ_k‖^L / ln k there.",
            c.normGrowth()));
    out.add(
        c.section(
            "loss",
            "Loss",
            "log₁₀ 𝓛(θ_k) (the mean loss, computed in log space) against the step on log-log axes,"
                + " for the training set, the test set and the minibatches. Prop. 3 predicts"
                + " 𝓛(θ_k) ≤ k^(−ε c₁) late in training: a straight line of negative slope.",
            c.loss()));
    out.add(
        c.section(
            "clock",
            "Effective step and ODE clock",
            "The effective step γ̄_k = (γ/n)‖θ_k‖^(L−2) Σ_j |ℓ′(p_j)| by which the direction u_k"
                + " moves (it tends to 0) and the ODE time τ_k = Σ_{j≤k} γ̄_j of the flow u̇ ∈"
                + " D̄_s(u) that u_k discretizes (it diverges).",
            c.effectiveStep(),
            c.odeTime()));
    out.add(
        c.section(
            "stationarity",
            "Alignment and stationarity",
            "With λ = softmax(log|ℓ′(p)|) and ḡ = Σ λ_i a_i(u): the alignment cosine β = ⟨ḡ,u⟩/‖ḡ‖"
                + " (→ 1 along subsequences for GD), the tangential residual ‖ḡ − ⟨ḡ,u⟩u‖ (→ 0 at a"
                + " KKT direction), and how far the direction moved since the previous evaluation.",
            c.alignment(),
            c.tangential(),
            c.directionChange()));
    out.add(
        c.section(
            "quantiles",
            "Margin distribution",
            "Quantiles of the normalized margins p_i(u) over the training set at every evaluation:"
                + " bands from 5 to 95 % and from 25 to 75 %, the median, the minimum (= m(u)) and"
                + " the maximum.",
            c.quantiles()));
    out.add(
        c.section(
            "near-support",
            "Near-support counts",
            "Samples near the minimum: #{i : p_i < m + ln 10^j} for j = 1..7, i.e. the samples"
                + " whose exponential loss is within a factor 10^j of the largest one, and the"
                + " effective support 1/Σ λ_i² (how many samples carry the gradient).",
            c.nearSupport()));
    out.add(
        c.section(
            "layers",
            "Per-layer norms and balance",
            "‖W_l‖ for each weight layer and the balance ‖W_l‖² − ‖W_1‖², which gradient flow keeps"
                + " constant for homogeneous networks (SGD keeps it up to the step's second-order"
                + " terms).",
            c.layerNorms(),
            c.layerBalance()));
    out.add(
        c.section(
            "error",
            "Train and test error",
            "The fraction of misclassified samples, sign(Φ(x; θ)) ≠ y, at every evaluation.",
            c.errorRate()));
    out.add(
        c.section(
            "snapshots",
            "Per-sample margins (snapshots)",
            "The empirical distribution of p_i(u) at the steps where per-sample snapshots were"
                + " written (--snapshot-margins-at): fraction of samples with a normalized margin"
                + " at most x.",
            c.snapshots()));
    return out;
  }

  /** Per-report state: the runs and whether names need a run prefix. */
  private static final class Ctx {
    private final List<RunData> runs;
    private final boolean multi;

    Ctx(List<RunData> runs) {
      this.runs = runs;
      this.multi = runs.size() > 1;
    }

    Section section(String id, String title, String intro, ChartSpec... charts) {
      List<ChartSpec> kept = new ArrayList<>();
      List<String> notes = new ArrayList<>();
      for (ChartSpec spec : charts) {
        if (spec.points() > 0) {
          kept.add(spec);
        } else {
          notes.add(spec.title() + ": no data to plot. " + spec.caption());
        }
      }
      return new Section(id, title, intro, kept, notes);
    }

    String name(RunData r, String base) {
      return multi ? r.label() + " · " + base : base;
    }

    /** One series per run of a train/test eval quantity against the step. */
    List<Series> evalSeries(
        String split,
        String base,
        int variant,
        Style style,
        ToDoubleFunction<EvalRow> y,
        boolean yLog) {
      List<Series> out = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        RunData r = runs.get(i);
        SeriesBuilder b = new SeriesBuilder(true, yLog);
        for (EvalRow e : r.evals(split)) {
          b.add(e.step(), y.applyAsDouble(e));
        }
        if (b.size() > 0) {
          out.add(b.build(name(r, base), i, variant, style, MAX_POINTS));
        }
      }
      return out;
    }

    ChartSpec chart(String id, String title, Axis x, Axis y, List<Series> series, String caption) {
      return new ChartSpec(id, title, x, y, series, caption);
    }

    ChartSpec margin() {
      List<Series> s = new ArrayList<>();
      s.addAll(evalSeries(TRAIN, "m(u), train", 0, Style.LINE, EvalRow::normalizedMargin, false));
      s.addAll(
          evalSeries(
              TEST, "min over the test set", 1, Style.LINE, EvalRow::normalizedMargin, false));
      return chart(
          "margin",
          "Normalized margin m(u)",
          STEP,
          new Axis("normalized margin (dimensionless, linear)", false),
          s,
          "Key normalized_margin: the train split is m(u); on the test split the same minimum is"
              + " taken over the test samples. Step 0 is not on the log axis.");
    }

    ChartSpec smoothedMargin() {
      List<Series> s = new ArrayList<>();
      s.addAll(
          evalSeries(
              TRAIN, "smoothed margin, train", 1, Style.LINE, EvalRow::smoothedMargin, false));
      s.addAll(evalSeries(TRAIN, "m(u), train", 0, Style.DASHED, EvalRow::normalizedMargin, false));
      return chart(
          "smoothed-margin",
          "Smoothed margin (a lower bound of m(u))",
          STEP,
          new Axis("margin (dimensionless, linear)", false),
          s,
          "Key smoothed_margin (exp: −log S/‖θ‖^L; logistic: −log(expm1 S)/‖θ‖^L with S = n𝓛),"
              + " train split, with m(u) dashed.");
    }

    ChartSpec layerMargin() {
      return chart(
          "layer-margin",
          "Per-layer normalized margin m(θ)/Π‖W_l‖",
          STEP,
          new Axis("m(θ)/Π_l‖W_l‖ (dimensionless, linear)", false),
          evalSeries(
              TRAIN, "m(θ)/Π‖W_l‖, train", 0, Style.LINE, EvalRow::layerNormalizedMargin, false),
          "Train split, key layer_normalized_margin.");
    }

    ChartSpec normGrowth() {
      List<Series> s = new ArrayList<>();
      StringBuilder caption =
          new StringBuilder(
              "Key norm_pow_L of the train evaluations; the thin line is ‖θ_k‖^L from"
                  + " the per-step norm (steps.jsonl).");
      for (int i = 0; i < runs.size(); i++) {
        RunData r = runs.get(i);
        SeriesBuilder ev = new SeriesBuilder(false, false);
        for (EvalRow e : r.evals(TRAIN)) {
          if (e.step() >= 1) {
            ev.add(Math.log(e.step()), e.normPowL());
          }
        }
        SeriesBuilder st = new SeriesBuilder(false, false);
        int degree = r.degree();
        for (StepRow row : r.steps()) {
          if (row.step() >= 1) {
            st.add(Math.log(row.step()), Math.pow(row.norm(), degree));
          }
        }
        if (st.size() > 0) {
          s.add(st.build(name(r, "‖θ_k‖^L, every logged step"), i, 1, Style.THIN, MAX_POINTS));
        }
        if (ev.size() > 0) {
          s.add(ev.build(name(r, "‖θ_k‖^L, evaluations"), i, 0, Style.LINE, MAX_POINTS));
        }
        Optional<NormBand> band = NormBand.fit(r.evals(TRAIN));
        if (band.isPresent() && band.get().lateStage()) {
          NormBand b = band.get();
          double x0 = Math.log(b.fromStep());
          double x1 = Math.log(Math.max(b.toStep(), r.stepsDone()));
          s.add(
              new Series(
                  name(r, String.format(Locale.ROOT, "c₁ ln k, c₁ = %.4g", b.c1())),
                  i,
                  2,
                  Style.DASHED,
                  new double[] {x0, x1},
                  new double[] {b.c1() * x0, b.c1() * x1},
                  null,
                  null));
          s.add(
              new Series(
                  name(r, String.format(Locale.ROOT, "c₂ ln k, c₂ = %.4g", b.c2())),
                  i,
                  3,
                  Style.DASHED,
                  new double[] {x0, x1},
                  new double[] {b.c2() * x0, b.c2() * x1},
                  null,
                  null));
          caption.append(
              String.format(
                  Locale.ROOT,
                  " %s: band fitted to %d evaluations of the late stage, k = %d…%d; least-squares"
                      + " ‖θ‖^L ≈ %.4g ln k.",
                  r.label(),
                  b.points(),
                  b.fromStep(),
                  b.toStep(),
                  b.slope()));
        } else if (band.isPresent()) {
          caption
              .append(" ")
              .append(r.label())
              .append(
                  ": no band — the run has not separated"
                      + " (m(u) ≤ 0 at every evaluation), so Prop. 3 does not apply yet.");
        } else {
          caption
              .append(" ")
              .append(r.label())
              .append(": no band — fewer than 2 late-stage evaluations at k ≥ 2.");
        }
      }
      return chart(
          "norm-growth",
          "‖θ‖^L against ln k with the c₁ ln k … c₂ ln k band",
          new Axis("ln k (natural log of the step, linear)", false),
          new Axis("‖θ‖^L (L = homogeneity degree; linear)", false),
          s,
          caption.toString());
    }

    ChartSpec loss() {
      List<Series> s = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        RunData r = runs.get(i);
        SeriesBuilder st = new SeriesBuilder(true, false);
        for (StepRow row : r.steps()) {
          st.add(row.step(), row.batchLogLoss() / LN10);
        }
        if (st.size() > 0) {
          s.add(st.build(name(r, "minibatch"), i, 2, Style.THIN, MAX_POINTS));
        }
      }
      s.addAll(evalSeries(TRAIN, "train", 0, Style.LINE, e -> e.logLoss() / LN10, false));
      s.addAll(evalSeries(TEST, "test", 1, Style.LINE, e -> e.logLoss() / LN10, false));
      return chart(
          "loss",
          "log 𝓛 against log k",
          STEP,
          new Axis("log₁₀ 𝓛 (mean loss, base-10 log; linear)", false),
          s,
          "Keys log_loss (eval.jsonl, natural log, divided by ln 10) and batch_log_loss"
              + " (steps.jsonl).");
    }

    ChartSpec effectiveStep() {
      return chart(
          "effective-step",
          "Effective step γ̄_k",
          STEP,
          new Axis("log₁₀ γ̄_k (base-10 log; linear)", false),
          evalSeries(TRAIN, "γ̄_k", 0, Style.LINE, e -> e.logEffectiveStep() / LN10, false),
          "Key log_effective_step (natural log, divided by ln 10), train evaluations.");
    }

    ChartSpec odeTime() {
      return chart(
          "ode-time",
          "ODE clock τ_k",
          STEP,
          new Axis("τ_k = Σ_{j≤k} γ̄_j (ODE time, linear)", false),
          evalSeries(TRAIN, "τ_k", 0, Style.LINE, EvalRow::odeTime, false),
          "Key ode_time, train evaluations.");
    }

    ChartSpec alignment() {
      return chart(
          "alignment",
          "Alignment β",
          STEP,
          new Axis("β = ⟨ḡ,u⟩/‖ḡ‖ (cosine, linear)", false),
          evalSeries(TRAIN, "β", 0, Style.LINE, EvalRow::alignment, false),
          "Key alignment, train evaluations.");
    }

    ChartSpec tangential() {
      return chart(
          "tangential-residual",
          "Tangential residual",
          STEP,
          new Axis("‖ḡ − ⟨ḡ,u⟩u‖ (log scale)", true),
          evalSeries(
              TRAIN, "tangential residual", 0, Style.LINE, EvalRow::tangentialResidual, true),
          "Key tangential_residual, train evaluations.");
    }

    ChartSpec directionChange() {
      List<Series> s = new ArrayList<>();
      s.addAll(evalSeries(TRAIN, "‖u_k − u_k′‖", 0, Style.LINE, EvalRow::directionChange, true));
      s.addAll(
          evalSeries(
              TRAIN,
              "sup_i |p_i(u_k) − p_i(u_k′)|",
              1,
              Style.LINE,
              EvalRow::marginChangeSup,
              true));
      return chart(
          "direction-change",
          "Movement since the previous evaluation",
          STEP,
          new Axis("change since evaluation k′ (dimensionless, log scale)", true),
          s,
          "Keys direction_change and margin_change_sup (k′ = the previous evaluation).");
    }

    ChartSpec quantiles() {
      List<Series> s = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        RunData r = runs.get(i);
        SeriesBuilder outer = new SeriesBuilder(true, false);
        SeriesBuilder inner = new SeriesBuilder(true, false);
        SeriesBuilder min = new SeriesBuilder(true, false);
        SeriesBuilder max = new SeriesBuilder(true, false);
        for (EvalRow e : r.evals(TRAIN)) {
          MarginQuantiles q = e.marginQuantiles();
          outer.add(e.step(), q.q50(), q.q05(), q.q95());
          inner.add(e.step(), q.q50(), q.q25(), q.q75());
          min.add(e.step(), q.q0());
          max.add(e.step(), q.q100());
        }
        if (outer.size() > 0) {
          s.add(outer.build(name(r, "5–95 % (line: median)"), i, 0, Style.BAND, MAX_POINTS));
        }
        if (inner.size() > 0 && !multi) {
          s.add(inner.build(name(r, "25–75 %"), i, 1, Style.BAND, MAX_POINTS));
        }
        if (min.size() > 0) {
          s.add(min.build(name(r, "minimum q0 = m(u)"), i, 2, Style.LINE, MAX_POINTS));
        }
        if (max.size() > 0 && !multi) {
          s.add(max.build(name(r, "maximum q100"), i, 3, Style.LINE, MAX_POINTS));
        }
      }
      return chart(
          "margin-quantiles",
          "Quantiles of p_i(u)",
          STEP,
          new Axis("p_i(u) (normalized margin, linear)", false),
          s,
          "Key margin_quantiles (q0, q05, q25, q50, q75, q95, q100), train evaluations.");
    }

    ChartSpec nearSupport() {
      List<Series> s = new ArrayList<>();
      int[] levels = multi ? new int[] {1, 4, 7} : new int[] {1, 2, 3, 4, 5, 6, 7};
      for (int j : levels) {
        s.addAll(
            evalSeries(TRAIN, "j = " + j, j - 1, Style.LINE, e -> e.nearSupport()[j - 1], true));
      }
      s.addAll(
          evalSeries(
              TRAIN, "effective support 1/Σλ²", 7, Style.DASHED, EvalRow::effectiveSupport, true));
      return chart(
          "near-support",
          "Samples near the minimum margin",
          STEP,
          new Axis("samples (count, log scale)", true),
          s,
          "Keys near_support (7 counts) and effective_support, train evaluations"
              + (multi ? "; j = 1, 4, 7 shown when several runs are overlaid." : "."));
    }

    ChartSpec layerNorms() {
      List<Series> s = new ArrayList<>();
      for (int l = 0; l < maxLayers(); l++) {
        int layer = l;
        s.addAll(
            evalSeries(
                TRAIN,
                "‖W_" + (l + 1) + "‖",
                l,
                Style.LINE,
                e -> layer < e.layerNorms().length ? e.layerNorms()[layer] : Double.NaN,
                true));
      }
      return chart(
          "layer-norms",
          "Per-layer norms ‖W_l‖",
          STEP,
          new Axis("‖W_l‖ (Frobenius norm, log scale)", true),
          s,
          "Key layer_norms.");
    }

    ChartSpec layerBalance() {
      List<Series> s = new ArrayList<>();
      for (int l = 1; l < maxLayers(); l++) {
        int layer = l;
        s.addAll(
            evalSeries(
                TRAIN,
                "‖W_" + (l + 1) + "‖² − ‖W_1‖²",
                l - 1,
                Style.LINE,
                e -> layer < e.layerBalance().length ? e.layerBalance()[layer] : Double.NaN,
                false));
      }
      return chart(
          "layer-balance",
          "Layer balance ‖W_l‖² − ‖W_1‖²",
          STEP,
          new Axis("‖W_l‖² − ‖W_1‖² (linear)", false),
          s,
          "Key layer_balance for l ≥ 2 (l = 1 is 0 by definition; a one-layer model has none).");
    }

    ChartSpec errorRate() {
      List<Series> s = new ArrayList<>();
      s.addAll(evalSeries(TRAIN, "train", 0, Style.LINE, EvalRow::errorRate, false));
      s.addAll(evalSeries(TEST, "test", 1, Style.LINE, EvalRow::errorRate, false));
      return chart(
          "error-rate",
          "Train and test error",
          STEP,
          new Axis("error rate (fraction misclassified, linear)", false),
          s,
          "Key error_rate.");
    }

    ChartSpec snapshots() {
      List<Series> s = new ArrayList<>();
      for (int i = 0; i < runs.size(); i++) {
        RunData r = runs.get(i);
        int variant = 0;
        for (MarginSnapshot snap : r.snapshots()) {
          double[] sorted = snap.sortedMargins();
          int n = sorted.length;
          int[] keep = Downsample.byIndex(n, MAX_POINTS);
          SeriesBuilder b = new SeriesBuilder(false, false);
          for (int k : keep) {
            b.add(sorted[k], (k + 1) / (double) n);
          }
          if (b.size() > 0) {
            s.add(b.buildAll(name(r, "step " + snap.step()), i, variant, Style.LINE));
          }
          variant++;
        }
      }
      return chart(
          "margin-ecdf",
          "Empirical distribution of p_i(u) at snapshot steps",
          new Axis("p_i(u) (normalized margin, linear)", false),
          new Axis("fraction of samples with p_i(u) ≤ x (linear)", false),
          s,
          "Column margin of margins/step=K/ (Parquet); export with marginflow export-margins.");
    }

    private int maxLayers() {
      int m = 0;
      for (RunData r : runs) {
        for (EvalRow e : r.evals()) {
          m = Math.max(m, e.layerNorms().length);
        }
      }
      return m;
    }
  }
}

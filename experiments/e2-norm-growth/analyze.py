#!/usr/bin/env python3
"""E2/E3 numbers from a sweep's run directories (eval.jsonl, manifest.json).

    python3 experiments/e2-norm-growth/analyze.py SWEEP_DIR OUT_PREFIX

Writes OUT_PREFIX-table.md (one row per run) and OUT_PREFIX-norm.png / -stationarity.png.
Late stage = evaluations with k >= K/100 (K = last step) after the normalized margin turned
positive for good. For each run: L, the step at which the data were separated for good, the band
c1 <= ||θ||^L / ln k <= c2 over the late stage, the least-squares slope of ||θ||^L against ln k, the
slope s of ln 𝓛 against ln k (Prop. 3: ln 𝓛 <= -ε c1 ln k, so s < 0) next to -m(u_K)·||θ_K||^L/ln K
(what s is if ln 𝓛 ≈ -min margin), and the E3 statistics (tangential_residual_rel, alignment,
direction_change, euler_residual) at k = 10^3, 10^4, 10^5 and K.
"""
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def runs(sweep):
    for name in sorted(os.listdir(sweep)):
        d = os.path.join(sweep, name)
        if os.path.isfile(os.path.join(d, "metrics", "eval.jsonl")):
            yield name, d


def load(d):
    with open(os.path.join(d, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    rows = []
    with open(os.path.join(d, "metrics", "eval.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("split", "train") == "train":
                rows.append(r)
    return manifest, rows


def depth(model):
    # mlp:784-32-32-1 -> 3 weight layers
    return len(model.split(":", 1)[1].split("-")) - 1


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else float("nan")


def at(rows, k, field):
    best = min(rows, key=lambda r: abs(math.log(r["step"] + 1) - math.log(k + 1)))
    v = best.get(field)
    return v, best["step"]


def fmt(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:.3g}"


def main(sweep, out):
    table = []
    names = [n for n, _ in runs(sweep)]
    fig1, axes1 = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.8), squeeze=False)
    fig2, (ax2, ax3) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (name, d) in enumerate(runs(sweep)):
        ax1 = axes1[0][i]
        manifest, rows = load(d)
        model = manifest["config"]["model"]
        L = depth(model)
        K = rows[-1]["step"]
        sep = None
        for r in rows:
            if r["normalized_margin"] > 0:
                sep = r["step"] if sep is None else sep
            else:
                sep = None
        late = [r for r in rows if sep is not None and r["step"] >= max(sep, K / 100) and r["step"] >= 2]
        ks = [r["step"] for r in rows if r["step"] >= 2]
        ax1.plot([math.log(k) for k in ks], [r["norm_pow_L"] for r in rows if r["step"] >= 2])
        ax1.set_title(f"{model} (L={L})", fontsize=9)
        ax1.set_xlabel("ln k")
        ax1.set_ylabel("‖θ_k‖^L")
        tr = [(r["ode_time"], r["tangential_residual_rel"]) for r in rows
              if r.get("tangential_residual_rel") and r.get("ode_time", 0) > 0]
        if tr:
            ax2.loglog([t for t, _ in tr], [v for _, v in tr], label=model)
        ax3.semilogx([r["step"] for r in rows if r["step"] > 0], [r["alignment"] for r in rows if r["step"] > 0], label=model)
        row = {"run": name, "model": model, "L": L, "K": K, "separated_at": sep}
        if late:
            ax1.axvline(math.log(late[0]["step"]), color="grey", lw=0.8, ls=":")
        if len(late) >= 3:
            ratio = [r["norm_pow_L"] / math.log(r["step"]) for r in late]
            lnk = [math.log(r["step"]) for r in late]
            row.update(
                c1=min(ratio), c2=max(ratio),
                norm_slope=slope(lnk, [r["norm_pow_L"] for r in late]),
                loss_slope=slope(lnk, [r["log_loss"] for r in late]),
                predicted=-late[-1]["normalized_margin"] * late[-1]["norm_pow_L"] / math.log(K),
                increasing=all(b["norm"] > a["norm"] for a, b in zip(late, late[1:])),
            )
        row["margin_K"] = rows[-1]["normalized_margin"]
        for k in (10**3, 10**4, 10**5, K):
            for f in ("tangential_residual_rel", "alignment"):
                row[f"{f}@{k}"] = at(rows, k, f)[0] if k <= K else None
        row["direction_change_K"] = rows[-1].get("direction_change")
        row["euler_residual_max"] = max(abs(r.get("euler_residual") or 0) for r in rows)
        row["ode_time_K"] = rows[-1].get("ode_time")
        table.append(row)
    fig1.suptitle("E2: norm growth against ln k (dotted: start of the late stage)", fontsize=10)
    fig1.tight_layout()
    fig1.savefig(out + "-norm.png", dpi=110)
    ax2.set_xlabel("ODE clock τ_k")
    ax2.set_ylabel("tangential residual / ‖ḡ‖")
    ax2.set_title("E3: stationarity")
    ax2.legend(fontsize=8)
    ax3.set_xlabel("k")
    ax3.set_ylabel("alignment β")
    ax3.set_title("E3: alignment")
    fig2.tight_layout()
    fig2.savefig(out + "-stationarity.png", dpi=110)

    K = max(r["K"] for r in table)
    marks = [k for k in (10**3, 10**4, 10**5) if k <= K] + ["K"]
    with open(out + "-table.md", "w", encoding="utf-8") as f:
        f.write("| run | model | L | K | separated at | c₁ | c₂ | slope ‖θ‖^L/ln k | slope ln𝓛/ln k | −m(u_K)‖θ_K‖^L/ln K | ‖θ‖ increasing | m(u_K) |\n")
        f.write("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        for r in table:
            f.write(f"| {r['run']} | {r['model']} | {r['L']} | {r['K']} | {r['separated_at']} | {fmt(r.get('c1'))} | {fmt(r.get('c2'))} | "
                    f"{fmt(r.get('norm_slope'))} | {fmt(r.get('loss_slope'))} | {fmt(r.get('predicted'))} | {r.get('increasing', '–')} | {fmt(r['margin_K'])} |\n")
        f.write("\n| run | " + " | ".join(f"resid_rel@{m}" for m in marks) + " | " + " | ".join(f"β@{m}" for m in marks)
                + " | direction_change@K | max |euler_residual| | τ_K |\n")
        f.write("|---|" + "---|" * (2 * len(marks) + 3) + "\n")
        for r in table:
            ks = [k for k in (10**3, 10**4, 10**5) if k <= K] + [r["K"]]
            f.write(f"| {r['run']} | " + " | ".join(fmt(r.get(f"tangential_residual_rel@{k}")) for k in ks) + " | "
                    + " | ".join(fmt(r.get(f"alignment@{k}")) for k in ks)
                    + f" | {fmt(r['direction_change_K'])} | {fmt(r['euler_residual_max'])} | {fmt(r['ode_time_K'])} |\n")
    print(open(out + "-table.md", encoding="utf-8").read())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])

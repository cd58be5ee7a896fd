#!/usr/bin/env python3
"""E5 table: per-layer normalized margin, log loss and test error at epochs 10, 100, 1,000, 10,000
(those reached) and at the last epoch, the first epoch at which the loss fell below 1e-10, 1e-120 and 1e-800, and the
ratio of the final per-layer normalized margins (loss-based / constant).

    python3 experiments/e5-lyu-li/analyze.py CONSTANT_SWEEP LOSS_BASED_SWEEP OUT.md
"""
import json
import math
import os
import sys

STEPS_PER_EPOCH = 21  # 2,115 rows / batches of 100, rounded up
LN10 = math.log(10)


def runs(sweep):
    for name in sorted(os.listdir(sweep)):
        path = os.path.join(sweep, name, "metrics", "eval.jsonl")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f]
            yield name, rows


def row_at(rows, split, step):
    cands = [r for r in rows if r.get("split", "train") == split and r["step"] <= step]
    return cands[-1] if cands else None


def fmt(v, spec=".3g"):
    return "–" if v is None else format(v, spec)


def main(constant, loss_based, out):
    lines = ["| rule | run | epoch | layer-normalized margin | normalized margin | log10 loss | test error |",
             "|---|---|---|---|---|---|---|"]
    finals = {}
    firsts = []
    for rule, sweep in (("constant", constant), ("loss-based", loss_based)):
        for name, rows in runs(sweep):
            last = max(r["step"] for r in rows)
            marks = [e for e in (10, 100, 1000, 10000) if e * STEPS_PER_EPOCH <= last]
            if last % STEPS_PER_EPOCH == 0 and last // STEPS_PER_EPOCH not in marks:
                marks.append(last // STEPS_PER_EPOCH)  # the last epoch too
            for epoch in marks:
                step = epoch * STEPS_PER_EPOCH
                tr, te = row_at(rows, "train", step), row_at(rows, "test", step)
                lines.append(f"| {rule} | {name} | {epoch} | {fmt(tr.get('layer_normalized_margin'))} | "
                             f"{fmt(tr['normalized_margin'])} | {fmt(tr['log_loss'] / LN10, '.4g')} | "
                             f"{fmt(te['error_rate'] if te else None)} |")
            finals.setdefault(rule, []).append(rows)
            first = []
            for threshold in (10, 120, 800):
                hit = next((r["step"] for r in rows if r.get("split", "train") == "train"
                            and r["log_loss"] / LN10 < -threshold), None)
                first.append("–" if hit is None else f"{hit / STEPS_PER_EPOCH:.0f}")
            firsts.append(f"| {rule} | {name} | {last // STEPS_PER_EPOCH} | " + " | ".join(first) + " |")
    lines += ["", "| rule | run | epochs run | first epoch with loss < 1e−10 | < 1e−120 | < 1e−800 |",
              "|---|---|---|---|---|---|"] + firsts
    c, l = finals.get("constant", []), finals.get("loss-based", [])
    if c and l:
        # compare at the last evaluation every run reached (runs stopped early end at different steps)
        common = min(max(r["step"] for r in rows if r.get("split", "train") == "train") for rows in c + l)
        at = lambda runs: [row_at(rows, "train", common).get("layer_normalized_margin") for rows in runs]
        cv, lv = at(c), at(l)
        if all(v is not None for v in cv + lv):
            ratio = (sum(lv) / len(lv)) / (sum(cv) / len(cv))
            lines += ["", f"Ratio of the layer-normalized margins at step {common} (epoch "
                      f"{common / STEPS_PER_EPOCH:.0f}, the last evaluation every run reached), "
                      f"loss-based / constant (means over seeds): {ratio:.3g}"]
    text = "\n".join(lines) + "\n"
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])

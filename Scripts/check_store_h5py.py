#!/usr/bin/env python3
"""Check that h5py reads an HDF5 store written by the harness, value for value.

Usage (CI runs exactly this; needs `pip install h5py`):

    swift run -c release harness _write-sample-store /tmp/sample-store.h5
    python3 Scripts/check_store_h5py.py /tmp/sample-store.h5

The sample store's content is fixed by Sources/harness/WriteSampleStore.swift; this script knows
it and checks: the JSON attribute is a `str` that parses, the other attributes' Python types and
values, each tensor's dtype, shape, chunking, compression and values, and the metrics table's
column names and rows (read with one line, as a user would). Exits 1 listing every mismatch.
"""
import json
import sys

import h5py
import numpy as np


def check_store(path):
    problems = []

    def expect(condition, message):
        if not condition:
            problems.append(message)

    with h5py.File(path, "r") as store:
        experiment = store.attrs["experiment"]
        expect(isinstance(experiment, str), f"experiment attribute is {type(experiment).__name__}, not str")
        if isinstance(experiment, str):
            config = json.loads(experiment)
            expect(config == {"name": "sample", "seed": 17, "layers": ["relu1_1", "relu2_1"],
                              "note": "größe ✓"}, f"experiment JSON is {config!r}")
        expect(int(store.attrs["schemaVersion"]) == 1, "schemaVersion is not 1")
        layers = list(store.attrs["layers"])
        expect(layers == ["relu1_1", "relu2_1"] and all(isinstance(x, str) for x in layers),
               f"layers attribute is {layers!r}")
        expect(float(store.attrs["learningRate"]) == 0.1, "learningRate is not 0.1")

        weight = store["weights/conv1_1/weight"]
        expect(weight.dtype == np.float32, f"weight dtype {weight.dtype}")
        expect(weight.shape == (4, 3, 3, 3), f"weight shape {weight.shape}")
        expect(weight.chunks is not None and weight.compression == "gzip" and weight.shuffle,
               f"weight chunks={weight.chunks} compression={weight.compression} shuffle={weight.shuffle}")
        expect(np.array_equal(weight[()], (np.arange(108, dtype=np.float32) * 0.5).reshape(4, 3, 3, 3)),
               "weight values differ")
        bias = store["weights/conv1_1/bias"]
        expect(bias.dtype == np.float32 and np.array_equal(bias[()], [0.25, -0.25, 1, -1]),
               f"bias is {bias.dtype} {bias[()]!r}")
        gram = store["goldens/gram"]
        expect(gram.dtype == np.float64 and np.array_equal(gram[()], [[1.0, 0.5], [0.5, 2.0]]),
               f"gram is {gram.dtype} {gram[()]!r}")
        indices = store["indices"]
        expect(indices.dtype == np.int32 and np.array_equal(indices[()], [3, 1, 4]),
               f"indices is {indices.dtype} {indices[()]!r}")

        table = store["metrics/train"]
        columns = list(table.attrs["columns"])
        expect(columns == ["step", "loss/total", "loss/gram/relu1_1"] and all(isinstance(c, str) for c in columns),
               f"columns attribute is {columns!r}")
        expect(table.maxshape == (None, 3), f"metrics maxshape {table.maxshape}")
        metrics = dict(zip(table.attrs["columns"], table[()].T))  # the one line a user writes
        steps = np.arange(5, dtype=np.float64)
        expect(np.array_equal(metrics.get("step"), steps), f"step column {metrics.get('step')!r}")
        expect(np.array_equal(metrics.get("loss/total"), 1 / (steps + 1)), f"loss/total column {metrics.get('loss/total')!r}")
        expect(np.array_equal(metrics.get("loss/gram/relu1_1"), steps / 2), "loss/gram/relu1_1 column differs")
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problems = check_store(sys.argv[1])
    if problems:
        print(f"{sys.argv[1]}: h5py check failed:", *problems, sep="\n  ")
        sys.exit(1)
    print(f"{sys.argv[1]}: h5py {h5py.__version__} (HDF5 {h5py.version.hdf5_version}) reads it as written")


if __name__ == "__main__":
    main()

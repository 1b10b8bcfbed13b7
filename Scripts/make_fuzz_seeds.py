"""Write the seed corpus of the fuzz targets (Tests/Fuzz/Corpus/<target>/): small valid files of
every kind each parser reads, and edge cases beside them. Deterministic; nothing is copied from
data/.

Usage (needs numpy, h5py and pillow, e.g. the venv of Scripts/kill-campaign):

    python Scripts/make_fuzz_seeds.py [--harness .build/release/harness]

With --harness, the hdf5 target also gets a generator model store written by `harness train`
(one level, 16x16, one iteration, on a random one-layer VGG prefix).
"""

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import h5py
import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fuzz", "Corpus")
RANDOM = np.random.default_rng(20261201)


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as file:
        file.write(data)


def png_chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def raw_png(width, height, depth, colour, rows, interlace=0, extra=b""):
    """A PNG from already filtered scanlines (`rows`: bytes with a filter byte per line)."""
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra
            + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))


def pil_bytes(image, format, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def pngs():
    rgb = RANDOM.integers(0, 256, (4, 5, 3), dtype=np.uint8)
    write("png", "rgb8.png", pil_bytes(Image.fromarray(rgb, "RGB"), "PNG"))
    write("png", "rgba8.png", pil_bytes(Image.fromarray(RANDOM.integers(0, 256, (3, 3, 4), dtype=np.uint8), "RGBA"), "PNG"))
    write("png", "gray8.png", pil_bytes(Image.fromarray(rgb[:, :, 0], "L"), "PNG"))
    write("png", "gray16.png", pil_bytes(Image.fromarray(RANDOM.integers(0, 65536, (3, 2), dtype=np.uint16)), "PNG"))
    write("png", "gray1.png", pil_bytes(Image.fromarray(rgb[:, :, 0] > 127), "PNG"))
    palette = Image.fromarray(rgb, "RGB").convert("P", palette=Image.ADAPTIVE, colors=4)
    write("png", "palette.png", pil_bytes(palette, "PNG"))
    write("png", "palette-trns.png", pil_bytes(palette, "PNG", transparency=1))
    # By hand: 16-bit RGB, Adam7-interlaced RGB, gray+alpha, a 1x1 image, a 4-bit gray image.
    rows = b"".join(b"\x00" + RANDOM.integers(0, 256, 2 * 3 * 2, dtype=np.uint8).tobytes() for _ in range(2))
    write("png", "rgb16.png", raw_png(2, 2, 16, 2, rows))
    passes = b"".join(b"\x00" + RANDOM.integers(0, 256, 3, dtype=np.uint8).tobytes() for _ in range(1))
    write("png", "interlaced-1x1.png", raw_png(1, 1, 8, 2, passes, interlace=1))
    rows = b"".join(b"\x01" + RANDOM.integers(0, 256, 2 * 2, dtype=np.uint8).tobytes() for _ in range(2))
    write("png", "gray-alpha-sub-filter.png", raw_png(2, 2, 8, 4, rows))
    rows = b"".join(b"\x00" + bytes([0x1F, 0xA0]) for _ in range(3))
    write("png", "gray4.png", raw_png(3, 3, 4, 0, rows))
    # Edge cases: a truncated image, a wrong CRC, an IHDR claiming 2^31 pixels a side.
    good = raw_png(2, 2, 8, 2, b"".join(b"\x00" + bytes(6) for _ in range(2)))
    write("png", "truncated.png", good[: len(good) // 2])
    write("png", "bad-crc.png", good[:29] + bytes([good[29] ^ 0xFF]) + good[30:])
    write("png", "huge-header.png", raw_png(0x7FFFFFFF, 0x7FFFFFFF, 8, 2, b"\x00\x00\x00\x00"))


def jpegs():
    rgb = Image.fromarray(RANDOM.integers(0, 256, (16, 16, 3), dtype=np.uint8), "RGB")
    write("jpeg", "baseline-420.jpg", pil_bytes(rgb, "JPEG", quality=50))
    write("jpeg", "baseline-444.jpg", pil_bytes(rgb, "JPEG", quality=90, subsampling=0))
    write("jpeg", "progressive.jpg", pil_bytes(rgb, "JPEG", progressive=True, quality=75))
    write("jpeg", "gray.jpg", pil_bytes(rgb.convert("L"), "JPEG"))
    write("jpeg", "cmyk.jpg", pil_bytes(rgb.convert("CMYK"), "JPEG"))
    write("jpeg", "odd-size-3x5.jpg", pil_bytes(rgb.crop((0, 0, 3, 5)), "JPEG", restart_marker_blocks=1))
    whole = pil_bytes(rgb, "JPEG", quality=50)
    write("jpeg", "truncated.jpg", whole[: len(whole) * 2 // 3])


def checkpoints():
    # The checkpoint fixtures' writer makes legacy and zip files without torch.
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_checkpoint_fixtures.py")
        subprocess.run([sys.executable, script, folder], check=True, stdout=subprocess.DEVNULL)
        for name in sorted(os.listdir(folder)):
            data = open(os.path.join(folder, name), "rb").read()
            write("pickle" if name.startswith("legacy") else "zip", name, data)
    # Legacy edge cases: the magic number only, and a wrong protocol number after it.
    import pickle
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    write("pickle", "magic-only.pt", magic)
    write("pickle", "wrong-protocol.pt", magic + pickle.dumps(999, protocol=2))
    write("pickle", "nested-containers.pt", magic + pickle.dumps(1001, protocol=2)
          + pickle.dumps({"little_endian": True}, protocol=2)
          + pickle.dumps({"a": [1, (2.5, "x"), {"b": None}], "c": b"\x00\x01"}, protocol=2))
    # An empty zip and one whose central directory points past the end.
    write("zip", "empty.zip", b"PK\x05\x06" + bytes(18))
    write("zip", "directory-past-end.zip", b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, 46, 1 << 30, 0))


def hdf5_files(harness):
    def store(name, fill):
        path = os.path.join(ROOT, "hdf5", name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with h5py.File(path, "w", libver="earliest") as file:
            fill(file)

    store("image.h5", lambda f: f.create_dataset("image", data=RANDOM.random((1, 3, 4, 4), dtype=np.float32)))
    store("result-image.h5", lambda f: f.create_dataset("result/image", data=RANDOM.random((3, 2, 3))))
    store("samples.h5", lambda f: f.create_dataset("samples", data=RANDOM.random((2, 3, 2, 2), dtype=np.float32)))

    def odd(file):
        file.create_dataset("image", data=np.arange(12, dtype=np.int32).reshape(1, 3, 2, 2))
        file.create_dataset("inputs/style_0", data=np.float32(1.5))
        file.attrs["schema"] = "texture-nets generator model 1"
        file.attrs["generator"] = "{\"levels\": 1"
    store("odd-types.h5", odd)

    def vgg(file):
        weight = np.zeros((3, 3, 1, 1), dtype=np.float32)
        for o in range(3):
            weight[o, 2 - o] = 255
        file.create_dataset("preprocess/weight", data=weight)
        file.create_dataset("preprocess/bias", data=np.array([-103.939, -116.779, -123.68], dtype=np.float32))
        file.create_dataset("conv1_1/weight", data=RANDOM.normal(0, 0.01, (64, 3, 3, 3)).astype(np.float32))
        file.create_dataset("conv1_1/bias", data=RANDOM.normal(0, 0.05, 64).astype(np.float32))
        file.attrs["source"] = "random fuzz seed weights"
    store("vgg-relu1_1.h5", vgg)
    if harness:
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, "run")
            subprocess.run([harness, "train", "--style", os.path.join(ROOT, "hdf5", "image.h5") + ":/image",
                            "--weights", os.path.join(ROOT, "hdf5", "vgg-relu1_1.h5"), "--size", "16",
                            "--levels", "1", "--batch-size", "1", "--iterations", "1", "--style-layers", "relu1_1",
                            "--sample-every", "0", "--checkpoint-every", "0", "--quiet", "--out", out], check=True)
            write("hdf5", "model-k1.h5", open(os.path.join(out, "model.h5"), "rb").read())


def experiments():
    tiny = {"extends": "paper", "notes": "fuzz seed", "seed": 3,
            "task": {"styles": ["$TEXTURE_NETS_DATA/textures/brick.png"]},
            "objective": {"style": {"layers": ["relu1_1"]}},
            "training": {"size": 32, "batchSize": 2, "iterations": 4, "checkpointEvery": 2},
            "evaluation": {"sampleCount": 2, "sizes": [32], "timingRuns": 2},
            "gatys": {"size": 32, "iterations": 5},
            "sweep": {"grid": {"generator.levels": [1, 2]}}}
    write("experiment", "tiny-grid.json", json.dumps(tiny, indent=1).encode())
    zipped = dict(tiny, sweep={"zip": {"generator.levels": [1, 2], "training.iterations": [3, 4]}})
    write("experiment", "tiny-zip.json", json.dumps(zipped).encode())
    write("experiment", "preset-only.json", b'{"extends": "texture_nets_v1_style"}')
    write("experiment", "typo.json", b'{"extends": "paper", "generator": {"levles": 4}, "trainig": {}}')
    write("experiment", "numbers.json", b'{"seed": 1e400, "training": {"iterations": -0, "size": 1.5e-3}, "x": [1E+2, -12.5e-1, 0]}')
    write("experiment", "strings.json", '{"notes": "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\", "extends": "pa\\u0070er"}'.encode())
    write("experiment", "deep.json", b"[" * 64 + b"]" * 64)
    write("experiment", "duplicate-keys.json", b'{"seed": 1, "seed": 2, "extends": "paper"}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--harness", default=None)
    arguments = parser.parse_args()
    pngs()
    jpegs()
    checkpoints()
    hdf5_files(arguments.harness)
    experiments()
    for target in sorted(os.listdir(ROOT)):
        files = os.listdir(os.path.join(ROOT, target))
        size = sum(os.path.getsize(os.path.join(ROOT, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()

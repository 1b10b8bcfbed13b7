#!/usr/bin/env python3
"""The PyTorch side of generator training (issue 10, items 5 and 6): loss curves of the reference
`texture_nets_torch.train_step` over seeds, and the peak RSS of a training process.

The reference is imported, not copied, from $TEXTURE_NETS_SHARED/reference, else from
shared/reference beside the checkout or beside one of its ancestors (as .ci/run looks).
Run with a Python that has torch, numpy, h5py and pillow (here ~/torchenv/bin/python):

  PY=~/torchenv/bin/python; D=/work/main/data
  # 1. the exemplar both sides train on: gravel.png, PIL bicubic to 128x128, [1, 3, 128, 128]
  $PY Scripts/train_torch.py exemplar --image $D/textures/gravel.png --size 128 --out out/gravel128.h5
  # 2. three seeds of 300 reference train steps (texture mode, K=5, batch 4, 128², Adam lr 0.1)
  $PY Scripts/train_torch.py curves --exemplar out/gravel128.h5:/style --weights $D/vgg19_normalised.h5 \
      --seeds 0,1,2 --iterations 300 --batch 4 --size 128 --levels 5 --lr 0.1 \
      --out out/torch_curves.json --csv out/torch_curves.csv
  # 3. peak RSS of training in a fresh process (paper texture preset; style mode needs --content)
  $PY Scripts/train_torch.py rss --exemplar out/gravel128.h5:/style --weights $D/vgg19_normalised.h5 \
      --batch 16 --size 256 --levels 5 --iterations 2 --out out/torch_rss.json
  $PY Scripts/train_torch.py rss --mode style --levels 6 --content $D/content/chelsea.png ...

  # the harness reads the identical tensor as the image argument out/gravel128.h5:/style

Settings are the reference's: `TextureNet` with 8 channels per scale, 3 noise channels, circular
padding, LeakyReLU 0.01, batch norm, PyTorch's default initialisation; Gram style targets of the
exemplar on relu1_1 .. relu5_1 (`STYLE_LAYERS`), style weight 1; Adam, constant learning rate.
Each seed calls torch.manual_seed(seed) once, before the generator is built; the generator's
initial weights and every batch of noise then come from torch's global stream. The loss recorded
for iteration i is what `train_step` returns: the loss of the batch before the i-th Adam step.
The curves JSON is rewritten after every seed, so an interrupted run keeps the finished seeds.
`rss` reports VmRSS right after `import torch`, VmRSS before the first step (descriptor, generator
and Grams built), and at the end the peak VmHWM and ru_maxrss in MiB (ru_maxrss is kept across
execve, so start the script directly, not from a bigger Python), and the seconds of every step.
Style mode mirrors bench_torch.py's style step: content weight 1 and the content's relu4_2 as target.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import torch


def status_mib(field):
    """A field of /proc/self/status (VmRSS, VmHWM, ...) in MiB."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024


RSS_AFTER_IMPORT_TORCH_MIB = status_mib("VmRSS")


def reference_folder():
    """$TEXTURE_NETS_SHARED/reference, else the first shared/reference beside the checkout or an ancestor."""
    if os.environ.get("TEXTURE_NETS_SHARED"):
        return os.path.join(os.environ["TEXTURE_NETS_SHARED"], "reference")
    directory = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while directory != os.path.dirname(directory):
        candidate = os.path.join(os.path.dirname(directory), "shared", "reference")
        if os.path.isdir(candidate):
            return candidate
        directory = os.path.dirname(directory)
    sys.exit("train_torch.py: no shared/reference beside the checkout or its ancestors; set TEXTURE_NETS_SHARED")


REFERENCE = reference_folder()
if not os.path.isfile(os.path.join(REFERENCE, "texture_nets_torch.py")):
    sys.exit(f"train_torch.py: {REFERENCE}: no texture_nets_torch.py there")
sys.path.insert(0, REFERENCE)
import texture_nets_torch as T  # noqa: E402


def resized_image(path, size):
    """[1, 3, size, size] float32 RGB in [0, 1]: the 8-bit image as RGB, PIL bicubic to size x size, / 255."""
    from PIL import Image
    try:
        image = Image.open(path).convert("RGB")
    except OSError as error:
        sys.exit(f"train_torch.py: {path}: cannot read the image ({error})")
    pixels = np.asarray(image.resize((size, size), Image.BICUBIC), dtype=np.float32) / 255
    return torch.from_numpy(pixels.transpose(2, 0, 1).copy())[None]


def read_image_argument(text):
    """`FILE.h5:/dataset` ([1, 3, H, W] or [3, H, W] float, used as stored) as a [1, 3, H, W] float32 tensor."""
    path, _, dataset = text.rpartition(":")
    if not path or not dataset.startswith("/"):
        sys.exit(f"train_torch.py: {text}: expected FILE.h5:/dataset")
    import h5py
    try:
        with h5py.File(path, "r") as store:
            array = np.asarray(store[dataset][()], dtype=np.float32)
    except (OSError, KeyError) as error:
        sys.exit(f"train_torch.py: {text}: cannot read the dataset ({error})")
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[:2] != (1, 3):
        sys.exit(f"train_torch.py: {text}: expected shape [1, 3, H, W] or [3, H, W], found {list(array.shape)}")
    return torch.from_numpy(array)


def build(args, mode="texture"):
    """The descriptor, the generator (after torch.manual_seed by the caller), its Adam and the style Grams."""
    if args.size % 2 ** (args.levels - 1):
        sys.exit(f"train_torch.py: --size {args.size} is not divisible by 2^(levels-1) = {2 ** (args.levels - 1)}")
    exemplar = read_image_argument(args.exemplar)
    if not os.path.isfile(args.weights):
        sys.exit(f"train_torch.py: {args.weights}: no such weights file")
    vgg = T.VGG19(T.load_vgg_weights(args.weights))
    grams = T.style_targets(vgg, exemplar)
    generator = T.TextureNet(K=args.levels, ch=8, noise_ch=3, mode=mode, padding_mode="circular", slope=0.01)
    return vgg, generator, torch.optim.Adam(generator.parameters(), lr=args.lr), grams


def environment(args):
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "unknown")
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": cpu,
            "reference": os.path.join(REFERENCE, "texture_nets_torch.py"), "load_average_at_start": os.getloadavg()}


def exemplar_command(args):
    import h5py
    image = resized_image(args.image, args.size)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with h5py.File(args.out, "w") as store:
        store["/style"] = image.numpy()
        store["/style"].attrs["source"] = os.path.abspath(args.image)
        store["/style"].attrs["resize"] = f"PIL bicubic to {args.size}x{args.size} on 8-bit RGB, / 255"
    print(f"{args.out}:/style {list(image.shape)} from {args.image}")


def write_curves(args, settings, runs):
    losses = np.array([run["loss"] for run in runs])
    result = dict(settings, runs=runs, mean=losses.mean(0).tolist(), min=losses.min(0).tolist(),
                  max=losses.max(0).tolist())
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if args.csv:
        with open(args.csv, "w") as f:
            f.write("# iteration," + ",".join(f"seed{run['seed']}" for run in runs) + ",mean,min,max\n")
            for i in range(losses.shape[1]):
                columns = list(losses[:, i]) + [result["mean"][i], result["min"][i], result["max"][i]]
                f.write(f"{i + 1}," + ",".join(f"{value:.9g}" for value in columns) + "\n")


def curves_command(args):
    seeds = [int(s) for s in args.seeds.split(",")]
    settings = {"exemplar": args.exemplar, "weights": args.weights, "seeds": seeds, "iterations": args.iterations,
                "batch": args.batch, "size": args.size, "levels": args.levels, "lr": args.lr, "channels": 8,
                "noise_channels": 3, "padding": "circular", "leaky_relu_slope": 0.01, "normalisation": "batch",
                "style_layers": T.STYLE_LAYERS, "style_weight": 1.0, "optimiser": "Adam (torch defaults), constant lr",
                "loss": "train_step's return value: the batch's loss before the Adam step", **environment(args)}
    runs = []
    for seed in seeds:
        torch.manual_seed(seed)
        vgg, generator, optimiser, grams = build(args)
        losses, start = [], time.perf_counter()
        for i in range(args.iterations):
            losses.append(T.train_step(generator, vgg, optimiser, grams, args.batch, args.size))
            if (i + 1) % 25 == 0 or i == 0:
                print(f"seed {seed} iteration {i + 1}: loss {losses[-1]:.6g}", flush=True)
        runs.append({"seed": seed, "loss": losses, "seconds": time.perf_counter() - start})
        write_curves(args, settings, runs)


def rss_command(args):
    if args.mode == "style" and not args.content:
        sys.exit("train_torch.py: rss --mode style needs --content IMAGE")
    torch.manual_seed(0)
    vgg, generator, optimiser, grams = build(args, args.mode)
    content = None
    if args.mode == "style":
        content = resized_image(args.content, args.size).expand(args.batch, -1, -1, -1).contiguous()
    rss_before = status_mib("VmRSS")
    seconds = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        T.train_step(generator, vgg, optimiser, grams, args.batch, args.size, content, content_w=1.0)
        seconds.append(time.perf_counter() - start)
    result = {"mode": args.mode, "levels": args.levels, "batch": args.batch, "size": args.size,
              "iterations": args.iterations, "content": args.content, "exemplar": args.exemplar,
              "rss_after_import_torch_mib": RSS_AFTER_IMPORT_TORCH_MIB, "rss_before_training_mib": rss_before,
              "peak_rss_vmhwm_mib": status_mib("VmHWM"),
              "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "seconds_per_step": seconds, **environment(args)}
    print(json.dumps(result, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    commands = parser.add_subparsers(dest="command", required=True)

    exemplar = commands.add_parser("exemplar", help="write a resized image as float32 [1, 3, S, S] to FILE.h5:/style")
    exemplar.add_argument("--image", required=True, help="PNG or JPEG; converted to RGB (grey is replicated)")
    exemplar.add_argument("--size", type=int, required=True,
                          help="resized with PIL's bicubic filter to size x size (8-bit), then divided by 255")
    exemplar.add_argument("--out", required=True, help="the HDF5 file to write (dataset /style)")

    for name, text in (("curves", "loss of every iteration of train_step, for several seeds"),
                       ("rss", "peak RSS and seconds per step of a few train steps in this process")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--exemplar", required=True, help="the style image, FILE.h5:/dataset (see exemplar)")
        command.add_argument("--weights", required=True, help="vgg19_normalised.h5 (or the reference's .pth)")
        command.add_argument("--batch", type=int, default=4 if name == "curves" else 16)
        command.add_argument("--size", type=int, default=128 if name == "curves" else 256)
        command.add_argument("--levels", type=int, default=5, help="K, the number of scales")
        command.add_argument("--lr", type=float, default=0.1, help="Adam's learning rate")
        command.add_argument("--iterations", type=int, default=300 if name == "curves" else 3)
    curves = commands.choices["curves"]
    curves.add_argument("--seeds", default="0,1,2", help="comma-separated torch.manual_seed values")
    curves.add_argument("--out", required=True, help="the JSON file (rewritten after every seed)")
    curves.add_argument("--csv", help="also iteration,seed...,mean,min,max as CSV with a '#' header line")
    rss = commands.choices["rss"]
    rss.add_argument("--mode", choices=("texture", "style"), default="texture")
    rss.add_argument("--content", help="style mode: a content image, PIL bicubic to size x size, repeated to the batch")
    rss.add_argument("--out", help="also write the JSON here")

    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"exemplar": exemplar_command, "curves": curves_command, "rss": rss_command}[args.command](args)


if __name__ == "__main__":
    main()

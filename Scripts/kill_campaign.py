"""Kill -9 campaign: every long command killed with SIGKILL at a random moment, then resumed.

Usage (Scripts/kill-campaign wraps it with a venv holding h5py and numpy):

    python Scripts/kill_campaign.py --harness .build/release/harness --runs 30 gatys train run

For each command: one uninterrupted run of a tiny job (32x32, a few dozen iterations, a
checkpoint every 2 iterations) gives the reference outputs and the run's duration D; then each of
N runs is started afresh, killed with SIGKILL at a moment drawn uniformly from [0, D) (startup,
iterations, checkpoint and store writes alike) and resumed the way a user would (`--resume DIR`
for train and gatys, the same `harness run` again for an experiment; a run killed before its
first checkpoint has nothing to resume and is started again in an empty folder). Checked after
every kill: the checkpoint on disk, if any, opens with h5py and is complete (its format and
iteration attributes and datasets read), and no process of the killed run is left. Checked after
every resume: every HDF5 file in the run folder opens with h5py and reads in full, and every
dataset (metric tables without their timing columns), PNG image and, for `run`, every
non-timing field of summary.json equals the uninterrupted run's, bit for bit.

Prints one line per kill and a table of figures per command; exits 1 if any check failed.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

TIMING_COLUMNS = {"wall_seconds", "iteration_seconds", "peak_rss_mib"}
SKIPPED_PARTS = ("timing", "incomplete", ".partial-")


def tiny_jobs(work, data):
    """The three commands' arguments (without --out) and their resume commands."""
    style = os.path.join(data, "textures", "brick.png")
    weights = os.path.join(data, "vgg19_normalised.h5")
    layers = "relu1_1,relu2_1"
    gatys = ["gatys", "--style", style, "--weights", weights, "--size", "32", "--iterations", "60",
             "--style-layers", layers, "--save-every", "10", "--checkpoint-every", "2",
             "--print-every", "1", "--quiet"]
    train = ["train", "--style", style, "--weights", weights, "--size", "32", "--batch-size", "2",
             "--levels", "3", "--iterations", "40", "--style-layers", layers, "--sample-every", "10",
             "--checkpoint-every", "2", "--print-every", "1", "--quiet"]
    experiment = {
        "extends": "paper", "notes": "kill campaign: one tiny point", "seed": 5,
        "task": {"styles": [style]},
        "objective": {"style": {"layers": ["relu1_1", "relu2_1"]}, "weights": weights},
        "training": {"size": 32, "batchSize": 2, "iterations": 12, "printEvery": 1,
                     "sampleEvery": 4, "sampleCount": 1, "checkpointEvery": 2},
        "evaluation": {"sampleCount": 2, "sizes": [32], "timingRuns": 2},
        "gatys": {"size": 32, "iterations": 20, "printEvery": 1, "checkpointEvery": 2},
    }
    path = os.path.join(work, "tiny-point.json")
    notebooks = os.path.join(work, "notebooks")
    with open(path, "w") as file:
        json.dump(experiment, file)
    return {
        "gatys": (lambda out: gatys + ["--out", out], lambda out: ["gatys", "--resume", out, "--quiet"]),
        "train": (lambda out: train + ["--out", out], lambda out: ["train", "--resume", out, "--quiet"]),
        # The end-of-run report goes to the work folder, not the current folder's notebooks-md.
        "run": (lambda out: ["run", path, "--out", out, "--quiet", "--notebooks", notebooks],
                lambda out: ["run", path, "--out", out, "--quiet", "--notebooks", notebooks]),
    }


def checkpoints(folder):
    """Every checkpoint.h5 under `folder`."""
    found = []
    for directory, _, names in os.walk(folder):
        found += [os.path.join(directory, n) for n in names if n == "checkpoint.h5"]
    return found


def partial_files(folder):
    found = []
    for directory, _, names in os.walk(folder):
        found += [os.path.join(directory, n) for n in names if ".partial-" in n]
    return found


def read_everything(path):
    """Opens `path` with h5py and reads every dataset and attribute (raises if anything fails)."""
    with h5py.File(path, "r") as file:
        def visit(name, item):
            for key in item.attrs:
                item.attrs[key]
            if isinstance(item, h5py.Dataset):
                item[()]
        file.visititems(visit)
        for key in file.attrs:
            file.attrs[key]


def check_checkpoint(path):
    """A checkpoint is complete: it reads in full and has its format and iteration."""
    read_everything(path)
    with h5py.File(path, "r") as file:
        if "format" not in file.attrs or "iteration" not in file.attrs:
            raise ValueError("no format or iteration attribute")


def datasets(path):
    """{name: bytes} of every dataset, metric tables without their timing columns."""
    out = {}
    with h5py.File(path, "r") as file:
        def visit(name, item):
            if not isinstance(item, h5py.Dataset):
                return
            value = item[()]
            if "columns" in item.attrs and value.ndim == 2:
                columns = [c.decode() if isinstance(c, bytes) else str(c) for c in item.attrs["columns"]]
                keep = [i for i, c in enumerate(columns) if c not in TIMING_COLUMNS]
                value = value[:, keep]
            out[name] = (value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
        file.visititems(visit)
    return out


def compared_files(folder):
    """The HDF5 and PNG files that must equal the reference's (not timings, not checkpoints)."""
    chosen = []
    for directory, _, names in os.walk(folder):
        relative = os.path.relpath(directory, folder)
        if any(part in relative for part in SKIPPED_PARTS):
            continue
        for name in names:
            if any(part in name for part in SKIPPED_PARTS) or name == "checkpoint.h5":
                continue
            if name.endswith(".h5") or name.endswith(".png"):
                chosen.append(os.path.normpath(os.path.join(relative, name)))
    return sorted(chosen)


def summary_fields(folder):
    """The non-timing fields of every summary.json of a `run` folder."""
    fields = {}
    for directory, _, names in os.walk(folder):
        if "summary.json" in names and os.path.exists(os.path.join(directory, "point.json")):
            with open(os.path.join(directory, "summary.json")) as file:
                summary = json.load(file)
            fields[os.path.relpath(directory, folder)] = (
                summary["trainingFinalLoss"], summary["trainingIterations"],
                [e["sampleLosses"] for e in summary["evaluations"]],
                [(g["iterations"], g["finalLoss"], g["targetLoss"], g["reachedLoss"]) for g in summary["gatys"]])
    return fields


def differences(reference, folder, command):
    """What differs between the uninterrupted run and a resumed one (empty when equal)."""
    problems = []
    expected = compared_files(reference)
    actual = compared_files(folder)
    if expected != actual:
        problems.append(f"files differ: missing {sorted(set(expected) - set(actual))}, extra {sorted(set(actual) - set(expected))}")
    for name in expected:
        a, b = os.path.join(reference, name), os.path.join(folder, name)
        if not os.path.exists(b):
            continue
        if name.endswith(".png"):
            if open(a, "rb").read() != open(b, "rb").read():
                problems.append(f"{name}: image bytes differ")
            continue
        x, y = datasets(a), datasets(b)
        if x.keys() != y.keys():
            problems.append(f"{name}: datasets differ: {sorted(set(x) ^ set(y))}")
        for key in sorted(set(x) & set(y)):
            if x[key] != y[key]:
                problems.append(f"{name}:/{key}: values differ (shapes {x[key][1]} and {y[key][1]})")
    if command == "run" and summary_fields(reference) != summary_fields(folder):
        problems.append("summary.json differs in a non-timing field")
    return problems


def run_to_end(harness, arguments, environment):
    result = subprocess.run([harness] + arguments, env=environment, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    return result.returncode, result.stderr


def group_alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def campaign(command, jobs, harness, runs, work, environment, rng, log):
    start, resume = jobs[command]
    reference = os.path.join(work, command, "reference")
    began = time.monotonic()
    status, error = run_to_end(harness, start(reference), environment)
    duration = time.monotonic() - began
    if status != 0:
        raise SystemExit(f"kill-campaign: the uninterrupted {command} run failed ({status}):\n{error}")
    figures = {"command": command, "runs": runs, "duration": duration, "killed": 0,
               "finished_before_kill": 0, "no_checkpoint": 0, "checkpoint_ok": 0,
               "in_checkpoint_write": 0, "stores_read_after_kill": 0, "stores_after_kill": 0,
               "orphans": 0, "resumed_equal": 0, "failures": 0, "resume_seconds": 0.0}
    for index in range(runs):
        folder = os.path.join(work, command, f"kill-{index:03d}")
        at = rng.uniform(0, duration)
        process = subprocess.Popen([harness] + start(folder), env=environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=at)
            figures["finished_before_kill"] += 1
            outcome = "finished before the kill"
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            figures["killed"] += 1
            outcome = "killed"
        problems = []
        time.sleep(0.05)
        if group_alive(process.pid):
            figures["orphans"] += 1
            problems.append("a process of the killed run is still running")
            os.killpg(process.pid, signal.SIGKILL)
        if partial_files(folder):
            figures["in_checkpoint_write"] += 1
        found = checkpoints(folder)
        for path in found:
            try:
                check_checkpoint(path)
            except Exception as error:
                problems.append(f"{path}: checkpoint does not read after the kill: {error}")
        if found and not problems:
            figures["checkpoint_ok"] += 1
        for directory, _, names in os.walk(folder):
            for name in names:
                if name == "store.h5":
                    figures["stores_after_kill"] += 1
                    try:
                        read_everything(os.path.join(directory, name))
                        figures["stores_read_after_kill"] += 1
                    except Exception:
                        pass
        began = time.monotonic()
        if command != "run" and not found and outcome == "killed":
            # Nothing to resume: the user starts again in an empty folder.
            figures["no_checkpoint"] += 1
            shutil.rmtree(folder, ignore_errors=True)
            status, error = run_to_end(harness, start(folder), environment)
        elif outcome == "killed":
            status, error = run_to_end(harness, resume(folder), environment)
        else:
            status, error = 0, ""
        figures["resume_seconds"] += time.monotonic() - began
        if status != 0:
            problems.append(f"the resume exited with {status}: {error.strip().splitlines()[-3:]}")
        for directory, _, names in os.walk(folder):
            # A stage killed before its first checkpoint is moved aside as NAME.incomplete-T and
            # never touched again: its store is the killed process's, which h5py may not read
            # (objects of an interrupted first flush; Sources/Store/README.md), as after the kill.
            if ".incomplete-" in directory:
                continue
            for name in names:
                if name.endswith(".h5") and ".partial-" not in name:
                    try:
                        read_everything(os.path.join(directory, name))
                    except Exception as error:
                        problems.append(f"{os.path.join(directory, name)}: h5py cannot read it after the resume: {error}")
        if status == 0:
            problems += differences(reference, folder, command)
        if problems:
            figures["failures"] += 1
        else:
            figures["resumed_equal"] += 1
            shutil.rmtree(folder, ignore_errors=True)
        print(f"{command} {index + 1}/{runs}: {outcome} at {at:.2f}s of {duration:.2f}s, "
              f"{'checkpoint found' if found else 'no checkpoint'}: "
              + ("ok, equal to the uninterrupted run" if not problems else "FAILED: " + "; ".join(problems[:4])),
              file=log, flush=True)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--harness", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=None, help="the kill moments' seed (default: random, printed)")
    parser.add_argument("--work", default=None, help="the work folder (default: a fresh temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("commands", nargs="*", default=["gatys", "train", "run"])
    arguments = parser.parse_args()
    data = os.environ.get("TEXTURE_NETS_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
    for needed in ["vgg19_normalised.h5", "textures/brick.png"]:
        if not os.path.exists(os.path.join(data, needed)):
            raise SystemExit(f"kill-campaign: {os.path.join(data, needed)}: missing (run Scripts/setup or set TEXTURE_NETS_DATA)")
    seed = arguments.seed if arguments.seed is not None else random.randrange(1 << 32)
    work = arguments.work or tempfile.mkdtemp(prefix="kill-campaign-")
    os.makedirs(work, exist_ok=True)
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    print(f"kill-campaign: seed {seed}, work folder {work}, harness {arguments.harness}", flush=True)
    rng = random.Random(seed)
    jobs = tiny_jobs(work, os.path.abspath(data))
    table = []
    for command in arguments.commands:
        if command not in jobs:
            raise SystemExit(f"kill-campaign: unknown command {command!r} (gatys, train or run)")
        table.append(campaign(command, jobs, arguments.harness, arguments.runs, work, environment, rng, sys.stdout))
    print()
    print("| command | runs | run s | killed | finished first | no checkpoint yet | inside an atomic write (.partial left) "
          "| checkpoint read after kill | stores h5py-read after kill | orphans | resumed equal | failures |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for f in table:
        print(f"| {f['command']} | {f['runs']} | {f['duration']:.2f} | {f['killed']} | {f['finished_before_kill']} "
              f"| {f['no_checkpoint']} | {f['in_checkpoint_write']} | {f['checkpoint_ok']} "
              f"| {f['stores_read_after_kill']}/{f['stores_after_kill']} | {f['orphans']} "
              f"| {f['resumed_equal']}/{f['runs']} | {f['failures']} |")
    failed = sum(f["failures"] for f in table)
    if not arguments.keep and failed == 0 and arguments.work is None:
        shutil.rmtree(work, ignore_errors=True)
    elif failed:
        print(f"kill-campaign: failed runs kept in {work}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

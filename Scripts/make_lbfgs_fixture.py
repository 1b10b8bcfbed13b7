#!/usr/bin/env python3
"""Writes Tests/OptimizersTests/Fixtures/torch_optim_reference.json: torch.optim.LBFGS and Adam trajectories.

The Swift `LBFGS` (Sources/Optimizers) is tested against these. Each case runs torch.optim.LBFGS
one iteration per `step` call (max_iter=1, so the iterate after every iteration can be recorded)
and records, after each iteration: the iterate, the loss there, the step length t, the number of
curvature pairs in the history and the number of objective evaluations that iteration made.

With max_iter=1 torch evaluates the objective once at the start of every step. With no line
search that is the iteration's only evaluation (and the same one the loop mode makes at the end of
the previous iteration). With strong Wolfe it repeats the line search's last evaluation, so the
line search's own count is (closure calls in the step) - 1; max_eval = 26 gives every line search
torch's default budget of max_ls = 25 evaluations.

`roundingEnvelope` bounds how far float32-sized rounding alone moves the float64 trajectory (see
`rounding_envelope`); the Swift test's tolerance is a multiple of it. Rosenbrock trajectories
amplify rounding from ~1e-7 to ~1e-1 within 30 iterations, so no fixed tolerance would do.

Every case is run in float32 and in float64 (both from the float32-rounded start). With
`run(..., double_objective=True)` (float32 iterates, objective in float64 as the Swift tests'
objectives compute it) torch's float32 run is no closer to the Swift one: the remaining difference
is the optimiser's own rounding, amplified.
The `adam` section holds torch.optim.Adam (defaults, bias correction) iterates the same way.

Usage: python Scripts/make_lbfgs_fixture.py [--out Tests/OptimizersTests/Fixtures/torch_optim_reference.json]
"""
import argparse
import json
import platform

import torch


def rosenbrock(x):
    """Sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2; minimum 0 at (1, ..., 1)."""
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def quadratic(x):
    """0.5 sum_i a_i x_i^2 - sum_i x_i with a_i = 1 + i (i = 0..n-1); minimum at x_i = 1 / a_i."""
    a = torch.arange(1, x.numel() + 1, dtype=x.dtype)
    return 0.5 * (a * x * x).sum() - x.sum()


FUNCTIONS = {"rosenbrock": rosenbrock, "quadratic": quadratic}

CASES = [
    # name, function, start, iterations, lr, history_size, line_search
    ("rosenbrock2_none", "rosenbrock", [-1.2, 1.0], 30, 1.0, 100, None),
    ("rosenbrock2_wolfe", "rosenbrock", [-1.2, 1.0], 30, 1.0, 100, "strong_wolfe"),
    ("rosenbrock2_wolfe_origin", "rosenbrock", [0.0, 0.0], 30, 1.0, 100, "strong_wolfe"),
    ("rosenbrock10_wolfe", "rosenbrock", [0.0] * 10, 30, 1.0, 100, "strong_wolfe"),
    ("rosenbrock10_wolfe_history3", "rosenbrock", [0.0] * 10, 30, 1.0, 3, "strong_wolfe"),
    ("quadratic8_none_history3", "quadratic", [0.0] * 8, 30, 1.0, 3, None),
    ("quadratic8_none_lr0.5", "quadratic", [0.0] * 8, 30, 0.5, 100, None),
]


def run(function, start, iterations, lr, history_size, line_search, dtype, double_objective=False):
    """One trajectory. double_objective: float32 parameters, but f and its gradient computed in
    float64 from them and the gradient rounded to float32, exactly as the Swift tests' objectives."""
    f = FUNCTIONS[function]
    # Every run starts from the float32-rounded start, so the float64 run differs from the float32
    # one by the rounding made along the way only.
    x = torch.tensor(start, dtype=torch.float32).to(dtype).requires_grad_(True)
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=1, max_eval=26, history_size=history_size,
                            tolerance_grad=0.0, tolerance_change=0.0, line_search_fn=line_search)
    calls = [0]

    def closure():
        calls[0] += 1
        opt.zero_grad()
        if double_objective:
            wide = x.detach().double().requires_grad_(True)
            loss = f(wide)
            loss.backward()
            x.grad = wide.grad.to(x.dtype)
            return loss.detach()
        loss = f(x)
        loss.backward()
        return loss

    rows = []
    for _ in range(iterations):
        before = calls[0]
        opt.step(closure)
        made = calls[0] - before
        state = opt.state[x]
        with torch.no_grad():
            loss = float(f(x.detach().double()))
        rows.append({
            "x": [float(v) for v in x.detach().double()],
            "loss": loss,
            "t": float(state["t"]),
            "history": len(state["old_dirs"]),
            # the step's start evaluation is the iteration's own with no line search, a repeat otherwise
            "evaluations": made if line_search is None else made - 1,
        })
    return rows


def rounding_envelope(function, start, iterations, lr, history_size, line_search, reference, runs=32):
    """How far float32-sized rounding alone can move the float64 trajectory: the running maximum
    over iterations of max over `runs` float64 runs of ||x_run - x_reference||_inf, where each run
    multiplies every gradient and every iterate by (1 + u), u uniform in +-2^-24 (half a float32
    ulp, relative), freshly drawn per value and per evaluation / iteration."""
    f = FUNCTIONS[function]
    generator = torch.Generator().manual_seed(0)

    def noise(shape):
        return 1 + (torch.rand(shape, generator=generator, dtype=torch.float64) - 0.5) * 2 ** -23

    largest = [0.0] * iterations
    for _ in range(runs):
        x = torch.tensor(start, dtype=torch.float32).double().requires_grad_(True)
        opt = torch.optim.LBFGS([x], lr=lr, max_iter=1, max_eval=26, history_size=history_size,
                                tolerance_grad=0.0, tolerance_change=0.0, line_search_fn=line_search)

        def closure():
            opt.zero_grad()
            loss = f(x)
            loss.backward()
            x.grad.mul_(noise(x.shape))
            return loss

        for i in range(iterations):
            opt.step(closure)
            with torch.no_grad():
                x.mul_(noise(x.shape))
                deviation = max(abs(float(a) - b) for a, b in zip(x, reference[i]["x"]))
            largest[i] = max(largest[i], deviation)
    envelope, running = [], 0.0
    for value in largest:
        running = max(running, value)
        envelope.append(running)
    return envelope


ADAM_CASES = [
    # name, function, start, steps, lr
    ("adam_rosenbrock2", "rosenbrock", [-1.2, 1.0], 100, 0.05),
]


def run_adam(function, start, steps, lr, dtype):
    """torch.optim.Adam (betas 0.9, 0.999, eps 1e-8, bias correction): the iterate after each step."""
    f = FUNCTIONS[function]
    x = torch.tensor(start, dtype=torch.float32).to(dtype).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr, foreach=False)
    rows = []
    for _ in range(steps):
        opt.zero_grad()
        f(x).backward()
        opt.step()
        rows.append({"x": [float(v) for v in x.detach().double()]})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="Tests/OptimizersTests/Fixtures/torch_optim_reference.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    cases = []
    for name, function, start, iterations, lr, history_size, line_search in CASES:
        float64 = run(function, start, iterations, lr, history_size, line_search, torch.float64)
        cases.append({
            "name": name, "function": function, "start": start, "iterations": iterations,
            "learningRate": lr, "historySize": history_size,
            "lineSearch": "strongWolfe" if line_search else "none",
            "float32": run(function, start, iterations, lr, history_size, line_search, torch.float32),
            "float64": float64,
            "roundingEnvelope": rounding_envelope(function, start, iterations, lr, history_size,
                                                  line_search, float64),
        })
    adam = []
    for name, function, start, steps, lr in ADAM_CASES:
        adam.append({
            "name": name, "function": function, "start": start, "steps": steps, "learningRate": lr,
            "float32": run_adam(function, start, steps, lr, torch.float32),
            "float64": run_adam(function, start, steps, lr, torch.float64),
        })
    document = {
        "what": "torch.optim.LBFGS trajectories (max_iter=1 per step, max_eval=26, tolerance_grad=0, "
                "tolerance_change=0); per iteration: iterate x, float64 loss at x, step length t, "
                "curvature pairs held, objective evaluations made by the iteration",
        "generator": "Scripts/make_lbfgs_fixture.py",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cases": cases,
        "adam": adam,
    }
    with open(args.out, "w") as out:
        json.dump(document, out, separators=(",", ":"))
        out.write("\n")


if __name__ == "__main__":
    main()

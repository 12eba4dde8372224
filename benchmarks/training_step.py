"""One training step of the paper's model, ltc-ref against ncps 1.0.1, side by side in one run.

    pip install -e ".[ncps]"                    # torch 2.13.0 (CPU) + ncps 1.0.1
    python benchmarks/training_step.py          # about 5 minutes on 2 cores
    python benchmarks/training_step.py --quick  # one run, fewer samples
    python benchmarks/training_step.py --json training_step.json
    python benchmarks/training_step.py --profile     # only ltc-ref: where a step's time goes
    python benchmarks/training_step.py --after-ncps  # ltc-ref's steps right after ncps's

The model (SPEC §4, ``docs/training.md``): an LTC of 32 fully connected units (ncps's
``LTC(C, 32)``: its ``FullyConnected`` wiring, every neuron an output, L = 6 fused sub-steps,
ε = 1e-8, Δt = 1, softplus-constrained positive parameters), a dense read-out to K = 10 classes
at every time step, softmax cross-entropy, Adam (learning rate 1e-3), float32. One step is
forward, loss, backward and the Adam update, on the same batch every time:

* ncps: ``model(x)`` → ``torch.nn.Linear`` → ``cross_entropy`` → ``loss.backward()`` →
  ``torch.optim.Adam.step()``;
* ltc-ref: `ltc_ref.training.model.loss_and_grad` (one forward pass, backpropagation through
  time by the Numba kernels) → `ltc_ref.training.optim.adam_step` — what ``ltc-ref train`` runs
  per batch (`ltc_ref.training.loop`), on the same parameters (converted from the ncps model by
  `ltc_ref.interop.ncps.from_ncps`, the read-out copied).

Two configurations (issue 16): gesture-like (B = 16, T = 32, C = 32, a label at every step) and
sequential-MNIST-like (B = 128, T = 28, C = 28, a label at the last step). Before timing, the
first step's loss and gradients are compared (same numbers to float32 rounding). Timings
alternate between the two implementations (`vs_ncps.alternate`: each sample ≥ 0.2 s, medians),
over ``--runs`` runs; torch and ltc-ref on the same number of threads (``--threads``, 2).
Differences: ncps also trains its output map (``output_w``, ``output_b``, 2·32 numbers), which
ltc-ref's training keeps fixed at 1 and 0 (the read-out makes them redundant); their cost is
negligible beside the recurrent synapses. Prints JSON, then a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from functools import partial
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sigmoid_throughput  # noqa: E402
import vs_ncps  # noqa: E402

UNITS, CLASSES, L, EPSILON, LEARNING_RATE = 32, 10, 6, 1e-8, 1e-3

#: (name, B, T, C, target steps, the issue's target ratio ncps / ltc-ref)
CONFIGS = [
    ("gesture-like", 16, 32, 32, "all", 15.0),
    ("smnist-like", 128, 28, 28, "last", 6.0),
]


class Pair:
    """The same model and batch in ncps (torch) and ltc-ref, each with its own Adam state."""

    def __init__(self, B: int, T: int, C: int, target_steps: str, seed: int = 0):
        import torch
        from ncps.torch import LTC

        from ltc_ref.interop.ncps import from_ncps
        from ltc_ref.training.head import DenseHead
        from ltc_ref.training.losses import Objective
        from ltc_ref.training.model import Model
        from ltc_ref.training.optim import adam_init

        torch.manual_seed(seed)
        self.rnn = LTC(C, UNITS, ode_unfolds=L, epsilon=EPSILON)  # float32
        self.readout = torch.nn.Linear(UNITS, CLASSES)
        parameters = [*self.rnn.parameters(), *self.readout.parameters()]
        self.optimizer = torch.optim.Adam(parameters, lr=LEARNING_RATE)
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((B, T, C)).astype(np.float32)
        self.labels = rng.integers(0, CLASSES, size=(B, T))
        self.x_t = torch.from_numpy(self.x)
        self.last = target_steps == "last"
        labels_t = torch.from_numpy(self.labels)
        self.labels_t = labels_t[:, -1] if self.last else labels_t.reshape(-1)

        params, kwargs = from_ncps(self.rnn)
        head = DenseHead(
            W=self.readout.weight.detach().numpy().T.copy(),
            b=self.readout.bias.detach().numpy().copy(),
        )
        self.model = Model(params, head, dt=1.0, unfolds=kwargs["unfolds"], epsilon=EPSILON)
        self.objective = Objective("classification", "accuracy", target_steps)
        self.theta = self.model.flatten(raw=True)  # softplus parameterisation, as ncps
        self.adam = adam_init(self.theta)

    def ncps_loss(self):
        import torch

        y, _ = self.rnn(self.x_t)
        z = self.readout(y)
        z = z[:, -1] if self.last else z.reshape(-1, CLASSES)
        return torch.nn.functional.cross_entropy(z, self.labels_t)

    def ncps_step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.ncps_loss()
        loss.backward()
        self.optimizer.step()
        return loss

    def ltc_step(self):
        from ltc_ref.training.model import loss_and_grad
        from ltc_ref.training.optim import adam_step

        model = self.model.unflatten(self.theta, raw=True)
        loss, grad, _ = loss_and_grad(
            model, self.x, self.labels, self.objective, raw=True, backend="numba"
        )
        self.theta, self.adam = adam_step(self.theta, grad, self.adam, LEARNING_RATE)
        return loss

    def agreement(self) -> dict:
        """Relative differences of the first step's loss and of the read-out's gradient (the
        chain's last link; the LTC's gradients are compared by ``vs_ncps.py``)."""
        from ltc_ref.training.model import loss_and_grad

        self.optimizer.zero_grad(set_to_none=True)
        loss_t = self.ncps_loss()
        loss_t.backward()
        loss, grad, _ = loss_and_grad(
            self.model, self.x, self.labels, self.objective, raw=True, backend="numba"
        )
        n_head = self.model.head.size
        g_W = grad[-n_head:-CLASSES].reshape(UNITS, CLASSES)
        return {
            "loss": abs(loss - loss_t.item()) / abs(loss_t.item()),
            "readout_gradient": vs_ncps._rel(g_W, self.readout.weight.grad.numpy().T),
        }


def measure(name, B, T, C, steps, repeats) -> dict:
    pair = Pair(B, T, C, steps)
    agree = pair.agreement()
    ncps_s, ltc_s = vs_ncps.alternate(pair.ncps_step, pair.ltc_step, repeats)
    return {
        "config": name,
        "B": B,
        "T": T,
        "C": C,
        "target_steps": steps,
        "agreement": agree,
        "ncps_ms": 1e3 * ncps_s,
        "ltc_ref_ms": 1e3 * ltc_s,
        "ratio": ncps_s / ltc_s,
    }


def run(quick: bool, threads: int, runs: int) -> dict:
    import torch

    vs_ncps.use_threads(threads)
    result = {
        "machine": sigmoid_throughput.machine(),
        "threads": {"torch": torch.get_num_threads(), "ltc_ref": threads},
        "settings": {"units": UNITS, "classes": CLASSES, "L": L, "epsilon": EPSILON,
                     "learning_rate": LEARNING_RATE, "dtype": "float32", "runs": runs},
    }  # fmt: skip
    all_runs = []
    for k in range(runs):
        print(f"run {k + 1}/{runs}, load average {vs_ncps.load_average()}", file=sys.stderr)
        rows = [measure(n, B, T, C, s, 3 if quick else 9) for n, B, T, C, s, _ in CONFIGS]
        for row in rows:
            print(f"  {row['config']}: {row['ratio']:.1f}x", file=sys.stderr, flush=True)
        all_runs.append(rows)
    result["runs"] = all_runs
    result["rows"] = [
        {**cells[0], **{k: statistics.median(c[k] for c in cells)
                        for k in ("ncps_ms", "ltc_ref_ms", "ratio")}}
        for cells in zip(*all_runs, strict=True)
    ]  # fmt: skip
    result["targets"] = [
        {
            "target": f"{name}: ncps / ltc-ref >= {want:g}x",
            "measured": f"{row['ratio']:.1f}x",
            "met": row["ratio"] >= want,
        }
        for (name, *_, want), row in zip(CONFIGS, result["rows"], strict=True)
    ]
    result["load_average_end"] = vs_ncps.load_average()
    return result


def profile(steps: int = 40) -> dict:
    """Where one ltc-ref training step's time goes (no ncps step is run): each kernel call's
    chunks timed in the thread that runs them (``calling``: this thread; ``pool``: the other),
    the kernels' wall time (first chunk's start to last chunk's end, per call), and the rest of
    the step (validation, the read-out, the loss, Adam: Python and NumPy). Medians per step."""
    import threading
    import time

    from ltc_ref.kernels import _driver

    calling = threading.get_ident()
    events = []  # (kernel name, thread, start, end)
    original = _driver._run

    def timed_run(kernel, chunks, args_of):
        def timed_kernel(*args):
            start = time.perf_counter()
            kernel(*args)
            thread = "calling" if threading.get_ident() == calling else "pool"
            events.append((kernel.__name__, thread, start, time.perf_counter()))

        original(timed_kernel, chunks, args_of)

    rows = []
    _driver._run = timed_run
    try:
        for name, B, T, C, target, _ in CONFIGS:
            pair = Pair(B, T, C, target)
            for _ in range(5):
                pair.ltc_step()
            parts = {}
            for _ in range(steps):
                events.clear()
                start = time.perf_counter()
                pair.ltc_step()
                total = time.perf_counter() - start
                step = {"step": total}
                for kernel_name in {e[0] for e in events}:
                    mine = [e for e in events if e[0] == kernel_name]
                    for thread in ("calling", "pool"):
                        spent = sum(e[3] - e[2] for e in mine if e[1] == thread)
                        step[f"{kernel_name} ({thread} thread)"] = spent
                    step[f"{kernel_name} (wall)"] = max(e[3] for e in mine) - min(
                        e[2] for e in mine
                    )
                walls = [v for k, v in step.items() if k.endswith("(wall)")]
                step["outside the kernels"] = total - sum(walls)
                for key, value in step.items():
                    parts.setdefault(key, []).append(value)
            rows.append(
                {
                    "config": name,
                    "B": B,
                    "ms": {k: 1e3 * statistics.median(v) for k, v in parts.items()},
                }
            )
    finally:
        _driver._run = original
    return {"machine": sigmoid_throughput.machine(), "steps": steps, "rows": rows}


#: Pauses after an ncps step before ltc-ref steps are timed (`after_ncps`), in seconds.
AFTER_NCPS_PAUSES = (0.05, 0.2, 0.8)


def after_ncps(samples: int = 9, steps: int = 8) -> dict:
    """How long ltc-ref's steps stay slow after an ncps step in the same process: the mean of
    the first ``steps`` ltc-ref steps after one ncps step and a pause, for each pause of
    `AFTER_NCPS_PAUSES`, beside the same steps after the same pause without an ncps step and in
    the steady state (steps back to back). Medians over ``samples``. This is what the length of a
    timed sample (`vs_ncps.MIN_SAMPLE_SECONDS`) has to amortise."""
    import time

    def mean_step(pair, before) -> float:
        before()
        start = time.perf_counter()
        for _ in range(steps):
            pair.ltc_step()
        return (time.perf_counter() - start) / steps

    rows = []
    for name, B, T, C, target, _ in CONFIGS:
        pair = Pair(B, T, C, target)
        for _ in range(3):
            pair.ncps_step()
            pair.ltc_step()

        def ncps_then_pause(pause, pair=pair):
            pair.ncps_step()
            time.sleep(pause)

        cases = {"steady (back to back)": lambda: None}
        for pause in AFTER_NCPS_PAUSES:
            cases[f"after a {pause:g} s pause"] = partial(time.sleep, pause)
            cases[f"after an ncps step and a {pause:g} s pause"] = partial(ncps_then_pause, pause)
        ms = {}
        for case, before in cases.items():
            times = [mean_step(pair, before) for _ in range(samples)]
            ms[case] = 1e3 * statistics.median(times)
        rows.append({"config": name, "B": B, "ms": ms})
    return {"machine": sigmoid_throughput.machine(), "steps": steps, "rows": rows}


def profile_table(result) -> str:
    keys = list(result["rows"][0]["ms"])
    lines = [
        "| part (median ms per step) | " + " | ".join(r["config"] for r in result["rows"]) + " |"
    ]
    lines.append("|---|" + "---:|" * len(result["rows"]))
    for key in keys:
        cells = " | ".join(f"{r['ms'].get(key, float('nan')):.2f}" for r in result["rows"])
        lines.append(f"| {key} | {cells} |")
    return "\n".join(lines)


def table(result) -> str:
    lines = [
        "| configuration | ncps | ltc-ref (numba) | ratio | runs "
        "| loss / read-out grad agreement |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row, *cells in zip(result["rows"], *result["runs"], strict=True):
        spread = ", ".join(f"{c['ratio']:.1f}" for c in cells)
        a = row["agreement"]
        lines.append(
            f"| {row['config']} (B = {row['B']}, T = {row['T']}, C = {row['C']}) | "
            f"{row['ncps_ms']:.1f} ms | {row['ltc_ref_ms']:.1f} ms | **{row['ratio']:.1f}×** | "
            f"{spread} | {a['loss']:.1e} / {a['readout_gradient']:.1e} |"
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'no'} |"
              for t in result["targets"]]  # fmt: skip
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, 3 samples per timing")
    parser.add_argument("--threads", type=int, default=2, help="torch and ltc-ref threads")
    parser.add_argument("--runs", type=int, default=None, help="runs of both configurations")
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    parser.add_argument(
        "--profile", action="store_true", help="only ltc-ref: where one step's time goes"
    )
    parser.add_argument(
        "--after-ncps",
        action="store_true",
        help="ltc-ref's first steps after an ncps step and a pause, against its steady state",
    )
    args = parser.parse_args(argv)
    if args.threads < 1 or (args.runs is not None and args.runs < 1):
        parser.error("--threads and --runs must be >= 1")
    if args.profile or args.after_ncps:
        vs_ncps.use_threads(args.threads)
        result = profile() if args.profile else after_ncps()
        sigmoid_throughput.report(result, profile_table(result), args.json)
        return 0
    runs = args.runs or (1 if args.quick else 3)
    result = run(args.quick, args.threads, runs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    print()
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

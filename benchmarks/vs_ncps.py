"""ltc-ref's Numba kernels against ncps 1.0.1 (PyTorch), side by side in one run.

    pip install -e ".[ncps]"                 # torch 2.13.0 (CPU) + ncps 1.0.1
    python benchmarks/vs_ncps.py             # the full run (about 15 minutes on 2 cores)
    python benchmarks/vs_ncps.py --quick     # one run, fewer repeats, no memory/compile runs
    python benchmarks/vs_ncps.py --json results.json

For every dtype (float32, float64), N ∈ {32, 128} and B ∈ {1, 32} (T = 100 input steps, C = 8
inputs, L = 6 unfolds, ε = 1e-8, Δt = 1), it builds an ncps ``LTC(8, N)`` (fully connected,
softplus parameterisation: the wrapper's defaults), loads the same parameters into ltc-ref
(`ltc_ref.interop.ncps.from_ncps`), checks that outputs and parameter gradients agree, then
times both in alternation — forward, and forward + backward for the cotangent ``g_y`` of the
outputs — with torch and ltc-ref on the same number of threads (``--threads``, default 2).
Each timed sample repeats a call back to back for at least 0.2 s (`MIN_SAMPLE_SECONDS`);
figures are medians over the samples within a run, then medians over ``--runs`` runs of the
whole grid (3; contention from other processes inflates single measurements, mostly torch's,
whose threads wait for each other). Then, each in a fresh process:

* peak resident memory of forward + backward at N = 128, B = 32, float32: ltc-ref at
  T = 1000; ncps at T = 25, 50, 100 (its memory grows linearly with T: the slope,
  extrapolated to T = 1000);
* the first-call latency of ltc-ref's kernels with an empty cache (compilation) and with the
  cache a previous process wrote;

and the achieved fraction of the machine's sigmoid throughput (``sigmoid_throughput.py``).
Prints JSON, then tables; ``--json FILE`` also writes the JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sigmoid_throughput  # noqa: E402

C, T, L, EPSILON = 8, 100, 6, 1e-8

#: The issues' targets: ncps_time / ltc_ref_time measured in the same run (issue 16: forward +
#: backward; issue 5: the B = 1 forward pass), peak memory (issue 5), and the fraction of the
#: sigmoid throughput limit (issue 16: forward + backward at both N; issue 5: the forward pass at
#: N = 128, at 50%).
TARGETS = [
    ("fwd+bwd", "float64", 32, 32, 18.0),
    ("fwd+bwd", "float64", 128, 32, 9.0),
    ("fwd", "float32", 32, 1, 50.0),
]
RSS_TARGET_GIB = 0.5
#: (kind, N, B = 32, minimum fraction), for both dtypes.
SIGMOID_FRACTION_TARGETS = [
    ("fwd", 128, 0.5),
    ("fwd+bwd", 32, 0.6),
    ("fwd+bwd", 128, 0.6),
]


# ---- the two implementations ---------------------------------------------------------------


def ltc_vjp(params, x, g_y, kwargs):
    """``ltc_ref.vjp(..., backend="numba")``."""
    import ltc_ref

    return ltc_ref.vjp(params, x, g_y, backend="numba", **kwargs)


class Pair:
    """An ncps ``LTC`` and the same network in ltc-ref, with inputs and output cotangents."""

    def __init__(self, dtype: str, N: int, B: int, T: int = T, seed: int = 0):
        import torch
        from ncps.torch import LTC

        from ltc_ref.interop.ncps import from_ncps

        torch.manual_seed(seed)
        self.torch_dtype = torch.float64 if dtype == "float64" else torch.float32
        self.model = LTC(C, N, ode_unfolds=L, epsilon=EPSILON).to(self.torch_dtype)
        self.params, self.kwargs = from_ncps(self.model)
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((B, T, C)).astype(dtype)
        self.g_y = rng.standard_normal((B, T, N)).astype(dtype)
        self.x_t = torch.from_numpy(self.x)
        self.g_y_t = torch.from_numpy(self.g_y)

    def ncps_forward(self):
        import torch

        with torch.no_grad():
            return self.model(self.x_t)[0]

    def ncps_forward_backward(self):
        self.model.zero_grad(set_to_none=True)
        y, _ = self.model(self.x_t)
        y.backward(self.g_y_t)
        return y

    def ltc_forward(self):
        import ltc_ref

        return ltc_ref.forward(self.params, self.x, backend="numba", **self.kwargs)[0]

    def ltc_forward_backward(self):
        return ltc_vjp(self.params, self.x, self.g_y, self.kwargs)

    def agreement(self) -> dict:
        """Worst relative difference (max |Δ| / max |ncps|) of the outputs, and of the parameter
        gradients (ncps's raw-parameter gradients mapped to physical cotangents)."""
        from ltc_ref.interop.ncps import grads_from_state_dict

        y_ncps = self.ncps_forward().numpy()
        y_ltc = self.ltc_forward()
        out = {"y": _rel(y_ltc, y_ncps)}
        self.ncps_forward_backward()
        grads = {k: p.grad for k, p in self.model.named_parameters()}
        g_ncps = grads_from_state_dict(
            grads, self.model.state_dict(), implicit_param_constraints=True
        )
        g_ltc = self.ltc_forward_backward()[0]
        out["gradients"] = max(_rel(getattr(g_ltc, k), v) for k, v in g_ncps.items())
        return out


def _rel(got, want) -> float:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


def _seconds(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


#: Each timed sample runs the call back to back for at least this long (a few calls of ncps;
#: tens of ltc-ref's). The first calls after the pause below run slower than the steady state
#: that a training loop runs in, whichever implementation ran before: on the Intel Xeon of
#: docs/benchmarks.md (2026-12-02) the first 8 gesture-like training steps of ltc-ref took 5.2 ms
#: each after a 0.05 s pause, 7.5 ms after 0.2 s and 8.2 ms after 0.8 s, against 5.0 ms back to
#: back (`python benchmarks/training_step.py --after-ncps`); with 20 ms samples the ltc-ref
#: training step read 7.6 ms, with 0.2 s samples 5.5 ms. A sample this long amortises that
#: warm-up for both implementations.
MIN_SAMPLE_SECONDS = 0.2


#: Pause before each timed sample. torch's OpenMP workers keep spinning for a while after a
#: parallel region ends, and a call that starts meanwhile shares a core with them: one
#: gesture-like training step of ltc-ref (`training_step.py`) took 8.9 ms alone, 11.9 ms right
#: after an ncps step and 8.7 ms after an ncps step and this pause (medians of 30, 2026-12-02).
#: Each implementation is timed on a machine the other has left, as in a real training loop.
PAUSE_SECONDS = 0.05


def alternate(ncps_fn, ltc_fn, repeats: int) -> tuple[float, float]:
    """Median seconds per call of each, samples taken in alternation (after a warm-up), each
    after a pause of `PAUSE_SECONDS`."""
    inner = {}
    for name, fn in (("ncps", ncps_fn), ("ltc", ltc_fn)):
        fn()
        inner[name] = max(1, math.ceil(MIN_SAMPLE_SECONDS / _seconds(fn)))

    def sample(name, fn):
        time.sleep(PAUSE_SECONDS)
        return _seconds(lambda: [fn() for _ in range(inner[name])]) / inner[name]

    ncps_times, ltc_times = [], []
    for _ in range(repeats):
        ncps_times.append(sample("ncps", ncps_fn))
        ltc_times.append(sample("ltc", ltc_fn))
    return statistics.median(ncps_times), statistics.median(ltc_times)


def online_step_latency(pair: Pair, steps: int = 50) -> tuple[float, float]:
    """Median seconds of one input step fed one at a time (B = 1), state carried over: the
    online-inference loop, Python call overhead included."""
    import torch

    import ltc_ref

    x_steps = [pair.x[:, t : t + 1] for t in range(steps)]
    x_steps_t = [pair.x_t[:, t : t + 1] for t in range(steps)]

    def ncps_loop():
        h, times = None, []
        with torch.no_grad():
            for xt in x_steps_t:
                t0 = time.perf_counter()
                _, h = pair.model(xt, h)
                times.append(time.perf_counter() - t0)
        return times

    def ltc_loop():
        h, times = None, []
        for xt in x_steps:
            t0 = time.perf_counter()
            _, hs = ltc_ref.forward(pair.params, xt, h0=h, backend="numba", **pair.kwargs)
            h = hs[:, -1]
            times.append(time.perf_counter() - t0)
        return times

    ncps_loop()
    ltc_loop()
    return statistics.median(ncps_loop()), statistics.median(ltc_loop())


# ---- fresh processes: peak memory and compile time -------------------------------------------


def _child(args) -> int:
    """Entry point of the measurement subprocesses (``--child ...``)."""
    kind, impl = args.child
    if kind == "rss" and impl == "ncps":
        import torch

        torch.set_num_threads(args.threads)
        pair = Pair(args.dtype, args.N, args.B, T=args.T)
        small = Pair(args.dtype, args.N, args.B, T=2)
        run, warm = pair.ncps_forward_backward, small.ncps_forward_backward
    elif kind == "rss":  # ltc-ref alone: no torch in this process
        import ltc_ref

        rng = np.random.default_rng(0)
        wiring = ltc_ref.FullyConnected(args.N).build(C)
        params = ltc_ref.init_synaptic_params(wiring, rng, dtype=args.dtype)
        kw = {"unfolds": L, "epsilon": EPSILON}
        x = rng.standard_normal((args.B, args.T, C)).astype(args.dtype)
        g_y = rng.standard_normal((args.B, args.T, args.N)).astype(args.dtype)

        def run():
            return ltc_vjp(params, x, g_y, kw)

        def warm():
            return ltc_vjp(params, x[:, :2], g_y[:, :2], kw)

    if kind == "rss":
        warm()
        base = peak_rss_gib()
        seconds = _seconds(run)
        print(json.dumps({"peak_gib": peak_rss_gib(), "baseline_gib": base, "seconds": seconds}))
    elif kind == "compile":
        import ltc_ref

        rng = np.random.default_rng(0)
        out = {}
        kw = {"unfolds": L, "epsilon": 0.0}
        for dtype in ("float64", "float32"):
            params = ltc_ref.init_synaptic_params(
                ltc_ref.FullyConnected(8).build(3), rng, dtype=dtype
            )
            x = rng.standard_normal((2, 3, 3)).astype(dtype)
            out[f"forward {dtype}"] = _seconds(
                lambda p=params, x=x: ltc_ref.forward(p, x, backend="numba")
            )
            g_y = np.ones((2, 3, 8), dtype=dtype)
            out[f"vjp {dtype}"] = _seconds(lambda p=params, x=x, g=g_y: ltc_vjp(p, x, g, kw))
        print(json.dumps(out))
    return 0


def peak_rss_gib() -> float:
    """This process's peak resident set size (``VmHWM``), GiB. Not ``ru_maxrss``: Linux copies
    that from the parent at fork and keeps it across exec, so a child reports its parent's peak
    when that was higher."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20  # kB -> GiB
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def in_fresh_process(argv, env=None) -> dict:
    threads = ["--threads", os.environ.get("NUMBA_NUM_THREADS", "2")]
    result = subprocess.run(
        [sys.executable, __file__, *argv, *threads],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"child {argv} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def memory(dtype="float32", N=128, B=32) -> dict:
    ltc = in_fresh_process(["--child", "rss", "ltc", *_size(dtype, N, B, 1000)])
    ncps = {
        t: in_fresh_process(["--child", "rss", "ncps", *_size(dtype, N, B, t)])
        for t in (25, 50, 100)
    }
    growth = {t: r["peak_gib"] - r["baseline_gib"] for t, r in ncps.items()}
    slope = (growth[100] - growth[25]) / 75
    return {
        "ltc_ref": {"T": 1000, **ltc},
        "ncps": {str(t): r for t, r in ncps.items()},
        "ncps_gib_per_step": slope,
        "ncps_extrapolated_T1000_gib": growth[100] + slope * 900,
    }


def _size(dtype, N, B, T):
    return ["--dtype", dtype, "--N", str(N), "--B", str(B), "--T", str(T)]


def compile_latency() -> dict:
    with tempfile.TemporaryDirectory() as cache:
        env = {"NUMBA_CACHE_DIR": cache}
        cold = in_fresh_process(["--child", "compile", "ltc"], env)
        cached = in_fresh_process(["--child", "compile", "ltc"], env)
    return {"cold_seconds": cold, "cached_seconds": cached}


# ---- the run -----------------------------------------------------------------------------------


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except OSError:
        return None


def use_threads(n: int) -> None:
    """Run torch and ltc-ref (and the children) on ``n`` threads."""
    import numba
    import torch

    torch.set_num_threads(n)
    numba.config.NUMBA_NUM_THREADS = n  # read by ltc_ref.kernels when it splits a batch
    os.environ["NUMBA_NUM_THREADS"] = str(n)


def measure_row(dtype: str, N: int, B: int, limit: dict, n_threads: int, quick: bool) -> dict:
    """One cell of the grid: agreement, then alternating timings."""
    pair = Pair(dtype, N, B)
    agree = pair.agreement()
    heavy = N == 128 and B == 32
    reps = (2 if heavy else 3) if quick else (5 if heavy else 9)
    fwd = alternate(pair.ncps_forward, pair.ltc_forward, reps)
    bwd = alternate(pair.ncps_forward_backward, pair.ltc_forward_backward, reps)
    row = {
        "dtype": dtype,
        "N": N,
        "B": B,
        "agreement": agree,
        "fwd": {"ncps": fwd[0], "ltc_ref": fwd[1], "ratio": fwd[0] / fwd[1]},
        "fwd+bwd": {"ncps": bwd[0], "ltc_ref": bwd[1], "ratio": bwd[0] / bwd[1]},
    }
    sigmoids = (L * N * N + C * N) * B * T  # evaluated by one forward pass
    best = sigmoid_throughput.limit(limit, dtype, n_threads if B > 1 else 1)
    row["sigmoid_fraction"] = {
        "fwd": sigmoids / fwd[1] / best,
        # the forward pass and the backward pass's recomputation; the reverse sweep evaluates
        # none (it reuses the recomputed sigmoids), so its time lowers this fraction
        "fwd+bwd": 2 * sigmoids / bwd[1] / best,
    }
    if B == 1:
        online = online_step_latency(pair)
        row["step_latency"] = {
            "in_sequence": {"ncps": fwd[0] / T, "ltc_ref": fwd[1] / T},
            "online": {"ncps": online[0], "ltc_ref": online[1]},
        }
    return row


def median_rows(runs: list[list[dict]]) -> list[dict]:
    """Per cell, the median over the runs of every figure (times, ratios, fractions)."""

    def merge(values):
        if isinstance(values[0], dict):
            return {k: merge([v[k] for v in values]) for k in values[0]}
        if isinstance(values[0], (int, str)):
            return values[0]
        return statistics.median(values)

    return [merge(list(cells)) for cells in zip(*runs, strict=True)]


def run(quick: bool, threads: int, runs: int) -> dict:
    import torch

    use_threads(threads)
    result = {
        "machine": sigmoid_throughput.machine(),
        "threads": {"torch": torch.get_num_threads(), "ltc_ref": threads},
        "settings": {"C": C, "T": T, "L": L, "epsilon": EPSILON, "dt": 1.0, "runs": runs},
    }
    limit = sigmoid_throughput.measure(repeats=3 if quick else 5)
    result["sigmoid_limit"] = limit
    n_threads = max(limit["float64"]["libm"])
    all_runs = []
    for k in range(runs):
        print(f"run {k + 1}/{runs}, load average {load_average()}", file=sys.stderr, flush=True)
        rows = []
        for dtype in ("float32", "float64"):
            for N in (32, 128):
                for B in (1, 32):
                    rows.append(measure_row(dtype, N, B, limit, n_threads, quick))
                    print(_row_line(rows[-1]), file=sys.stderr, flush=True)
        all_runs.append(rows)
    result["runs"] = all_runs
    result["rows"] = median_rows(all_runs)
    if not quick:
        result["memory"] = memory()
        result["compile"] = compile_latency()
    result["load_average_end"] = load_average()
    result["targets"] = targets(result)
    return result


def _row_line(row) -> str:
    return (
        f"{row['dtype']} N={row['N']} B={row['B']}: fwd {row['fwd']['ratio']:.1f}x, "
        f"fwd+bwd {row['fwd+bwd']['ratio']:.1f}x"
    )


def targets(result) -> list[dict]:
    out = []
    for kind, dtype, N, B, want in TARGETS:
        row = next(r for r in result["rows"] if (r["dtype"], r["N"], r["B"]) == (dtype, N, B))
        got = row[kind]["ratio"]
        out.append(
            {
                "target": f"{kind}, {dtype}, N = {N}, B = {B}: ncps / ltc-ref >= {want:g}x",
                "measured": f"{got:.1f}x",
                "met": got >= want,
            }
        )
    if "memory" in result:
        peak = result["memory"]["ltc_ref"]["peak_gib"]
        out.append(
            {
                "target": f"peak RSS, fwd+bwd, N = 128, B = 32, T = 1000, float32 <= "
                f"{RSS_TARGET_GIB} GiB",
                "measured": f"{peak:.3f} GiB",
                "met": peak <= RSS_TARGET_GIB,
            }
        )
    for dtype in ("float64", "float32"):
        for kind, N, want in SIGMOID_FRACTION_TARGETS:
            row = next(r for r in result["rows"] if (r["dtype"], r["N"], r["B"]) == (dtype, N, 32))
            got = row["sigmoid_fraction"][kind]
            out.append(
                {
                    "target": f"{kind} at >= {want:.0%} of the sigmoid limit, N = {N}, B = 32, "
                    f"{dtype}",
                    "measured": f"{got:.0%}",
                    "met": got >= want,
                }
            )
    return out


def tables(result) -> str:
    def ms(s):
        return f"{s * 1e3:.2f}" if s < 1 else f"{s * 1e3:.0f}"

    lines = ["## Time (median, ms) and speed-up ncps / ltc-ref", ""]
    lines.append(
        "| dtype | N | B | fwd ncps | fwd ltc-ref | fwd ratio | fwd+bwd ncps | fwd+bwd ltc-ref "
        "| fwd+bwd ratio | sigmoid limit fwd / fwd+bwd | agreement y / grads |"
    )
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in result["rows"]:
        f, b, a, s = r["fwd"], r["fwd+bwd"], r["agreement"], r["sigmoid_fraction"]
        lines.append(
            f"| {r['dtype']} | {r['N']} | {r['B']} | {ms(f['ncps'])} | {ms(f['ltc_ref'])} | "
            f"{f['ratio']:.1f}x | {ms(b['ncps'])} | {ms(b['ltc_ref'])} | {b['ratio']:.1f}x | "
            f"{s['fwd']:.0%} / {s['fwd+bwd']:.0%} | {a['y']:.0e} / {a['gradients']:.0e} |"
        )
    lines += ["", "## Latency of one input step at B = 1 (µs)", ""]
    lines.append("| dtype | N | ncps in a T=100 call | ltc-ref | ncps online | ltc-ref online |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in result["rows"]:
        if "step_latency" in r:
            s, o = r["step_latency"]["in_sequence"], r["step_latency"]["online"]
            lines.append(
                f"| {r['dtype']} | {r['N']} | {s['ncps'] * 1e6:.0f} | {s['ltc_ref'] * 1e6:.1f} | "
                f"{o['ncps'] * 1e6:.0f} | {o['ltc_ref'] * 1e6:.1f} |"
            )
    lines += ["", "## Sigmoid throughput (G evaluations/s)", ""]
    lines.append(sigmoid_throughput.table(result["sigmoid_limit"]))
    if "memory" in result:
        m = result["memory"]
        lines += ["", "## Peak memory of fwd+bwd, N = 128, B = 32, float32 (GiB)", ""]
        lines.append("| implementation | T | peak RSS | of which before the call |")
        lines.append("|---|---:|---:|---:|")
        lt = m["ltc_ref"]
        lines.append(f"| ltc-ref | 1000 | {lt['peak_gib']:.3f} | {lt['baseline_gib']:.3f} |")
        for t, r in m["ncps"].items():
            lines.append(f"| ncps | {t} | {r['peak_gib']:.3f} | {r['baseline_gib']:.3f} |")
        lines.append(
            f"| ncps (extrapolated: {m['ncps_gib_per_step'] * 1024:.0f} MiB per step) | 1000 | "
            f"{m['ncps_extrapolated_T1000_gib']:.1f} | |"
        )
    if "compile" in result:
        c = result["compile"]
        lines += ["", "## First-call latency of the kernels (s)", ""]
        lines.append("| call | empty cache (compile) | cache of a previous process |")
        lines.append("|---|---:|---:|")
        for k in c["cold_seconds"]:
            lines.append(f"| {k} | {c['cold_seconds'][k]:.1f} | {c['cached_seconds'][k]:.2f} |")
    lines += ["", "## Targets", ""]
    lines.append("| target | measured | met |")
    lines.append("|---|---:|---|")
    for t in result["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats; no memory/compile")
    parser.add_argument("--threads", type=int, default=2, help="for torch and ltc-ref (2)")
    parser.add_argument("--runs", type=int, default=3, help="repeats of the grid; medians (3)")
    parser.add_argument("--json", help="also write the JSON to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--dtype", default="float32", help=argparse.SUPPRESS)
    parser.add_argument("--N", type=int, default=128, help=argparse.SUPPRESS)
    parser.add_argument("--B", type=int, default=32, help=argparse.SUPPRESS)
    parser.add_argument("--T", type=int, default=1000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        use_threads(args.threads)
        return _child(args)
    result = run(args.quick, args.threads, 1 if args.quick else args.runs)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print()
    print(tables(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

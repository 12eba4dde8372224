"""How many logistic sigmoids per second this machine evaluates: the limit of the LTC kernels.

    python benchmarks/sigmoid_throughput.py            # float64 and float32, 1 and all threads
    python benchmarks/sigmoid_throughput.py --json out.json

The fused solver evaluates L·N² + C·N sigmoids per input step, so their throughput bounds the
kernels' speed. Two loops over an array of z ∈ [-20, 20] that stays in the L1 cache (8192
values), each writing σ(z) to a second array:

* ``libm`` — ``1/(1 + exp(-z))`` with libm's scalar ``exp`` (what Numba makes of the
  specification's formula): one value at a time;
* ``fast-1`` — `ltc_ref.kernels._sigmoid.sigmoid` (range reduction, Padé approximant, one
  division), which LLVM vectorises: 4 float64 or 8 float32 per AVX2 instruction;
* ``fast-2`` — the same in two loops, one per stage, through a scratch array (as the kernels
  do: fewer constants live at once, so fewer reloads).

Each is run on 1 thread and on all threads (``NUMBA_NUM_THREADS``, one array per thread, in
parallel Python threads: the kernels release the GIL). The figure is the median of the repeats.
The machine's limit used by ``vs_ncps.py`` is the faster of ``fast-1`` and ``fast-2``, per
number of threads. Prints JSON, then a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import threading
import time

import numba
import numpy as np

from ltc_ref.kernels._sigmoid import kernel, sigmoid, sigmoid_finish, sigmoid_reduce

#: Values per array: 2 × 8192 × 8 bytes = 128 KiB in float64, inside the 1 MiB L2 of this
#: machine's cores and large enough that the loop's start-up cost is negligible.
SIZE = 8192


@kernel
def fast_loop(z, out, repeats):
    """``repeats`` passes of ``out[i] = sigmoid(z[i])`` (vectorised)."""
    for _ in range(repeats):
        for i in range(z.shape[0]):
            out[i] = sigmoid(z[i])


@kernel
def fast_staged_loop(z, out, repeats):
    """The same, one loop per stage of the sigmoid, as in the kernels."""
    r, scale = np.empty_like(z), np.empty_like(z)
    for _ in range(repeats):
        for i in range(z.shape[0]):
            r[i], scale[i] = sigmoid_reduce(z[i])
        for i in range(z.shape[0]):
            out[i] = sigmoid_finish(r[i], scale[i])


@kernel(fastmath=False)
def libm_loop(z, out, repeats):
    """``repeats`` passes of ``out[i] = 1 / (1 + exp(-z[i]))`` with libm's scalar exp."""
    one = z.dtype.type(1)
    for _ in range(repeats):
        for i in range(z.shape[0]):
            out[i] = one / (one + math.exp(-z[i]))


LOOPS = {"libm": libm_loop, "fast-1": fast_loop, "fast-2": fast_staged_loop}


def limit(rates: dict, dtype: str, threads: int) -> float:
    """The machine's sigmoid throughput: the faster vectorised loop."""
    return max(rates[dtype]["fast-1"][threads], rates[dtype]["fast-2"][threads])


def rate(loop, dtype, threads: int, seconds: float = 0.3) -> float:
    """Sigmoid evaluations per second of ``loop`` on ``threads`` threads (one array each)."""
    rng = np.random.default_rng(0)
    zs = [rng.uniform(-20, 20, SIZE).astype(dtype) for _ in range(threads)]
    outs = [np.empty_like(z) for z in zs]
    loop(zs[0], outs[0], 1)  # compile (or load from the cache)
    repeats = 1
    while True:  # calibrate: about `seconds` per measurement on one thread
        t0 = time.perf_counter()
        loop(zs[0], outs[0], repeats)
        elapsed = time.perf_counter() - t0
        if elapsed > seconds / 4:
            break
        repeats *= 4
    repeats = max(1, int(repeats * seconds / elapsed))
    barrier = threading.Barrier(threads)

    def work(k):
        barrier.wait()
        loop(zs[k], outs[k], repeats)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(1, threads)]
    for t in pool:
        t.start()
    t0 = time.perf_counter()
    work(0)
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    return threads * SIZE * repeats / elapsed


def measure(repeats: int = 5, dtypes=("float64", "float32")) -> dict:
    """Median rates, ``{dtype: {loop: {threads: evaluations/s}}}``."""
    n_threads = max(1, int(numba.config.NUMBA_NUM_THREADS))
    out = {}
    for name in dtypes:
        dtype = np.dtype(name)
        out[name] = {}
        for loop_name, loop in LOOPS.items():
            out[name][loop_name] = {}
            for threads in sorted({1, n_threads}):
                samples = [rate(loop, dtype, threads) for _ in range(repeats)]
                out[name][loop_name][threads] = statistics.median(samples)
    return out


def machine() -> dict:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = None
    try:
        with open("/proc/loadavg") as f:
            load = [float(v) for v in f.read().split()[:3]]
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numpy": np.__version__,
        "load_average": load,
    }


def table(rates: dict) -> str:
    lines = [
        "| dtype | loop | threads | sigmoids/s | vs libm |",
        "|---|---|---:|---:|---:|",
    ]
    for dtype, loops in rates.items():
        for loop_name, by_threads in loops.items():
            for threads, value in by_threads.items():
                speedup = value / loops["libm"][threads]
                lines.append(
                    f"| {dtype} | {loop_name} | {threads} | {value / 1e9:.3f} G | {speedup:.1f}x |"
                )
    return "\n".join(lines)


def report(result: dict, table_text: str, json_path: str | None) -> None:
    """What every benchmark script prints: the JSON (also written to ``json_path`` if given),
    then the Markdown table."""
    text = json.dumps(result, indent=2)
    print(text)
    if json_path:
        with open(json_path, "w") as f:
            f.write(text + "\n")
    print()
    print(table_text)


def run_and_report(doc: str, run, table, argv=None) -> int:
    """The command line of a benchmark script without options of its own: ``--json PATH``;
    runs ``run()`` and `report`s it with ``table(result)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--json", help="also write the JSON here")
    args = parser.parse_args(argv)
    result = run()
    report(result, table(result), args.json)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="measurements per figure")
    parser.add_argument("--json", help="also write the JSON to this file")
    args = parser.parse_args(argv)
    result = {"machine": machine(), "sigmoids_per_second": measure(args.repeats)}
    report(result, table(result["sigmoids_per_second"]), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""BPTT when the cotangents underflow: a loss at the last step only, against the same without it.

    python benchmarks/subnormals.py
    python benchmarks/subnormals.py --json subnormals.json

The kernels flush subnormal numbers to zero (`ltc_ref.kernels._fpenv`). This script shows what
that is for: `ltc_ref.vjp` (the Numba kernels, B = 128, T = 28, N = 32, C = 28, L = 6: the
sequential-MNIST-like batch of the paper's model) with three cotangents of the outputs —

* ``last`` — at the last step only (a loss on the last output): the state cotangent shrinks
  toward the start of the sequence and, in float32, passes through the subnormal range;
* ``last, x 1e30`` (float64: ``x 1e300``) — the same, scaled so that it never gets that small;
* ``every step`` — at every step (a loss on every output): no underflow either.

With subnormals flushed the three take the same time; without (the kernels before commit
``25aeecc``: ``git checkout 9febac1 -- ltc_ref/kernels``, then this script), on an Intel Xeon,
``last`` in float32 took three times as long. Medians of 7 calls after one warm-up, on
``NUMBA_NUM_THREADS`` threads. Prints JSON, then a table.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

import ltc_ref

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sigmoid_throughput

N, C, T, B = 32, 28, 28, 128
CALLS = 7


def cotangents(kind: str, dtype, rng) -> np.ndarray:
    g = np.zeros((B, T, N), dtype)
    if kind == "every step":
        g[:] = rng.standard_normal((B, T, N))
    else:
        g[:, -1] = rng.standard_normal((B, N))
        if kind.startswith("last, x"):
            g *= dtype(1e30 if dtype == np.float32 else 1e300)
    return g


def run() -> dict:
    rng = np.random.default_rng(0)
    wiring = ltc_ref.FullyConnected(N, output_dim=N).build(input_dim=C)
    rows = []
    for dtype in (np.float32, np.float64):
        params = ltc_ref.init_synaptic_params(wiring, rng, dtype=dtype)
        x = rng.standard_normal((B, T, C)).astype(dtype)
        scaled = "last, x 1e30" if dtype == np.float32 else "last, x 1e300"
        for kind in ("last", scaled, "every step"):
            g = cotangents(kind, dtype, rng)
            ltc_ref.vjp(params, x, g, backend="numba")  # compile / warm up
            samples = []
            for _ in range(CALLS):
                start = time.perf_counter()
                _, g_x, _, _ = ltc_ref.vjp(params, x, g, backend="numba")
                samples.append(time.perf_counter() - start)
            tiny = np.finfo(dtype).tiny
            rows.append(
                {
                    "dtype": np.dtype(dtype).name,
                    "cotangent": kind,
                    "median_ms": statistics.median(samples) * 1e3,
                    "samples_ms": [s * 1e3 for s in samples],
                    "first_step_input_cotangent_max": float(np.abs(g_x[:, 0]).max()),
                    "below_smallest_normal": bool(np.abs(g_x[:, 0]).max() < tiny),
                }
            )
    return {
        "machine": sigmoid_throughput.machine(),
        "rows": rows,
    }


def table(result) -> str:
    lines = [
        "| dtype | cotangent of the outputs | BPTT median (ms) | first step's g_x below tiny |",
        "|---|---|---:|---|",
    ]
    for r in result["rows"]:
        below = "yes" if r["below_smallest_normal"] else "no"
        lines.append(f"| {r['dtype']} | {r['cotangent']} | {r['median_ms']:.1f} | {below} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    return sigmoid_throughput.run_and_report(__doc__, run, table, argv)


if __name__ == "__main__":
    sys.exit(main())

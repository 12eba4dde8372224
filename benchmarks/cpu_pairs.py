"""Does a second thread double the kernels' throughput on this machine? Each CPU alone, then all.

    python benchmarks/cpu_pairs.py
    python benchmarks/cpu_pairs.py --json cpu_pairs.json

The kernels split a batch over threads (`ltc_ref.kernels._driver`), one chunk per thread, and a
call lasts as long as its slowest chunk; the speed-ups against ncps assume that two threads do
twice the work of one. On a virtual machine that need not hold: two virtual CPUs can be the two
hardware threads of one physical core (sharing its vector units), or one of them can share its
core with another guest. This script times the same forward kernel (the paper's model: fully
connected, N = 32, C = 32, T = 32, L = 6, float32, 8 samples: half of a gesture-like batch) with
the calling thread pinned to each CPU in turn while the others idle, then on every CPU at once
(one pinned thread each). Figures: medians over 200 calls, three rounds. Prints JSON, then a
table; the "gain" is the throughput of all CPUs together over that of the fastest one alone.
"""

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

import ltc_ref
from ltc_ref.kernels import _driver, _fused

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sigmoid_throughput

N, C, T, L, B = 32, 32, 32, 6, 8
CALLS, ROUNDS = 200, 3


def make_call():
    """The kernel and its arguments (a fixed random network and batch)."""
    rng = np.random.default_rng(0)
    wiring = ltc_ref.FullyConnected(N, output_dim=N).build(input_dim=C)
    params = ltc_ref.init_synaptic_params(wiring, rng, dtype=np.float32)
    p = _driver._conductance_arrays(params)
    x = rng.standard_normal((B, T, C)).astype(np.float32)
    h0 = np.zeros((B, N), np.float32)
    h = np.full((B, T), 1 / L, np.float32)
    eps = np.float32(1e-8)

    def call(states):
        _fused.conductance_forward(p, x, h0, h, L, eps, states)

    return call


def median_ms(call) -> float:
    states = np.empty((B, T, N), np.float32)
    samples = []
    for _ in range(CALLS):
        start = time.perf_counter()
        call(states)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e3


def run() -> dict:
    cpus = sorted(os.sched_getaffinity(0))
    call = make_call()
    call(np.empty((B, T, N), np.float32))  # compile / load
    alone = {cpu: [] for cpu in cpus}
    together = {cpu: [] for cpu in cpus}
    for _ in range(ROUNDS):
        for cpu in cpus:
            os.sched_setaffinity(0, {cpu})
            alone[cpu].append(median_ms(call))
        os.sched_setaffinity(0, set(cpus))
        results = {}

        def pinned(cpu, results=results):
            os.sched_setaffinity(0, {cpu})  # this thread only
            results[cpu] = median_ms(call)

        threads = [threading.Thread(target=pinned, args=(cpu,)) for cpu in cpus]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for cpu in cpus:
            together[cpu].append(results[cpu])
    alone_ms = {cpu: statistics.median(v) for cpu, v in alone.items()}
    together_ms = {cpu: statistics.median(v) for cpu, v in together.items()}
    best = min(alone_ms.values())
    gain = sum(best / t for t in together_ms.values())
    return {
        "machine": sigmoid_throughput.machine(),
        "work": {"N": N, "C": C, "T": T, "L": L, "B": B, "dtype": "float32"},
        "alone_ms": alone_ms,
        "together_ms": together_ms,
        "rounds": {"alone": alone, "together": together},
        "gain_of_all_over_fastest": gain,
    }


def table(result) -> str:
    lines = ["| CPU | alone (ms) | all CPUs at once (ms) |", "|---:|---:|---:|"]
    for cpu, ms in result["alone_ms"].items():
        lines.append(f"| {cpu} | {ms:.2f} | {result['together_ms'][cpu]:.2f} |")
    n = len(result["alone_ms"])
    lines.append(
        f"\n{n} CPUs together do {result['gain_of_all_over_fastest']:.2f}x the work of the "
        f"fastest alone (ideal: {n}x)."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    return sigmoid_throughput.run_and_report(__doc__, run, table, argv)


if __name__ == "__main__":
    sys.exit(main())

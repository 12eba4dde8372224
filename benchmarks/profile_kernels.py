"""Where the kernels' time goes: cost per synapse and sub-step of each part, one thread.

    python benchmarks/profile_kernels.py
    python benchmarks/profile_kernels.py --stability 40   # the machine's own variation

The conductance form's kernels spend their time in three loops over the ``(N, N)`` synapses of a
sub-step (everything else is O(N) per sub-step):

* ``sigmoid pass`` — `synapse_sums`: both stages of the sigmoid, the sums
  $\\sum_i a_{ij}$, $\\sum_i a_{ij} E_{ij}$, the sigmoids kept. Run once per sub-step by the
  forward pass and once more by the backward pass's recomputation;
* ``reverse, v̄`` — `synapse_sums_vjp`: the presynaptic cotangent, once per sub-step;
* ``reverse, θ̄`` — `synapse_cotangents`: the synapses' parameter cotangents, for the L
  sub-steps of an input step at once.

So a forward pass costs one sigmoid pass per synapse-substep, and BPTT (`ltc_ref.vjp`) two
sigmoid passes and one reverse. Each part is timed alone on random data, in thread CPU time
(robust to other processes on the machine), best of 7; also printed: the throughput of the
sigmoid alone on one thread (`sigmoid_throughput.py`), for comparison with the sigmoid pass.

``--stability SECONDS`` times the same sigmoid pass (N = 32, float64, same arrays, 2 400
sub-steps per sample) over and over for that long and prints the distribution: on a shared
virtual machine the throughput of a vectorised loop changes with what the other guests on the
same physical cores do, which no choice in the kernels can remove; best-of figures (as above)
and medians (as in `vs_ncps.py`) then differ.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ltc_ref.kernels._fused import synapse_cotangents, synapse_sums, synapse_sums_vjp
from ltc_ref.kernels._sigmoid import kernel

L = 6


@kernel
def _sigmoid_passes(pre, sigma, mu, wm, wmE, sigs, repeats):
    a, e = np.zeros_like(pre), np.zeros_like(pre)
    work = np.zeros((2, pre.shape[0]), dtype=pre.dtype)
    for r in range(repeats):
        synapse_sums(pre, sigma, mu, wm, wmE, a, e, sigs[r % sigs.shape[0]], work)
    return a


@kernel
def _reverse_v(sigs, erev, wms, g_nums, g_dens, repeats):
    g_pre = np.zeros(sigs.shape[1], dtype=sigs.dtype)
    for r in range(repeats):
        k = r % sigs.shape[0]
        synapse_sums_vjp(sigs[k], erev, wms, g_nums[k], g_dens[k], g_pre)
    return g_pre


@kernel
def _reverse_theta(pres, sigs, mu, erev, g_nums, g_dens, repeats):
    Q, U, P, S = np.zeros_like(mu), np.zeros_like(mu), np.zeros_like(mu), np.zeros_like(mu)
    rows = np.zeros((4, mu.shape[1]), dtype=mu.dtype)
    for _ in range(repeats):
        synapse_cotangents(pres, sigs, mu, erev, g_nums, g_dens, Q, U, P, S, rows)
    return Q


def _best(fn, *args, tries: int = 7) -> float:
    fn(*args[:-1], 1)  # compile
    times = []
    for _ in range(tries):
        t0 = time.thread_time()
        fn(*args)
        times.append(time.thread_time() - t0)
    return min(times)


def profile(dtype, N: int) -> dict:
    """Nanoseconds per synapse-substep of each part (one thread)."""
    rng = np.random.default_rng(0)

    def arr(a):
        return np.ascontiguousarray(a, dtype=dtype)

    sigma, mu = arr(rng.uniform(3, 8, (N, N))), arr(rng.uniform(0.3, 0.8, (N, N)))
    wm, erev = arr(rng.uniform(0, 1, (N, N))), arr(rng.choice([-1.0, 1.0], (N, N)))
    wmE, wms = arr(wm * erev), arr(wm * sigma)
    pres, sigs = arr(rng.uniform(-1, 1, (L, N))), arr(rng.uniform(0, 1, (L, N, N)))
    g_nums, g_dens = arr(rng.standard_normal((L, N))), arr(rng.standard_normal((L, N)))
    repeats = L * max(1, int(3e6 / N**2))
    per = repeats * N * N / 1e9  # ns per synapse-substep
    out = {
        "sigmoid pass": _best(_sigmoid_passes, pres[0], sigma, mu, wm, wmE, sigs, repeats) / per,
        "reverse, v": _best(_reverse_v, sigs, erev, wms, g_nums, g_dens, repeats) / per,
        "reverse, theta": _best(_reverse_theta, pres, sigs, mu, erev, g_nums, g_dens, repeats // L)
        / per,
    }
    out["forward"] = out["sigmoid pass"]
    out["bptt"] = 2 * out["sigmoid pass"] + out["reverse, v"] + out["reverse, theta"]
    return out


def stability(seconds: float, N: int = 32, dtype=np.float64) -> list[float]:
    """Nanoseconds per synapse-substep of repeated sigmoid passes on the same arrays."""
    rng = np.random.default_rng(0)
    pre, sigma = rng.uniform(-0.5, 0.5, N).astype(dtype), rng.uniform(3, 8, (N, N)).astype(dtype)
    mu, wm = rng.uniform(0.3, 0.8, (N, N)).astype(dtype), rng.uniform(0, 1, (N, N)).astype(dtype)
    wmE, sigs = rng.uniform(-1, 1, (N, N)).astype(dtype), np.zeros((1, N, N), dtype=dtype)
    repeats = 2400
    _sigmoid_passes(pre, sigma, mu, wm, wmE, sigs, 1)  # compile
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.thread_time()
        _sigmoid_passes(pre, sigma, mu, wm, wmE, sigs, repeats)
        samples.append((time.thread_time() - t0) / (repeats * N * N) * 1e9)
    return samples


def main() -> int:
    import argparse

    import sigmoid_throughput

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stability", type=float, metavar="SECONDS", help="see the docstring")
    args = parser.parse_args()
    print(f"machine: {sigmoid_throughput.machine()}")
    if args.stability:
        samples = np.array(stability(args.stability))
        q = np.percentile(samples, [0, 10, 50, 90, 100])
        print(f"sigmoid pass, N = 32, float64, {samples.size} samples over {args.stability:g} s: "
              f"min {q[0]:.2f}, 10% {q[1]:.2f}, median {q[2]:.2f}, 90% {q[3]:.2f}, "
              f"max {q[4]:.2f} ns per synapse-substep")  # fmt: skip
        return 0
    print("\n| dtype | N | sigmoid pass | reverse, v̄ | reverse, θ̄ | BPTT (2 passes + reverse) "
          "| sigmoid alone |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for dtype in ("float64", "float32"):
        alone = 1e9 / max(
            sigmoid_throughput.rate(loop, np.dtype(dtype), 1)
            for loop in (sigmoid_throughput.fast_loop, sigmoid_throughput.fast_staged_loop)
        )
        for N in (32, 128):
            p = profile(np.dtype(dtype), N)
            print(
                f"| {dtype} | {N} | {p['sigmoid pass']:.2f} ns | {p['reverse, v']:.2f} ns | "
                f"{p['reverse, theta']:.2f} ns | {p['bptt']:.2f} ns | {alone:.2f} ns |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

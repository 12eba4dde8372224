"""The dense read-out's three products, three ways, and what each does to the kernels after it.

    python benchmarks/read_out.py                  # a few seconds on 2 cores
    python benchmarks/read_out.py --json read_out.json

`ltc_ref.training.head` computes $z = yW + b$ and its VJP ($\\bar W = \\sum y^\\top \\bar z$,
$\\bar y = \\bar z W^\\top$) for ``y`` of shape ``(B, T, M)``. Three ways to compute them:

* ``einsum``: `numpy.einsum` loops (no BLAS; what the module did before);
* ``per sample``: ``np.matmul`` of the ``(B, T, M)`` array, one small BLAS product per sample
  (what the module does now);
* ``flattened``: one BLAS product of the ``(B·T, M)`` matrix.

For the two training-step configurations of `training_step.py` (M = 32, K = 10, float32), the
script prints the median time of each product (forward, the weights' cotangent, the outputs'
cotangent) and of a BPTT pullback of the LTC (`ltc_ref.forward_and_pullback`, Numba, 2 threads)
run right after the three products of each kind: a BLAS call large enough to use several
threads leaves them spinning on the cores that the kernels then need. Prints JSON, then a
table.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sigmoid_throughput  # noqa: E402
import vs_ncps  # noqa: E402  (its timing helper; torch is imported only by its pairs)

M, K = 32, 10
CONFIGS = [("gesture-like", 16, 32, 32), ("smnist-like", 128, 28, 28)]


def products(y, W, g):
    """The three products of each kind, as callables of no arguments."""
    y2, g2 = y.reshape(-1, M), g.reshape(-1, K)
    return {
        "einsum": (
            lambda: np.einsum("...m,mk->...k", y, W),
            lambda: np.einsum("nm,nk->mk", y2, g2),
            lambda: np.einsum("...k,mk->...m", g, W),
        ),
        "per sample": (
            lambda: np.matmul(y, W),
            lambda: np.matmul(y.swapaxes(-1, -2), g).sum(axis=0),
            lambda: np.matmul(g, W.T),
        ),
        "flattened": (
            lambda: y2 @ W,
            lambda: y2.T @ g2,
            lambda: g2 @ W.T,
        ),
    }


def _after(fns, pullback, g_y) -> float:
    """Seconds of ``pullback(g_y)`` run right after the products ``fns`` (none: alone)."""
    for fn in fns:
        fn()
    return vs_ncps._seconds(lambda: pullback(g_y))


def run(repeats: int = 15) -> dict:
    import ltc_ref
    from ltc_ref.gradients import bptt

    rows = []
    for name, B, T, C in CONFIGS:
        rng = np.random.default_rng(0)
        params = ltc_ref.init_synaptic_params(
            ltc_ref.FullyConnected(M).build(C), rng, dtype=np.float32
        )
        x = rng.standard_normal((B, T, C)).astype(np.float32)
        y, _, pullback = bptt.forward_and_pullback(params, x, backend="numba")
        W = rng.standard_normal((M, K)).astype(np.float32)
        g = rng.standard_normal((B, T, K)).astype(np.float32)
        g_y = rng.standard_normal(y.shape).astype(np.float32)
        pullback(g_y)  # compiled and warm
        row = {"config": name, "B": B, "T": T, "product_us": {}, "pullback_after_ms": {}}
        for kind, fns in products(y, W, g).items():
            for fn in fns:
                fn()
            row["product_us"][kind] = [
                1e6 * statistics.median(vs_ncps._seconds(fn) for _ in range(50)) for fn in fns
            ]

            after = [_after(fns, pullback, g_y) for _ in range(repeats)]
            row["pullback_after_ms"][kind] = 1e3 * statistics.median(after)
        alone = [_after((), pullback, g_y) for _ in range(repeats)]
        row["pullback_alone_ms"] = 1e3 * statistics.median(alone)
        rows.append(row)
    return {"machine": sigmoid_throughput.machine(), "M": M, "K": K, "rows": rows}


def table(result) -> str:
    lines = [
        "| configuration | products | z = yW, W̄, ȳ (µs each) | pullback right after (ms) |",
        "|---|---|---:|---:|",
    ]
    for row in result["rows"]:
        label = f"{row['config']} (B = {row['B']}, T = {row['T']})"
        for kind, us in row["product_us"].items():
            cells = ", ".join(f"{u:.0f}" for u in us)
            lines.append(f"| {label} | {kind} | {cells} | {row['pullback_after_ms'][kind]:.2f} |")
        lines.append(f"| {label} | none | | {row['pullback_alone_ms']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(sigmoid_throughput.run_and_report(__doc__, run, table))

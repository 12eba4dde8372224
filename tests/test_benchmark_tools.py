"""Small runs of the benchmark scripts that need no competitor: they run, their tables render, and
the premise of each holds (the timings themselves are never asserted)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_subnormals_script_reaches_the_regime_it_is_about(monkeypatch):
    """With the cotangent at the last step only, the first step's input cotangent is below
    float32's smallest normal number; scaled by 1e30, or at every step, it is not."""
    import subnormals

    monkeypatch.setattr(subnormals, "B", 2)
    monkeypatch.setattr(subnormals, "CALLS", 1)
    result = subnormals.run()
    below = {(r["dtype"], r["cotangent"]): r["below_smallest_normal"] for r in result["rows"]}
    assert below[("float32", "last")]
    assert not below[("float32", "last, x 1e30")] and not below[("float32", "every step")]
    assert not below[("float64", "last")]  # float64's range is not reached in T = 28 steps
    assert len(subnormals.table(result).splitlines()) == 2 + 6


def test_cpu_pairs_script_times_every_cpu(monkeypatch):
    import cpu_pairs

    monkeypatch.setattr(cpu_pairs, "CALLS", 2)
    monkeypatch.setattr(cpu_pairs, "ROUNDS", 1)
    monkeypatch.setattr(cpu_pairs, "T", 2)
    before = os.sched_getaffinity(0)
    result = cpu_pairs.run()
    assert os.sched_getaffinity(0) == before  # the calling thread is unpinned afterwards
    assert sorted(result["alone_ms"]) == sorted(before) == sorted(result["together_ms"])
    assert all(np.isfinite(ms) and ms > 0 for ms in result["alone_ms"].values())
    assert 0 < result["gain_of_all_over_fastest"]
    assert "CPUs together do" in cpu_pairs.table(result)


#: The three ways of `read_out.py` compute the same float32 products (sums of M = 32 or B·T
#: terms in other orders): float32 rounding of such sums, relative to the largest entry (an
#: entry that is a sum which cancels is not resolved relative to itself).
READ_OUT_RTOL = 1e-5


def test_read_out_script_compares_the_same_products(monkeypatch):
    """`read_out.py`'s three kinds of products agree with each other (the comparison is of
    costs, not of results), and a small run renders its table."""
    import read_out

    from ltc_ref.testing.measure import relative_error

    rng = np.random.default_rng(0)
    y = rng.standard_normal((3, 5, read_out.M)).astype(np.float32)
    W = rng.standard_normal((read_out.M, read_out.K)).astype(np.float32)
    g = rng.standard_normal((3, 5, read_out.K)).astype(np.float32)
    kinds = {kind: [fn() for fn in fns] for kind, fns in read_out.products(y, W, g).items()}
    reference = kinds.pop("einsum")
    assert set(kinds) == {"per sample", "flattened"}
    for kind, results in kinds.items():
        for got, want in zip(results, reference, strict=True):
            assert relative_error(got.reshape(want.shape), want) <= READ_OUT_RTOL, kind
    monkeypatch.setattr(read_out, "CONFIGS", [("tiny", 2, 4, 3)])
    result = read_out.run(repeats=2)
    assert len(read_out.table(result).splitlines()) == 2 + 4

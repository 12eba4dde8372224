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

"""The benchmark against ncps measures the same training step on both sides: a small run of
`benchmarks/training_step.py`'s pair (the timings themselves are never asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("ncps")

pytestmark = pytest.mark.ncps

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

#: float32 forward + backward of T = 6 steps, then a softmax cross-entropy: the two sides differ
#: by float32 rounding (2^-24 ≈ 6e-8 per operation, a few hundred operations deep).
FLOAT32_STEP_RTOL = 1e-5
#: After one Adam step the two models are no longer the same: ncps also trains its output map
#: (``output_w``, ``output_b``), which ltc-ref's training keeps at 1 and 0, so those move by
#: about one learning rate (1e-3) on one side only.
AFTER_ONE_STEP_RTOL = 1e-3


@pytest.mark.parametrize("target_steps", ["all", "last"])
def test_training_step_pair_agrees_and_trains(target_steps):
    import training_step

    pair = training_step.Pair(B=3, T=6, C=4, target_steps=target_steps)
    agree = pair.agreement()
    assert agree["loss"] < FLOAT32_STEP_RTOL and agree["readout_gradient"] < FLOAT32_STEP_RTOL
    # Adam's first step moves every parameter by about the learning rate, on both sides, and
    # the two losses after one step still agree.
    theta0 = pair.theta.copy()
    first_ltc, first_ncps = pair.ltc_step(), pair.ncps_step().item()
    assert first_ltc == pytest.approx(first_ncps, rel=FLOAT32_STEP_RTOL)
    moved = np.abs(pair.theta - theta0)
    assert np.median(moved) == pytest.approx(training_step.LEARNING_RATE, rel=0.5)
    assert pair.ltc_step() == pytest.approx(pair.ncps_step().item(), rel=AFTER_ONE_STEP_RTOL)


def test_training_step_profile_accounts_for_the_step(monkeypatch):
    """`training_step.py --profile` splits a step into the kernels' calls (per thread) and the
    rest; the parts it adds up are the whole step."""
    import training_step

    monkeypatch.setattr(training_step, "CONFIGS", [("tiny", 4, 6, 3, "all", 1.0)])
    result = training_step.profile(steps=3)
    ms = result["rows"][0]["ms"]
    walls = [v for k, v in ms.items() if k.endswith("(wall)")]
    assert {"conductance_forward (wall)", "conductance_vjp (wall)"} <= set(ms)
    assert all(v >= 0 for v in ms.values())
    assert sum(walls) <= ms["step"] + 1e-9  # medians of parts, each part within its step
    assert "outside the kernels" in training_step.profile_table(result)


def test_after_ncps_times_every_case(monkeypatch):
    """`training_step.py --after-ncps` times ltc-ref's steps in the steady state and after each
    pause, with and without an ncps step before it (the timings are not asserted)."""
    import training_step

    monkeypatch.setattr(training_step, "CONFIGS", [("tiny", 2, 4, 3, "all", 1.0)])
    monkeypatch.setattr(training_step, "AFTER_NCPS_PAUSES", (0.0, 0.001))
    result = training_step.after_ncps(samples=2, steps=2)
    ms = result["rows"][0]["ms"]
    assert list(ms) == [
        "steady (back to back)",
        "after a 0 s pause",
        "after an ncps step and a 0 s pause",
        "after a 0.001 s pause",
        "after an ncps step and a 0.001 s pause",
    ]
    assert all(v > 0 for v in ms.values())

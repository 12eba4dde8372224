"""One short epoch of training on a slice of the real occupancy data (``LTC_REF_DATA``; CI sets
it to ``../shared/data``), through the command line as the README runs it. Skips with a message
when the variable is unset or the occupancy folder is absent. NumPy backend (CI also runs the
suite with the JIT disabled), about 20 s on 2 cores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ltc_ref import data
from ltc_ref.training.cli import main

pytestmark = pytest.mark.realdata

#: After 30 batches of 16 windows (7 % of an epoch) the 32-unit LTC already beats the majority
#: class of the test steps (75.8 % empty) by far: measured 94.0–97.6 % over seeds 0–2.
MIN_ACCURACY = 0.85


def _root() -> Path:
    env = os.environ.get(data.DATA_ENV)
    if not env:
        pytest.skip(
            f"{data.DATA_ENV} is not set: real-data tests need the datasets (CI sets it "
            "to ../shared/data)"
        )
    if not (Path(env) / "occupancy").is_dir():
        pytest.skip(f"occupancy: {Path(env) / 'occupancy'} is absent")
    return Path(env)


def test_one_short_epoch_on_real_occupancy(tmp_path, capsys):
    root = _root()
    out = tmp_path / "runs"
    args = ["occupancy", "--data-dir", str(root), "--epochs", "1", "--max-batches", "30",
            "--out", str(out), "--no-progress", "--backend", "numpy"]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "seed 0: test accuracy" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"][0]["epochs"] == 1
    assert summary["mean"] > MIN_ACCURACY

"""The code of docs/trained-models.md runs: after a short ``ltc-ref train occupancy`` on synthetic
files in the Occupancy layout, its blocks load the model, predict on raw rows, and export it to
ncps (PyTorch, when the ``ncps`` extra is installed) and to ncps's Keras backend (when Keras 3
and ncps are)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from ltc_ref.training.cli import main

from . import synthetic_data

PAGE = Path(__file__).resolve().parents[1] / "docs" / "trained-models.md"
#: The page's ```python blocks, in order: load + predict, the check by hand, the ncps export,
#: the Keras export.
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.fixture
def trained_run(tmp_path, monkeypatch, capsys):
    """runs/occupancy/seed-0 in the working directory, LTC_REF_DATA set, as the page assumes."""
    synthetic_data.write_occupancy(tmp_path / "data", np.random.default_rng(0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LTC_REF_DATA", str(tmp_path / "data"))
    args = ["occupancy", "--epochs", "1", "--units", "4", "--max-batches", "2",
            "--backend", "numpy", "--out", "runs/occupancy", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    capsys.readouterr()
    return tmp_path


def _run(blocks):
    namespace: dict = {}
    for i in blocks:
        exec(compile(BLOCKS[i], f"docs/trained-models.md, block {i + 1}", "exec"), namespace)
    return namespace


def test_page_has_the_blocks_this_test_runs():
    assert len(BLOCKS) == 4
    assert "load_model" in BLOCKS[0] and "to_ncps_model" in BLOCKS[2]
    assert "to_ncps_keras" in BLOCKS[3]


def test_load_and_predict_on_raw_data(trained_run):
    ns = _run([0, 1])
    assert ns["z"].shape == (*ns["x_raw"].shape[:2], 2) and ns["z"].dtype == np.float32
    assert np.max(np.abs(ns["x_raw"])) > 100  # raw CO2 and light, not normalised


@pytest.mark.ncps
def test_export_to_ncps(trained_run):
    pytest.importorskip("torch", reason="needs the ncps extra: pip install '.[ncps]'")
    pytest.importorskip("ncps", reason="needs the ncps extra: pip install '.[ncps]'")
    _run([0, 1, 2])
    assert (trained_run / "occupancy-ncps.pt").is_file()


@pytest.mark.tensorflow
def test_export_to_ncps_keras(trained_run):
    pytest.importorskip("keras", reason="needs the ncps-keras extra")
    pytest.importorskip("ncps.keras", reason="needs the ncps-keras extra")
    _run([0, 1, 3])

"""``ltc_ref.data`` on the real datasets under ``LTC_REF_DATA`` (CI: ``../shared/data``).

Every test skips with a message when the variable is unset or the dataset's folder is absent
(power and person are not in the shared data; their loaders are tested on synthetic files in
``tests/test_data.py``). Each load takes at most a few seconds (sequential MNIST is loaded in
float32 to keep memory near 230 MB).
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from ltc_ref import data
from ltc_ref.data import gesture, occupancy, traffic

pytestmark = pytest.mark.realdata

#: Normalised training features have mean 0 and std 1 up to float64 rounding over ~10^5 values.
NORMALISED_ATOL = 1e-10

#: Stride-1 windows count the first and last T - 1 rows of a file fewer times than the others,
#: which moves the fraction of occupied steps by about 1.5e-3 on the real file.
WINDOW_BALANCE_ATOL = 5e-3

#: (train, valid, test) sequences, measured on the shared data (``python -m ltc_ref.data``);
#: the same numbers are in docs/data.md.
EXPECTED_SIZES = {
    ("occupancy", "paper"): (7316, 812, 1550),
    ("occupancy", "blocked"): (7314, 799, 1550),
    ("gesture", "paper"): (456, 60, 90),
    ("gesture", "blocked"): (452, 50, 83),
    ("traffic", "paper"): (9034, 1204, 1806),
    ("traffic", "blocked"): (9031, 1198, 1800),
    ("cheetah", "paper"): (970, 485, 970),
    ("cheetah", "blocked"): (970, 485, 970),
    ("smnist", "paper"): (54000, 6000, 10000),
    ("smnist", "blocked"): (54000, 6000, 10000),
    ("digits", "paper"): (1349, 179, 269),
    ("digits", "blocked"): (1349, 179, 269),
}
#: (T, C, y trailing shape) of each dataset with the default options.
EXPECTED_SHAPES = {
    "occupancy": (16, 5, ()),
    "gesture": (32, 32, ()),
    "traffic": (32, 7, (1,)),
    "ozone": (32, 72, ()),
    "power": (32, 6, (1,)),
    "person": (32, 7, ()),
    "cheetah": (32, 17, (17,)),
    "smnist": (28, 28, ()),
    "digits": (8, 8, ()),
}
#: Datasets split into 75/10/15 % of windows at random by the paper protocol.
RANDOM_SPLIT = ("gesture", "traffic", "ozone", "power", "person")


def _root(name) -> Path:
    env = os.environ.get(data.DATA_ENV)
    if not env:
        pytest.skip(
            f"{data.DATA_ENV} is not set: real-data tests need the datasets (CI sets it "
            "to ../shared/data)"
        )
    folder = Path(env) / data.DATASETS[name].folder
    if not folder.is_dir():
        pytest.skip(f"{name}: {folder} is absent (not in this data directory)")
    return Path(env)


def _load(name, protocol="paper"):
    dtype = np.float32 if name == "smnist" else np.float64
    return data.load(name, _root(name), protocol=protocol, dtype=dtype)


@pytest.mark.parametrize("protocol", data.PROTOCOLS)
@pytest.mark.parametrize("name", list(data.DATASETS))
def test_real_dataset(name, protocol):
    ds = _load(name, protocol)
    T, C, y_tail = EXPECTED_SHAPES[name]
    assert ds.seq_len == T and ds.n_features == C
    for split_name, split in ds.splits.items():
        assert split.n > 0, split_name
        assert split.x.shape == (split.n, T, C) and split.y.shape == (split.n, T, *y_tail)
        assert np.isfinite(split.x).all(), f"{name} {split_name}: NaN or inf in x"
        if ds.task == "regression":
            assert np.isfinite(split.y).all(), f"{name} {split_name}: NaN or inf in y"
    if ds.task == "classification":
        for split_name in ("train", "test"):
            y = ds.splits[split_name].y
            counts = np.bincount(y.ravel(), minlength=ds.n_classes)
            assert counts.size == ds.n_classes and (counts > 0).all(), (
                f"{name} {split_name}: a class is missing, counts {counts}"
            )
    sizes = (ds.train.n, ds.valid.n, ds.test.n)
    if (name, protocol) in EXPECTED_SIZES:
        assert sizes == EXPECTED_SIZES[name, protocol]
    if protocol == "paper" and name in RANDOM_SPLIT:
        total = sum(sizes)
        assert ds.valid.n == int(0.10 * total) and ds.test.n == int(0.15 * total)


@pytest.mark.parametrize("protocol", data.PROTOCOLS)
@pytest.mark.parametrize("name", ["occupancy", "gesture", "power"])
def test_real_training_split_is_standardised(name, protocol):
    """The fix of normalising before splitting: statistics from the training windows only."""
    ds = _load(name, protocol)
    rows = ds.train.x.reshape(-1, ds.n_features)
    np.testing.assert_allclose(rows.mean(0), 0, atol=NORMALISED_ATOL)
    np.testing.assert_allclose(rows.std(0), 1, atol=NORMALISED_ATOL)


def test_real_file_row_counts():
    """The row counts of the UCI descriptions and the data's PROVENANCE.md."""
    root = _root("gesture") / "gesture"
    counts = {"a1": 1743, "a2": 1260, "a3": 1830, "b1": 1069, "b3": 1420, "c1": 1107, "c3": 1444}
    for stem, n in counts.items():
        assert gesture.read_file(root / f"{stem}_va3.csv").x.shape == (n, 32)
    root = _root("occupancy") / "occupancy"
    for f, n in zip(occupancy.FILES, (8143, 2665, 9752), strict=True):
        assert occupancy.read_file(root / f).y.shape == (n,)


def test_real_occupancy_class_balance():
    """Per-step labels of the stride-1 training windows keep the file's balance (21 %
    occupied, UCI)."""
    ds = _load("occupancy")
    file_rate = occupancy.read_file(_root("occupancy") / "occupancy" / "datatraining.txt").y.mean()
    window_rate = np.concatenate([ds.train.y, ds.valid.y]).mean()
    assert abs(file_rate - 1729 / 8143) < 1e-12  # 1729 occupied minutes of 8143
    assert abs(window_rate - file_rate) < WINDOW_BALANCE_ATOL


def test_real_traffic_holiday_flag():
    """The fixed flag is 1 exactly on the rows whose date the file names as a holiday, counted
    here independently with the csv module."""
    path = _root("traffic") / "traffic" / traffic.FILE
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    dates = [datetime.fromisoformat(r["date_time"]).date() for r in rows]
    holidays = {d for d, r in zip(dates, rows, strict=True) if r["holiday"] != "None"}
    expected = np.array([d in holidays for d in dates], dtype=float)
    assert len(holidays) == 53  # 61 named rows: some hours have several weather rows
    flag = traffic.read_file(path).x[:, 0]
    np.testing.assert_array_equal(flag, expected)
    assert flag.sum() == 1409


def test_real_cheetah_next_state():
    ds = _load("cheetah")
    for split in ds.splits.values():
        np.testing.assert_array_equal(split.y[:, :-1], split.x[:, 1:])


def test_real_smnist_pixels():
    ds = _load("smnist")
    assert ds.train.x.dtype == np.float32
    assert ds.train.x.min() == 0.0 and ds.train.x.max() == 1.0
    assert np.bincount(ds.test.y[:, -1]).tolist()[:2] == [980, 1135]  # MNIST's test set

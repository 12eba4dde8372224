"""``ltc_ref.data``: windows, splits, normalisation and every loader, on tiny synthetic files.

The files are written by `tests.synthetic_data` in each dataset's real layout (UCI formats for
ozone, power and person, which are not in the shared data), so these tests never need the real
data; ``tests/test_data_real.py`` checks the real files when ``LTC_REF_DATA`` is set. Loading
every dataset here is the CI smoke run of each loader.
"""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ltc_ref import data
from ltc_ref.data import __main__ as data_main
from ltc_ref.data import (
    cheetah,
    gesture,
    occupancy,
    ozone,
    person,
    power,
    smnist,
    traffic,
    windowing,
)
from ltc_ref.data.windowing import Recording, split_recordings

from . import synthetic_data
from .synthetic_data import SEQ_LEN

#: Normalised training features have mean 0 and std 1 up to float64 rounding of a mean over a
#: few thousand values of order 1.
NORMALISED_ATOL = 1e-12
#: The same mean summed in another order (pairwise summation over another memory layout) differs
#: by a few ulps.
SUM_ORDER_RTOL = 1e-14
#: Windowed datasets (the others have a fixed T).
WINDOWED = ("occupancy", "gesture", "traffic", "ozone", "power", "person", "cheetah")
#: Datasets whose 'paper' split is already by file/image: both protocols give the same arrays.
SAME_SPLIT = ("cheetah", "smnist", "digits")


def _seq_len(name):
    return SEQ_LEN if name in WINDOWED else None


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Every dataset written once under one root: ``(root, {name: what was written})``."""
    root = tmp_path_factory.mktemp("ltc_data")
    return root, synthetic_data.write_all(root)


def _load(root, name, **kw):
    kw.setdefault("seq_len", _seq_len(name))
    return data.load(name, root, **kw)


# ---------------------------------------------------------------- windows, blocks, splits


@given(
    n_rows=st.integers(0, 60),
    seq_len=st.integers(1, 10),
    stride=st.integers(1, 5),
    n_features=st.integers(1, 3),
)
def test_a_window_is_seq_len_consecutive_rows(n_rows, seq_len, stride, n_features):
    """x[i, t] = series[s_i + t], batch first: the fix of the authors' transposed window axis
    (their traffic/ozone "sequences" were row t of every window: strided samples)."""
    series = np.arange(n_rows)[:, None] * 10 + np.arange(n_features)[None, :]
    x = windowing.windows(series, seq_len, stride)
    starts = windowing.window_starts(n_rows, seq_len, stride)
    assert x.shape == (len(starts), seq_len, n_features)
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(x[i], series[s : s + seq_len])
    if len(starts):
        np.testing.assert_array_equal(x[:, 1:, 0] - x[:, :-1, 0], 10)  # consecutive rows
        np.testing.assert_array_equal(x[:, 0, 0], starts * 10)  # axis 0 indexes windows
    # Every complete window is there: one more stride would run past the end.
    expected = len(range(0, n_rows - seq_len + 1, stride)) if n_rows >= seq_len else 0
    assert len(starts) == expected
    if len(starts):
        assert starts[-1] + seq_len <= n_rows < starts[-1] + stride + seq_len


def test_windows_of_labels_follow_the_same_rows():
    y = np.arange(20) % 3
    x = np.arange(20.0)[:, None]
    wx, wy = windowing.windows(x, 5, 3), windowing.windows(y, 5, 3)
    assert wy.shape == (6, 5)
    np.testing.assert_array_equal(wy, wx[..., 0].astype(int) % 3)


def test_windows_is_a_copy():
    series = np.arange(10.0)
    w = windowing.windows(series, 4, 2)
    w[0, 0] = -1
    assert series[0] == 0


@given(n_rows=st.integers(0, 500), a=st.integers(0, 100), b=st.integers(0, 100))
def test_block_bounds_tile_the_rows_in_order(n_rows, a, b):
    total = a + b + 1
    fractions = (a / total, b / total, 1 / total)
    bounds = windowing.block_bounds(n_rows, fractions)
    assert bounds[0][0] == 0 and bounds[-1][1] == n_rows
    for (_, stop), (start, _) in itertools.pairwise(bounds):
        assert stop == start
    for (start, stop), f in zip(bounds, fractions, strict=True):
        assert abs((stop - start) - f * n_rows) <= 1


@given(n=st.integers(0, 300), seed=st.integers(0, 2**32 - 1))
def test_random_split_is_a_partition_with_the_authors_sizes(n, seed):
    index = windowing.random_split(n, (0.75, 0.10, 0.15), np.random.default_rng(seed))
    assert len(index["valid"]) == int(0.10 * n) and len(index["test"]) == int(0.15 * n)
    joined = np.concatenate([index["train"], index["valid"], index["test"]])
    np.testing.assert_array_equal(np.sort(joined), np.arange(n))
    again = windowing.random_split(n, (0.75, 0.10, 0.15), np.random.default_rng(seed))
    for s in index:
        np.testing.assert_array_equal(index[s], again[s])


def test_block_bounds_rejects_bad_fractions():
    with pytest.raises(ValueError, match="fractions"):
        windowing.block_bounds(10, (0.5, 0.2))


def test_fit_zscore_variants(rng):
    v = rng.normal(3.0, 2.0, (40, 6, 3))
    z = windowing.fit_zscore(v)
    rows = z(v).reshape(-1, 3)
    np.testing.assert_allclose(rows.mean(0), 0, atol=NORMALISED_ATOL)
    np.testing.assert_allclose(rows.std(0), 1, atol=NORMALISED_ATOL)
    np.testing.assert_allclose(z.inverse(z(v)), v, atol=1e-12)
    scalar = windowing.fit_zscore(v, per_feature=False)
    np.testing.assert_allclose(scalar.mean, np.full(3, v.mean()), rtol=SUM_ORDER_RTOL)
    np.testing.assert_allclose(scalar.std, np.full(3, v.std()), rtol=SUM_ORDER_RTOL)
    centred = windowing.fit_zscore(v, scale=False, columns=[1])
    np.testing.assert_array_equal(centred.std, 1)
    np.testing.assert_allclose(centred.mean, [0, v[..., 1].mean(), 0], rtol=SUM_ORDER_RTOL)


def test_fit_zscore_leaves_a_constant_feature_unscaled():
    v = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    z = windowing.fit_zscore(v)
    assert z.std[1] == 1.0  # not 0: no division by zero, no NaN
    np.testing.assert_array_equal(z(v)[:, 1], 0.0)
    with pytest.raises(ValueError, match="no training rows"):
        windowing.fit_zscore(np.zeros((0, 2)))


def _row_sets(raw):
    return {s: set(np.unique(x[..., 0]).astype(int)) for s, (x, _) in raw.items()}


def test_blocked_protocol_shares_no_row_and_paper_protocol_does():
    """Blocked: blocks of time first, so no row is in two splits. Paper: overlapping windows
    split at random share rows (the leakage the docs report)."""
    recordings = [
        Recording(name, np.arange(n, dtype=float)[:, None] + 1000 * k, np.zeros(n, int))
        for k, (name, n) in enumerate([("a", 300), ("b", 200)])
    ]
    kw = {"seq_len": 16, "stride": 4, "seed": 0}
    blocked = _row_sets(split_recordings(recordings, protocol="blocked", **kw))
    paper = _row_sets(split_recordings(recordings, protocol="paper", **kw))
    for a, b in (("train", "valid"), ("train", "test"), ("valid", "test")):
        assert not blocked[a] & blocked[b]
    assert paper["train"] & paper["test"]
    # Blocked: train rows come before valid rows, before test rows, in each recording.
    for k in (0, 1):
        parts = [{r for r in blocked[s] if r // 1000 == k} for s in ("train", "valid", "test")]
        assert max(parts[0]) < min(parts[1]) and max(parts[1]) < min(parts[2])


def test_no_window_crosses_recordings():
    recordings = [
        Recording("a", np.zeros((30, 1)), np.zeros(30, int)),
        Recording("b", np.ones((30, 1)), np.zeros(30, int)),
    ]
    raw = split_recordings(recordings, protocol="paper", seq_len=8, stride=1, seed=0)
    for x, _ in raw.values():
        assert np.all(x.min(axis=1) == x.max(axis=1))


# ---------------------------------------------------------------- every loader (CI smoke)


@pytest.mark.parametrize("protocol", data.PROTOCOLS)
@pytest.mark.parametrize("name", list(data.DATASETS))
def test_every_loader_on_synthetic_files(synthetic, name, protocol):
    root, _ = synthetic
    ds = _load(root, name, protocol=protocol)
    assert ds.name == name and ds.protocol == protocol
    T = ds.seq_len
    for split in ds.splits.values():
        assert split.n > 0
        assert split.x.shape == (split.n, T, ds.n_features)
        assert split.x.dtype == np.float64 and np.isfinite(split.x).all()
        assert not split.x.flags.writeable and not split.y.flags.writeable
        if ds.task == "classification":
            assert split.y.shape == (split.n, T) and split.y.dtype == np.int64
            assert split.y.min() >= 0 and split.y.max() < ds.n_classes
        else:
            assert split.y.shape == (split.n, T, len(ds.target_names))
            assert np.isfinite(split.y).all()
    assert len(ds.feature_names) == ds.n_features
    assert ds.metric in ("accuracy", "f1", "mse")
    assert ds.target_steps in ("all", "last")
    assert (ds.metric == "mse") == (ds.task == "regression")
    assert ds.learning_rate in (0.005, 0.01) and ds.batch_size in (16, 64)
    assert ds.notes and all(isinstance(n, str) for n in ds.notes)
    assert name in repr(ds)


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_float32(synthetic, name):
    root, _ = synthetic
    ds = _load(root, name, dtype=np.float32)
    assert ds.train.x.dtype == np.float32
    assert ds.train.y.dtype == (np.float32 if ds.task == "regression" else np.int64)


@pytest.mark.parametrize("name", WINDOWED[:-1])
def test_protocols_differ_for_windowed_series(synthetic, name):
    root, _ = synthetic
    paper, blocked = (_load(root, name, protocol=p) for p in data.PROTOCOLS)
    assert (paper.train.n, paper.valid.n) != (blocked.train.n, blocked.valid.n) or not (
        np.array_equal(paper.train.x, blocked.train.x)
    )


@pytest.mark.parametrize("name", SAME_SPLIT)
def test_protocols_coincide_where_the_split_is_by_file_or_image(synthetic, name):
    root, _ = synthetic
    paper, blocked = (_load(root, name, protocol=p) for p in data.PROTOCOLS)
    for s in ("train", "valid", "test"):
        np.testing.assert_array_equal(paper.splits[s].x, blocked.splits[s].x)
        np.testing.assert_array_equal(paper.splits[s].y, blocked.splits[s].y)


def test_seed_changes_the_paper_split_only(synthetic):
    root, _ = synthetic
    a, b = (_load(root, "gesture", seed=s) for s in (0, 1))
    assert not np.array_equal(a.test.x, b.test.x)
    a, b = (_load(root, "gesture", seed=s, protocol="blocked") for s in (0, 1))
    np.testing.assert_array_equal(a.test.x, b.test.x)


# ---------------------------------------------------------------- normalisation: no leakage


@pytest.mark.parametrize("protocol", data.PROTOCOLS)
@pytest.mark.parametrize("name", ["occupancy", "gesture", "power"])
def test_training_split_is_exactly_standardised(synthetic, name, protocol):
    """Statistics fitted on the training split only: its features then have mean 0 and std 1
    exactly (to rounding). Normalising before splitting (the authors' gesture, traffic, ozone,
    power scripts) would leave the training mean off 0."""
    root, _ = synthetic
    ds = _load(root, name, protocol=protocol)
    rows = ds.train.x.reshape(-1, ds.n_features)
    np.testing.assert_allclose(rows.mean(0), 0, atol=NORMALISED_ATOL)
    np.testing.assert_allclose(rows.std(0), 1, atol=NORMALISED_ATOL)
    assert np.abs(ds.test.x.reshape(-1, ds.n_features).mean(0)).max() > 1e-6
    if ds.y_scaling is not None:
        np.testing.assert_allclose(ds.train.y.mean(), 0, atol=NORMALISED_ATOL)
        np.testing.assert_allclose(ds.train.y.std(), 1, atol=NORMALISED_ATOL)


def test_changing_the_test_files_does_not_change_training(tmp_path, rng):
    synthetic_data.write_occupancy(tmp_path, rng)
    before = _load(tmp_path, "occupancy")
    path = tmp_path / "occupancy" / "datatest.txt"
    lines = path.read_text().splitlines()
    fields = lines[3].split(",")
    fields[4] = "99999.0"  # Light, in a test file
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    after = _load(tmp_path, "occupancy")
    np.testing.assert_array_equal(before.train.x, after.train.x)
    np.testing.assert_array_equal(before.valid.x, after.valid.x)
    np.testing.assert_array_equal(before.x_scaling.mean, after.x_scaling.mean)
    assert not np.array_equal(before.test.x, after.test.x)


def test_changing_the_test_block_does_not_change_training(tmp_path, rng):
    """Blocked protocol on one series: the last 15 % of the rows are the test block; changing
    them changes neither the training windows nor the statistics."""
    synthetic_data.write_traffic(tmp_path, rng)
    before = _load(tmp_path, "traffic", protocol="blocked")
    path = tmp_path / "traffic" / traffic.FILE
    lines = path.read_text().splitlines()
    for r in range(len(lines) - 10, len(lines)):  # rows inside the test block
        fields = lines[r].split(",")
        fields[-1] = "123456"
        lines[r] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    after = _load(tmp_path, "traffic", protocol="blocked")
    np.testing.assert_array_equal(before.train.y, after.train.y)
    np.testing.assert_array_equal(before.y_scaling.mean, after.y_scaling.mean)
    assert not np.array_equal(before.test.y, after.test.y)


# ---------------------------------------------------------------- dataset specifics


def test_occupancy_protocol(synthetic):
    root, written = synthetic
    ds = _load(root, "occupancy")
    n_train_rows = len(written["occupancy"]["datatraining.txt"][1])
    n_windows = n_train_rows - SEQ_LEN + 1  # stride 1
    assert ds.valid.n == int(0.1 * n_windows) and ds.train.n == n_windows - ds.valid.n
    test_windows = [
        len(windowing.window_starts(len(written["occupancy"][f][1]), SEQ_LEN, 8))
        for f in occupancy.FILES[1:]
    ]
    assert ds.test.n == sum(test_windows)
    x0, y0 = written["occupancy"]["datatest.txt"]
    np.testing.assert_allclose(ds.x_scaling.inverse(ds.test.x[1]), x0[8 : 8 + SEQ_LEN], rtol=1e-12)
    np.testing.assert_array_equal(ds.test.y[1], y0[8 : 8 + SEQ_LEN])
    blocked = _load(root, "occupancy", protocol="blocked")
    (a, b), (c, d) = windowing.block_bounds(n_train_rows, (0.9, 0.1))
    assert blocked.train.n == b - a - SEQ_LEN + 1 and blocked.valid.n == d - c - SEQ_LEN + 1
    assert blocked.test.n == ds.test.n


def test_gesture_labels_and_files(synthetic):
    root, written = synthetic
    ds = _load(root, "gesture", protocol="blocked")
    x, y = written["gesture"]["a1_va3.csv"]
    np.testing.assert_allclose(ds.x_scaling.inverse(ds.train.x[0]), x[:SEQ_LEN], atol=1e-15)
    np.testing.assert_array_equal(ds.train.y[0], y[:SEQ_LEN])
    per_file = len(windowing.window_starts(len(y), SEQ_LEN, SEQ_LEN // 2))
    paper = _load(root, "gesture")
    assert paper.train.n + paper.valid.n + paper.test.n == 7 * per_file
    assert ds.class_names == ("rest", "preparation", "stroke", "hold", "retraction")


def _traffic_rows(ds, split):
    """Recover the file row of every step from the temperature column (250 + row)."""
    return np.rint(ds.x_scaling.inverse(split.x)[..., 1] - 250).astype(int)


def test_traffic_features_and_holiday_fix(synthetic):
    root, (temp, volume, stamps) = synthetic[0], synthetic[1]["traffic"]
    for protocol in data.PROTOCOLS:
        ds = _load(root, "traffic", protocol=protocol)
        holiday_date = stamps[15].date()
        for split in ds.splits.values():
            rows = _traffic_rows(ds, split)
            np.testing.assert_array_equal(rows[:, 1:] - rows[:, :-1], 1)  # consecutive rows
            is_holiday = np.array([stamps[r].date() == holiday_date for r in rows.ravel()])
            np.testing.assert_array_equal(split.x[..., 0].ravel(), is_holiday)
            weekday = np.array([stamps[r].weekday() for r in rows.ravel()])
            np.testing.assert_array_equal(split.x[..., 5].ravel(), weekday)
            hour = np.array([stamps[r].hour for r in rows.ravel()])
            np.testing.assert_allclose(split.x[..., 6].ravel(), np.sin(np.pi * hour / 24))
            np.testing.assert_allclose(
                ds.y_scaling.inverse(split.y)[..., 0], volume[rows], rtol=1e-12
            )
        # The temperature is centred by the training mean, not scaled.
        assert ds.x_scaling.std[1] == 1.0
        np.testing.assert_allclose(
            ds.x_scaling.mean[1], temp[_traffic_rows(ds, ds.train)].mean(), rtol=1e-12
        )
    assert any("holiday flag fixed" in n for n in ds.notes)


def test_traffic_blocked_splits_share_no_row(synthetic):
    root, _ = synthetic
    ds = _load(root, "traffic", protocol="blocked")
    rows = {s: set(_traffic_rows(ds, split).ravel()) for s, split in ds.splits.items()}
    assert max(rows["train"]) < min(rows["valid"]) and max(rows["valid"]) < min(rows["test"])
    paper = _load(root, "traffic")
    rows = {s: set(_traffic_rows(paper, split).ravel()) for s, split in paper.splits.items()}
    assert rows["train"] & rows["test"]  # the leakage of the paper protocol, reported in notes


def test_ozone_missing_values_scalar_zscore_and_weights(synthetic):
    root, (x, y) = synthetic[0], synthetic[1]["ozone"]
    ds = _load(root, "ozone", protocol="blocked")
    assert np.all(ds.x_scaling.mean == ds.x_scaling.mean[0])  # one scalar for all features
    assert np.all(ds.x_scaling.std == ds.x_scaling.std[0])
    raw = ds.x_scaling.inverse(ds.train.x[0])
    expected = np.nan_to_num(x[:SEQ_LEN], nan=ozone.MISSING_VALUE)
    np.testing.assert_allclose(raw, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ds.train.y[0], y[:SEQ_LEN])
    np.testing.assert_array_equal(ds.class_weights, [0.1, 1.6])
    assert ds.metric == "f1" and ds.n_classes == 2
    train = ds.train.x.ravel()
    np.testing.assert_allclose([train.mean(), train.std()], [0, 1], atol=NORMALISED_ATOL)


def test_power_forward_fill_and_target(synthetic):
    root, values = synthetic[0], synthetic[1]["power"]
    ds = _load(root, "power", protocol="blocked")
    filled = values.copy()
    filled[0] = values[1]  # a leading missing row takes the first valid values
    for r in (50, 51, 200):
        filled[r] = filled[r - 1]  # forward fill
    first = np.concatenate(
        [ds.y_scaling.inverse(ds.train.y[:7]), ds.x_scaling.inverse(ds.train.x[:7])], axis=-1
    ).reshape(-1, 7)
    np.testing.assert_allclose(first, filled[: 7 * SEQ_LEN], rtol=1e-12)
    assert ds.target_names == ("Global_active_power",)
    assert ds.train.n + ds.valid.n + ds.test.n == sum(
        len(windowing.window_starts(b - a, SEQ_LEN, SEQ_LEN))
        for a, b in windowing.block_bounds(len(values))
    )


def test_person_keeps_the_last_recording_and_maps_classes(synthetic):
    root, recordings = synthetic[0], synthetic[1]["person"]
    ds = _load(root, "person")
    stride = SEQ_LEN // 2
    per_recording = [
        len(windowing.window_starts(len(t), SEQ_LEN, stride)) for _, t, _, _ in recordings
    ]
    assert ds.train.n + ds.valid.n + ds.test.n == sum(per_recording)  # the last one included
    assert ds.x_scaling is None and ds.batch_size == 64
    blocked = _load(root, "person", protocol="blocked")
    _, tags, xyz, acts = recordings[0]
    x0, y0 = blocked.train.x[0], blocked.train.y[0]
    np.testing.assert_array_equal(x0[:, :4], np.eye(4)[tags[:SEQ_LEN]])
    np.testing.assert_array_equal(x0[:, 4:], xyz[:SEQ_LEN])
    np.testing.assert_array_equal(y0, [person.CLASS_MAP[a] for a in acts[:SEQ_LEN]])
    last = recordings[-1][2]  # B01's positions appear in the data
    all_xyz = np.concatenate([s.x[..., 4:].reshape(-1, 3) for s in blocked.splits.values()])
    assert (all_xyz == last[0]).all(axis=1).any()


def test_cheetah_next_state_and_file_split(synthetic):
    root, _ = synthetic
    ds = _load(root, "cheetah")
    for split, files in cheetah.SPLIT_FILES.items():
        s = ds.splits[split]
        np.testing.assert_array_equal(s.y[:, :-1], s.x[:, 1:])  # y[t] = x[t + 1]
        np.testing.assert_array_equal(s.y[:, -1, 1], s.x[:, -1, 1] + 1)
        assert set(np.unique(s.x[..., 0])) == set(files)
    assert ds.x_scaling is None and ds.y_scaling is None


def test_smnist_rows_pixels_and_validation_split(synthetic):
    root, arrays = synthetic[0], synthetic[1]["smnist"]
    ds = _load(root, "smnist")
    n_train = int(0.9 * len(arrays["y_train"]))
    np.testing.assert_array_equal(ds.train.x, arrays["x_train"][:n_train] / 255.0)
    np.testing.assert_array_equal(ds.valid.x, arrays["x_train"][n_train:] / 255.0)
    np.testing.assert_array_equal(ds.test.y[:, -1], arrays["y_test"])
    np.testing.assert_array_equal(ds.train.y, np.repeat(ds.train.y[:, -1:], 28, axis=1))
    assert ds.target_steps == "last" and ds.seq_len == 28 and ds.n_outputs == 10
    with pytest.raises(ValueError, match="T = 28"):
        data.load("smnist", root, seq_len=32)


def test_digits(synthetic):
    root, (pixels, labels) = synthetic[0], synthetic[1]["digits"]
    ds = _load(root, "digits")
    assert ds.train.n + ds.valid.n + ds.test.n == len(labels)
    assert ds.valid.n == int(0.1 * len(labels))
    images = np.concatenate([s.x for s in ds.splits.values()]).reshape(-1, 64) * 16
    assert {tuple(r) for r in np.rint(images).astype(int)} == {tuple(p) for p in pixels}


# ---------------------------------------------------------------- where the data are, errors


def test_data_dir_argument_then_environment(synthetic, monkeypatch, tmp_path):
    root, _ = synthetic
    monkeypatch.setenv(data.DATA_ENV, str(root))
    assert data.data_dir() == root.resolve()
    assert data.load("digits").train.n > 0
    assert data.data_dir(tmp_path) == tmp_path.resolve()  # the argument wins
    monkeypatch.delenv(data.DATA_ENV)
    with pytest.raises(data.DataNotFoundError, match="LTC_REF_DATA"):
        data.data_dir()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.data_dir(tmp_path / "nowhere")


@pytest.mark.parametrize("name", list(data.DATASETS))
def test_missing_folder_names_the_path_and_layout(tmp_path, name):
    spec = data.DATASETS[name]
    with pytest.raises(FileNotFoundError) as err:
        data.load(name, tmp_path)
    message = str(err.value)
    assert str(tmp_path / spec.folder) in message
    assert "expected layout" in message and spec.layout in message


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("occupancy", "datatest2.txt"),
        ("gesture", "c3_va3.csv"),
        ("traffic", traffic.FILE),
        ("ozone", ozone.FILE),
        ("power", power.FILE),
        ("person", person.FILE),
        ("cheetah", "trace_0024.npy"),
        ("smnist", smnist.FILE),
        ("digits", "digits.csv.gz"),
    ],
)
def test_missing_file_names_the_path_and_layout(tmp_path, rng, name, missing):
    synthetic_data.WRITERS[name](tmp_path, rng)
    folder = tmp_path / data.DATASETS[name].folder
    (folder / missing).unlink()
    with pytest.raises(data.DataNotFoundError) as err:
        _load(tmp_path, name)
    message = str(err.value)
    assert "expected layout" in message
    if name == "cheetah":
        assert "need 25" in message and str(folder) in message
    else:
        assert str(folder / missing) in message


#: (dataset, file, line number (1-based) to replace, replacement, words the error must contain)
MALFORMED = [
    ("occupancy", "datatraining.txt", 1, '"date","Temp"', ["header"]),
    ("occupancy", "datatraining.txt", 4, '"3","2015-02-04",1,2,3', ["8 fields"]),
    ("occupancy", "datatest.txt", 6, '"5","d",1,2,abc,4,5,1', ["Light", "'abc'"]),
    ("occupancy", "datatest2.txt", 3, '"2","d",1,2,3,4,5,7', ["Occupancy"]),
    ("gesture", "b1_va3.csv", 7, "1,2,3", ["33 fields"]),
    ("gesture", "b3_va3.csv", 9, ",".join(["0.1"] * 32) + ",X", ["Phase", "'X'"]),
    ("traffic", traffic.FILE, 5, "None,1,0,0,0,C,c,2012/10/02 13:00,9", ["date_time"]),
    ("traffic", traffic.FILE, 5, "None,hot,0,0,0,C,c,2012-10-02 13:00:00,9", ["temp"]),
    ("ozone", ozone.FILE, 3, "1/3/1998,1,2,3", ["74 fields"]),
    ("ozone", ozone.FILE, 4, "1/4/1998," + ",".join(["1"] * 72) + ",2.0", ["label 0 or 1"]),
    ("ozone", ozone.FILE, 4, "1/4/1998,x," + ",".join(["1"] * 71) + ",0.0", ["WSR0"]),
    ("power", power.FILE, 10, "16/12/2006;17:33:00;1;2;3", ["9 ;-separated fields"]),
    ("power", power.FILE, 10, "16/12/2006;17:33:00;1;2;3;4;5;6;abc", ["Sub_metering_3"]),
    ("person", person.FILE, 8, "A01,010-000-024-033,1,d,1,2,3", ["8 fields"]),
    ("person", person.FILE, 8, "A01,999,1,d,1,2,3,walking", ["tag"]),
    ("person", person.FILE, 8, "A01,010-000-024-033,1,d,1,2,3,dancing", ["activity"]),
]


@pytest.mark.parametrize(("name", "file", "line", "text", "words"), MALFORMED)
def test_malformed_line_names_the_file_line_and_expectation(
    tmp_path, rng, name, file, line, text, words
):
    synthetic_data.WRITERS[name](tmp_path, rng)
    path = tmp_path / data.DATASETS[name].folder / file
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError) as err:
        _load(tmp_path, name)
    assert isinstance(err.value, data.DataFormatError)
    message = str(err.value)
    assert str(path) in message and "expected" in message
    assert f"line {line}" in message
    for word in words:
        assert word in message


def test_malformed_binary_files(tmp_path, rng):
    synthetic_data.write_cheetah(tmp_path, rng)
    np.save(tmp_path / "cheetah" / "trace_0003.npy", np.zeros((60, 16)))
    with pytest.raises(data.DataFormatError, match=r"trace_0003.npy.*\(n_steps, 17\)"):
        _load(tmp_path, "cheetah")
    synthetic_data.write_mnist(tmp_path, rng)
    np.savez(tmp_path / "mnist" / "mnist.npz", x_train=np.zeros((5, 28, 28), np.uint8))
    with pytest.raises(data.DataFormatError, match=r"mnist\.npz.*x_test"):
        _load(tmp_path, "smnist")


def test_empty_file_is_a_format_error(tmp_path, rng):
    synthetic_data.write_ozone(tmp_path, rng)
    (tmp_path / "ozone" / ozone.FILE).write_text("\n")
    with pytest.raises(data.DataFormatError, match=r"eighthr\.data"):
        _load(tmp_path, "ozone")


def test_invalid_options(synthetic):
    root, _ = synthetic
    with pytest.raises(ValueError, match="name: expected one of"):
        data.load("mnist", root)
    with pytest.raises(ValueError, match="protocol"):
        data.load("gesture", root, protocol="random")
    with pytest.raises(TypeError, match="dtype"):
        data.load("gesture", root, dtype=np.int32)
    with pytest.raises(ValueError, match="seq_len"):
        data.load("gesture", root, seq_len=0)
    with pytest.raises(ValueError, match="no complete window of seq_len=500"):
        data.load("gesture", root, seq_len=500)


def test_registry():
    assert set(data.DATASETS) == {
        "occupancy",
        "gesture",
        "traffic",
        "ozone",
        "power",
        "person",
        "smnist",
        "cheetah",
        "digits",
    }
    for name, spec in data.DATASETS.items():
        assert spec.name == name and spec.layout.startswith(f"{spec.folder}/")
        assert spec.in_paper == (name != "digits")
    assert gesture.SPEC is data.DATASETS["gesture"]


# ---------------------------------------------------------------- python -m ltc_ref.data


def test_summary_command(synthetic, tmp_path, capsys):
    root, _ = synthetic
    partial = tmp_path / "partial"
    shutil.copytree(root / "gesture", partial / "gesture")
    assert data_main.main(["--data-dir", str(partial), "--protocol", "paper"]) == 0
    out = capsys.readouterr().out
    assert "gesture    paper    train" in out
    assert f"absent: ozone: missing folder {partial / 'ozone'}" in out
    assert data_main.main(["ozone", "--data-dir", str(partial)]) == 2  # named and absent
    assert capsys.readouterr().err.startswith(f"ltc-ref data: ozone: missing folder {partial}")
    assert data_main.main(["gesture", "--data-dir", str(root), "--notes"]) == 0
    out = capsys.readouterr().out
    assert "gesture    blocked  test" in out and "blocked protocol" in out
    with pytest.raises(SystemExit):
        data_main.main(["nosuchdata", "--data-dir", str(root)])


def test_power_fast_and_slow_parsers_agree(tmp_path, rng, monkeypatch):
    """The block parser (NumPy's C reader) and the line-by-line fallback give the same values,
    and a bad line is reported with its own number whatever block it falls in."""
    synthetic_data.write_power(tmp_path, rng)
    path = tmp_path / "power" / power.FILE
    fast, n_missing = power.read_file(path)
    lines = path.read_text().splitlines(keepends=True)
    slow = power._forward_fill(power._parse_lines_slowly(path, 2, lines[1:]), path)[0]
    np.testing.assert_array_equal(np.concatenate([fast.y, fast.x], axis=1), slow)
    assert n_missing == 4 * 7
    monkeypatch.setattr(power, "CHUNK_LINES", 7)  # many blocks
    blocks, _ = power.read_file(path)
    np.testing.assert_array_equal(blocks.x, fast.x)
    lines[22] = "16/12/2006;17:45:00;1;2;3;4;5;6;abc\n"
    path.write_text("".join(lines))
    with pytest.raises(data.DataFormatError, match="line 23: expected a number or"):
        power.read_file(path)


def test_docs_leakage_figures(capsys):
    """The leakage table of docs/data.md comes from the script printed next to it."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text()
    script = next(b for b in re.findall(r"```python\n(.*?)```", page, re.S) if "shared_rows" in b)
    exec(compile(script, "docs/data.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "paper {'valid': 74.2, 'test': 73.3}"  # gesture
    assert out[2] == "paper {'valid': 100.0}"  # occupancy
    assert out[4] == out[6] == "paper {'valid': 100.0, 'test': 100.0}"  # traffic, ozone
    assert out[8] == "paper {'valid': 0.0, 'test': 0.0}"  # power
    assert all(
        line == "blocked {'valid': 0.0, 'test': 0.0}" for line in out[1:10:2] if "test" in line
    )
    assert "| gesture | 74.2 % | 73.3 % |" in page


def test_verify_sections_pass():
    from ltc_ref.verify import data as verify_data
    from ltc_ref.verify.command import sections_of

    sections = sections_of(verify_data)
    assert [title for title, _ in sections] == ["data pipeline"]
    results = sections[0][1]()
    assert len(results) == 3
    assert all(r.passed is True for r in results), results

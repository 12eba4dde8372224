"""UCI Occupancy Detection (Candanedo & Feldheim 2016): is the office room occupied? 2 classes.

Protocol of the authors' ``occupancy.py``: 5 features (Temperature, Humidity, Light, CO2,
HumidityRatio), z-scored with the training file's statistics; windows of T = 16 rows (the paper
says 32), training stride 1; validation = a random 10 % of the training windows; test =
``datatest.txt`` and ``datatest2.txt`` windowed with stride 8; one label per time step,
accuracy over every step; Adam learning rate 0.005 for the LTC.

The test files are separate recordings (other days), so the test split never leaks. The random
validation windows overlap the training windows (stride 1); ``protocol="blocked"`` takes the last
10 % of ``datatraining.txt`` (in time) for validation instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import check_header, check_width, csv_rows, to_float, to_label
from .windowing import Recording, fit_zscore, split_recordings, windows

FILES = ("datatraining.txt", "datatest.txt", "datatest2.txt")
FEATURES = ("Temperature", "Humidity", "Light", "CO2", "HumidityRatio")
HEADER = ("date", *FEATURES, "Occupancy")
CLASSES = ("empty", "occupied")
DEFAULT_SEQ_LEN = 16
TRAIN_STRIDE = 1
TEST_STRIDE = 8
#: (train, valid, test) fractions of the training file's windows (paper) or rows (blocked);
#: the test split is the two test files.
TRAIN_FRACTIONS = (0.9, 0.1, 0.0)
LEARNING_RATE = 0.005
BATCH_SIZE = 16

LAYOUT = """\
occupancy/
  datatraining.txt   UCI Occupancy Detection, R write.csv layout: a header of 7 quoted names
  datatest.txt         "date","Temperature","Humidity","Light","CO2","HumidityRatio","Occupancy"
  datatest2.txt      then rows of 8 comma-separated fields: a quoted row name, the date, the 5
                     numeric features and the 0/1 label"""


@reads_file("a UTF-8 CSV file (see the layout)")
def read_file(path) -> Recording:
    """Parse one Occupancy Detection file.

    Arguments:
        path: a ``datatraining.txt``-style file (R ``write.csv`` layout, see `LAYOUT`).

    Returns:
        A `Recording` with ``x`` ``(n_rows, 5)`` float64 (`FEATURES` in order) and ``y``
        ``(n_rows,)`` int64 labels (1 = occupied).
    """
    x, y = [], []
    for line, fields in csv_rows(path):
        if line == 1:
            check_header(path, fields, HEADER)
            continue
        check_width(path, line, fields, 8, "row name, date, 5 features, Occupancy")
        x.append([to_float(path, line, fields[2 + j], name) for j, name in enumerate(FEATURES)])
        y.append(to_label(path, line, fields[7], "Occupancy", {"0": 0, "1": 1}))
    if not x:
        raise format_error(path, None, "data rows after the header", "none")
    return Recording(path.name, np.array(x, dtype=np.float64), np.array(y, dtype=np.int64))


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load Occupancy Detection (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/occupancy``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the authors' random split of the validation windows.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 16; stride 1 (training), 8 (test).

    Returns:
        A `Dataset`: ``x`` ``(n, T, 5)`` z-scored, ``y`` ``(n, T)`` int64 (1 = occupied).
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    folder = Path(folder)
    train_file, *test_files = (read_file(require_file(folder, f, SPEC)) for f in FILES)
    raw = split_recordings(
        [train_file],
        protocol=protocol,
        seq_len=seq_len,
        stride=TRAIN_STRIDE,
        seed=seed,
        fractions=TRAIN_FRACTIONS,
    )
    raw["test"] = (
        np.concatenate([windows(r.x, seq_len, TEST_STRIDE) for r in test_files]),
        np.concatenate([windows(r.y, seq_len, TEST_STRIDE) for r in test_files]),
    )
    notes = [
        *common_notes(normalised=True),
        f"T = {seq_len} (the authors' script; the paper says 32); train stride "
        f"{TRAIN_STRIDE}, test stride {TEST_STRIDE}",
        "z-score per feature (the training windows' statistics)",
        "test = datatest.txt + datatest2.txt (separate recordings: no leakage into test)",
        "paper protocol: validation = a random 10 % of the stride-1 training windows "
        "(they overlap the training windows)"
        if protocol == "paper"
        else "blocked protocol: validation = the last 10 % of datatraining.txt's rows, "
        "training = the first 90 %: no row is shared",
    ]
    return make_dataset(
        raw,
        source=Path(folder),
        dtype=dtype,
        fit_x=fit_zscore,
        name="occupancy",
        protocol=protocol,
        task="classification",
        metric="accuracy",
        target_steps="all",
        n_classes=2,
        class_names=CLASSES,
        feature_names=FEATURES,
        target_names=(),
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        seq_len=seq_len,
        notes=tuple(notes),
        files=tuple(str(folder / f) for f in FILES),
    )


SPEC = DatasetSpec(
    name="occupancy",
    folder="occupancy",
    layout=LAYOUT,
    loader=load,
    description="UCI Occupancy Detection, 5 features, 2 classes, accuracy",
)

"""UCI Ozone Level Detection, eight-hour peak set (``eighthr.data``): is the day an ozone day?
2 classes, heavily imbalanced (about 6 % positives).

Protocol of the authors' ``ozone.py``: the 72 numeric fields of each day as inputs, missing
values (``?``) replaced by 0, one global scalar z-score (a single mean and standard deviation
over every entry); windows of T = 32 days with stride 4; a random 75/10/15 % split of the
windows; class-weighted cross-entropy with weight 0.1 for class 0 and 1.6 for class 1 (the
script's ``1.5 y + 0.1``); the metric is the F1 score of class 1 over every step; Adam learning
rate 0.01 for the LTC.

Fixed here:

* the window axis: the script stacked the windows along the wrong axis, so each "sequence" it
  trained on was a strided sample of the whole seven years instead of 32 consecutive days;
* normalisation before splitting: the scalar mean and standard deviation come from the training
  windows only.

The data file is not in the shared data directory; the loader follows the UCI documentation
(``eighthr.names``) and is tested on small synthetic files in that format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import check_width, to_float
from .windowing import Recording, fit_zscore, split_recordings

FILE = "eighthr.data"
#: The 72 numeric attributes of ``eighthr.names``, in file order.
FEATURES = (
    *(f"WSR{h}" for h in range(24)),
    "WSR_PK",
    "WSR_AV",
    *(f"T{h}" for h in range(24)),
    "T_PK",
    "T_AV",
    *(f"{v}{level}" for level in (85, 70, 50) for v in ("T", "RH", "U", "V", "HT")),
    "KI",
    "TT",
    "SLP",
    "SLP_",
    "Precp",
)
CLASSES = ("normal day", "ozone day")
#: The missing-value token and the value the authors replace it with (before normalising).
MISSING, MISSING_VALUE = "?", 0.0
#: The authors' per-step loss weight 1.5 y + 0.1: class 0 -> 0.1, class 1 -> 1.6 (16x).
CLASS_WEIGHTS = (0.1, 1.6)
DEFAULT_SEQ_LEN = 32
STRIDE = 4
LEARNING_RATE = 0.01
BATCH_SIZE = 16

LAYOUT = """\
ozone/
  eighthr.data   UCI Ozone Level Detection (eight-hour peak set), no header: one day per line,
                 74 comma-separated fields: the date (e.g. 1/1/1998), 72 numbers (WSR0 ...
                 Precp, see eighthr.names) with ? for a missing value, and the label 0 or 1"""


@reads_file("a UTF-8 text file of 74 comma-separated fields per line")
def read_file(path) -> tuple[Recording, int]:
    """Parse ``eighthr.data``.

    Arguments:
        path: the file.

    Returns:
        ``(recording, n_missing)``: a `Recording` with ``x`` ``(n_days, 72)`` float64 (missing
        values set to `MISSING_VALUE`) and ``y`` ``(n_days,)`` int64 labels; ``n_missing`` the
        number of ``?`` entries.
    """
    x, y, n_missing = [], [], 0
    with open(path, encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            fields = text.strip().split(",")
            check_width(path, line, fields, 74, "date, 72 numbers or ?, label")
            row = []
            for j, token in enumerate(fields[1:73]):
                if token.strip() == MISSING:
                    n_missing += 1
                    row.append(MISSING_VALUE)
                else:
                    row.append(to_float(path, line, token, FEATURES[j]))
            label = to_float(path, line, fields[73], "label")
            if label not in (0.0, 1.0):
                raise format_error(path, line, "the label 0 or 1 in the last field", fields[73])
            x.append(row)
            y.append(int(label))
    if not x:
        raise format_error(path, None, "at least one data line", "none")
    recording = Recording(path.name, np.array(x, dtype=np.float64), np.array(y, dtype=np.int64))
    return recording, n_missing


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load Ozone Level Detection (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/ozone``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the random split of the windows.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 32 days; stride 4.

    Returns:
        A `Dataset`: ``x`` ``(n, T, 72)`` z-scored (one scalar),
        ``y`` ``(n, T)`` int64 (1 = ozone day), ``class_weights`` (0.1, 1.6).
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    folder = Path(folder)
    recording, n_missing = read_file(require_file(folder, FILE, SPEC))
    raw = split_recordings(
        [recording], protocol=protocol, seq_len=seq_len, stride=STRIDE, seed=seed
    )
    notes = [
        *common_notes(normalised=True),
        f"missing values (?) set to 0 before normalising, as the authors "
        f"({n_missing} of {recording.x.size} entries)",
        "one global scalar z-score over every entry, as the authors (training statistics)",
        f"T = {seq_len} days, stride {STRIDE}",
        "class-weighted loss, weights (0.1, 1.6) for classes (0, 1); metric F1 of class 1",
        f"paper protocol: a random 75/10/15 % split of windows overlapping by "
        f"{max(seq_len - STRIDE, 0)} of {seq_len} days - days are shared between splits "
        "(leakage)"
        if protocol == "paper"
        else "blocked protocol: the series cut into contiguous 75/10/15 % blocks of time "
        "(train, valid, test), then windowed: no day is in two splits",
    ]
    return make_dataset(
        raw,
        source=Path(folder) / FILE,
        dtype=dtype,
        fit_x=lambda x: fit_zscore(x, per_feature=False),
        class_weights=CLASS_WEIGHTS,
        name="ozone",
        protocol=protocol,
        task="classification",
        metric="f1",
        target_steps="all",
        n_classes=2,
        class_names=CLASSES,
        feature_names=FEATURES,
        target_names=(),
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        seq_len=seq_len,
        notes=tuple(notes),
        files=(str(folder / FILE),),
    )


SPEC = DatasetSpec(
    name="ozone",
    folder="ozone",
    layout=LAYOUT,
    loader=load,
    description="UCI Ozone Level Detection (8-hour), 72 features, 2 classes, F1",
)

"""UCI Gesture Phase Segmentation: the phase of a gesture (rest, preparation, stroke, hold,
retraction) from hand and wrist kinematics. 5 classes.

Protocol of the authors' ``gesture.py``: the seven processed files ``*_va3.csv`` (32 features:
velocities and accelerations of both hands and wrists), windows of T = 32 rows with 50 % overlap
(stride 16) inside each file, z-score per feature, a random 75/10/15 % split of the windows; one
label per time step, accuracy over every step; Adam learning rate 0.01 for the LTC.

Fixed here: the authors z-scored with the statistics of all windows *before* splitting (test
statistics leaked into training); here the statistics come from the training windows only.
Overlapping windows split at random still share rows between splits; ``protocol="blocked"``
cuts each file into contiguous 75/10/15 % blocks of time first.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import check_header, check_width, csv_rows, to_float, to_label
from .windowing import Recording, fit_zscore, split_recordings

FILES = tuple(f"{v}_va3.csv" for v in ("a1", "a2", "a3", "b1", "b3", "c1", "c3"))
#: Phase letters of the files (Portuguese initials) -> class index, as in the authors' script.
PHASES = {"D": 0, "P": 1, "S": 2, "H": 3, "R": 4}
CLASSES = ("rest", "preparation", "stroke", "hold", "retraction")
_PARTS = ("left_hand", "right_hand", "left_wrist", "right_wrist")
#: The 32 columns of ``*_va3.csv`` (``data_description.txt``; its list repeats "scalar velocity"
#: for columns 29-32, which hold the scalar accelerations).
FEATURES = (
    *(f"velocity_{p}_{a}" for p in _PARTS for a in "xyz"),
    *(f"acceleration_{p}_{a}" for p in _PARTS for a in "xyz"),
    *(f"speed_{p}" for p in _PARTS),
    *(f"scalar_acceleration_{p}" for p in _PARTS),
)
HEADER = (*(str(i) for i in range(1, 33)), "Phase")
DEFAULT_SEQ_LEN = 32
LEARNING_RATE = 0.01
BATCH_SIZE = 16

LAYOUT = """\
gesture/
  a1_va3.csv a2_va3.csv a3_va3.csv b1_va3.csv b3_va3.csv c1_va3.csv c3_va3.csv
      UCI Gesture Phase Segmentation, processed files: a header 1,2,...,32,Phase then rows of
      33 comma-separated fields, 32 numbers and a phase letter D, P, S, H or R"""


@reads_file("a UTF-8 CSV file (see the layout)")
def read_file(path) -> Recording:
    """Parse one ``*_va3.csv`` file.

    Arguments:
        path: the file.

    Returns:
        A `Recording` with ``x`` ``(n_rows, 32)`` float64 and ``y`` ``(n_rows,)`` int64 phases
        (`PHASES`).
    """
    x, y = [], []
    for line, fields in csv_rows(path):
        if line == 1:
            check_header(path, fields, HEADER)
            continue
        check_width(path, line, fields, 33, "32 numbers and the phase")
        x.append([to_float(path, line, fields[j], str(j + 1)) for j in range(32)])
        y.append(to_label(path, line, fields[32], "Phase", PHASES))
    if not x:
        raise format_error(path, None, "data rows after the header", "none")
    return Recording(path.name, np.array(x, dtype=np.float64), np.array(y, dtype=np.int64))


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load Gesture Phase Segmentation (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/gesture``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the random split of the windows.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 32; stride ``seq_len // 2`` (50 % overlap).

    Returns:
        A `Dataset`: ``x`` ``(n, T, 32)`` z-scored, ``y`` ``(n, T)`` int64 phases 0-4.
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    folder = Path(folder)
    recordings = [read_file(require_file(folder, f, SPEC)) for f in FILES]
    stride = max(seq_len // 2, 1)
    raw = split_recordings(recordings, protocol=protocol, seq_len=seq_len, stride=stride, seed=seed)
    notes = [
        *common_notes(normalised=True),
        f"T = {seq_len}, stride {stride} (50 % overlap) inside each of the 7 files",
        "z-score per feature (the training windows' statistics)",
        "paper protocol: a random 75/10/15 % split of the overlapping windows - rows are "
        "shared between splits (leakage)"
        if protocol == "paper"
        else "blocked protocol: each file cut into contiguous 75/10/15 % blocks of time, "
        "then windowed: no row is in two splits",
    ]
    return make_dataset(
        raw,
        source=Path(folder),
        dtype=dtype,
        fit_x=fit_zscore,
        name="gesture",
        protocol=protocol,
        task="classification",
        metric="accuracy",
        target_steps="all",
        n_classes=len(CLASSES),
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
    name="gesture",
    folder="gesture",
    layout=LAYOUT,
    loader=load,
    description="UCI Gesture Phase Segmentation, 32 features, 5 classes, accuracy",
)

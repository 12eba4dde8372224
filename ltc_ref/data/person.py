"""UCI Localization Data for Person Activity (``ConfLongDemo_JSI.txt``): what is the person doing,
from the positions of four tags (both ankles, chest, belt)? 7 classes.

Protocol of the authors' ``person.py``: each line is one reading of one tag; the inputs are the
tag as a one-hot vector (4) and its x, y, z position (3), not normalised (the script computes
statistics but never applies them); the 11 activities are merged into 7 classes (`CLASS_MAP`);
each of the 25 recordings (5 people x 5 sessions) is cut into windows of T = 32 readings with
stride 16; a random 75/10/15 % split of the windows; accuracy over every step; batch size 64;
Adam learning rate 0.01 for the LTC.

Fixed here: the authors' loop appended a recording only when the next one began, so the last
recording of the file (E05) was silently dropped; every recording is used here. Overlapping
windows split at random share readings between splits; ``protocol="blocked"`` cuts each
recording into contiguous 75/10/15 % blocks of time first.

The data file is not in the shared data directory; the loader follows the UCI documentation and
is tested on small synthetic files in that format.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import check_width, to_float, to_label
from .windowing import Recording, split_recordings

FILE = "ConfLongDemo_JSI.txt"
#: Tag identifiers (UCI: ankle left, ankle right, chest, belt) -> one-hot position.
TAGS = {"010-000-024-033": 0, "010-000-030-096": 1, "020-000-033-111": 2, "020-000-032-221": 3}
TAG_NAMES = ("ankle_left", "ankle_right", "chest", "belt")
FEATURES = (*(f"tag_{t}" for t in TAG_NAMES), "x", "y", "z")
#: The authors' merge of the 11 activities into 7 classes.
CLASS_MAP = {
    "lying down": 0,
    "lying": 0,
    "sitting down": 1,
    "sitting": 1,
    "standing up from lying": 2,
    "standing up from sitting": 2,
    "standing up from sitting on the ground": 2,
    "walking": 3,
    "falling": 4,
    "on all fours": 5,
    "sitting on the ground": 6,
}
CLASSES = (
    "lying",
    "sitting",
    "standing up",
    "walking",
    "falling",
    "on all fours",
    "sitting on the ground",
)
DEFAULT_SEQ_LEN = 32
LEARNING_RATE = 0.01
BATCH_SIZE = 64

LAYOUT = """\
person/
  ConfLongDemo_JSI.txt   UCI Localization Data for Person Activity, no header: one tag reading
      per line, 8 comma-separated fields: sequence name (A01 ... E05), tag id (010-000-024-033,
      010-000-030-096, 020-000-033-111, 020-000-032-221), timestamp, date
      (dd.MM.yyyy HH:mm:ss:SSS), x, y, z, activity (walking, falling, lying down, lying,
      sitting down, sitting, standing up from lying, on all fours, sitting on the ground,
      standing up from sitting, standing up from sitting on the ground)"""


@reads_file("a UTF-8 text file of 8 comma-separated fields per line")
def read_file(path) -> list[Recording]:
    """Parse ``ConfLongDemo_JSI.txt`` into one `Recording` per run of equal sequence names.

    Arguments:
        path: the file.

    Returns:
        The recordings in file order, each with ``x`` ``(n_rows, 7)`` float64 (one-hot tag,
        x, y, z) and ``y`` ``(n_rows,)`` int64 classes (`CLASS_MAP`).
    """
    runs = []  # (sequence name, feature rows, labels), one per run of equal names
    with open(path, encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            fields = [s.strip() for s in text.split(",")]
            check_width(path, line, fields, 8, "sequence, tag, timestamp, date, x, y, z, activity")
            if not runs or runs[-1][0] != fields[0]:
                runs.append((fields[0], [], []))
            one_hot = [0.0] * len(TAGS)
            one_hot[to_label(path, line, fields[1], "tag", TAGS)] = 1.0
            xyz = [to_float(path, line, fields[4 + k], "xyz"[k]) for k in range(3)]
            runs[-1][1].append(one_hot + xyz)
            runs[-1][2].append(to_label(path, line, fields[7], "activity", CLASS_MAP))
    if not runs:
        raise format_error(path, None, "at least one data line", "none")
    # Every run becomes a recording, the last one included (the authors' loop appended a run
    # only when the next one began, so it lost the last).
    recordings = [
        Recording(name, np.array(x, dtype=np.float64), np.array(y, dtype=np.int64))
        for name, x, y in runs
    ]
    return recordings


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load Person Activity (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/person``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the random split of the windows.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 32 readings; stride ``seq_len // 2``.

    Returns:
        A `Dataset`: ``x`` ``(n, T, 7)`` (one-hot tag, x, y, z), ``y`` ``(n, T)`` int64 classes 0-6.
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    folder = Path(folder)
    recordings = read_file(require_file(folder, FILE, SPEC))
    stride = max(seq_len // 2, 1)
    raw = split_recordings(recordings, protocol=protocol, seq_len=seq_len, stride=stride, seed=seed)
    notes = [
        *common_notes(normalised=False),
        f"all {len(recordings)} recordings used (fix: the authors' loop dropped the last one)",
        "inputs not normalised, as the authors (one-hot tag, raw x, y, z)",
        "11 activities merged into 7 classes as the authors",
        f"T = {seq_len} readings, stride {stride} inside each recording",
        "paper protocol: a random 75/10/15 % split of the overlapping windows - readings are "
        "shared between splits (leakage)"
        if protocol == "paper"
        else "blocked protocol: each recording cut into contiguous 75/10/15 % blocks of time, "
        "then windowed: no reading is in two splits",
    ]
    return make_dataset(
        raw,
        source=Path(folder) / FILE,
        dtype=dtype,
        name="person",
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
        files=(str(folder / FILE),),
    )


SPEC = DatasetSpec(
    name="person",
    folder="person",
    layout=LAYOUT,
    loader=load,
    description="UCI Person Activity (localization), 7 features, 7 classes, accuracy",
)

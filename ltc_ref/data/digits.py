"""scikit-learn's 8 x 8 digits, a small stand-in for sequential MNIST (not in the paper): an image
read one row per time step (T = 8 steps of C = 8 pixels), 10 classes, 1,797 images.

Same treatment as `ltc_ref.data.smnist`: pixels / 16 (their maximum), the label repeated over the
T steps with ``target_steps == "last"``. There is no official split: a seeded random
75/10/15 % split of the images (independent, so no leakage; ``protocol="blocked"`` gives the
same split). Learning rate and batch size as sequential MNIST. Small enough for smoke training
runs in CI.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ._assemble import check_options, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import to_float
from .windowing import PAPER_FRACTIONS, random_split

FILE = "digits.csv.gz"
ROWS = COLS = 8
N_CLASSES = 10
PIXEL_MAX = 16.0
FEATURES = tuple(f"col{j}" for j in range(COLS))
LEARNING_RATE = 0.005
BATCH_SIZE = 16

LAYOUT = """\
digits_sklearn/
  digits.csv.gz   scikit-learn's digits (sklearn/datasets/data/digits.csv.gz): gzip'd CSV,
                  no header, one image per line: 64 pixel values 0-16 (row by row) then the
                  label 0-9"""


@reads_file("a gzip-compressed UTF-8 CSV of 65 fields per line (64 pixels, label)")
def read_file(path) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``digits.csv.gz`` into ``(pixels (n, 8, 8) float64 in 0..16, labels (n,) int64)``."""
    pixels, labels = [], []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if not text.strip():
                continue
            fields = text.strip().split(",")
            if len(fields) != ROWS * COLS + 1:
                raise format_error(path, line, "65 fields (64 pixels, label)", str(len(fields)))
            values = [to_float(path, line, t, f"pixel {j}") for j, t in enumerate(fields[:-1])]
            label = to_float(path, line, fields[-1], "label")
            if label not in range(N_CLASSES):
                raise format_error(path, line, "a label 0-9 in the last field", fields[-1])
            pixels.append(values)
            labels.append(int(label))
    if not pixels:
        raise format_error(path, None, "at least one image", "an empty file")
    return np.array(pixels).reshape(-1, ROWS, COLS), np.array(labels, dtype=np.int64)


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load the 8 x 8 digits (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/digits_sklearn``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the random split of the images.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default ``None`` or 8 (one image row per step).

    Returns:
        A `Dataset`: ``x`` ``(n, 8, 8)`` pixels / 16,
        ``y`` ``(n, 8)`` int64 labels repeated over T (use the last step).
    """
    if seq_len not in (None, ROWS):
        raise ValueError(f"seq_len: the digits have T = {ROWS} rows per image, got {seq_len}")
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, ROWS)
    folder = Path(folder)
    path = require_file(folder, FILE, SPEC)
    pixels, labels = read_file(path)
    index = random_split(len(labels), PAPER_FRACTIONS, np.random.default_rng(seed))
    raw = {
        s: (pixels[i] / PIXEL_MAX, np.repeat(labels[i, None], ROWS, axis=1))
        for s, i in index.items()
    }
    notes = [
        "not in the paper: a small stand-in for sequential MNIST",
        "one image row per time step (T = 8, C = 8), pixels / 16",
        "classify the last step: the label is repeated over T, use y[:, -1] "
        "(target_steps = 'last')",
        f"a random 75/10/15 % split of the images (seed {seed}); images are independent, so "
        "'paper' and 'blocked' are the same split",
    ]
    return make_dataset(
        raw,
        source=Path(folder) / FILE,
        dtype=dtype,
        name="digits",
        protocol=protocol,
        task="classification",
        metric="accuracy",
        target_steps="last",
        n_classes=N_CLASSES,
        class_names=tuple(str(d) for d in range(N_CLASSES)),
        feature_names=FEATURES,
        target_names=(),
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        seq_len=ROWS,
        notes=tuple(notes),
        files=(str(path),),
    )


SPEC = DatasetSpec(
    name="digits",
    folder="digits_sklearn",
    layout=LAYOUT,
    loader=load,
    in_paper=False,
    description="scikit-learn 8x8 digits (stand-in for sMNIST), 8 features, 10 classes",
)

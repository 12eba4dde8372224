"""Sequential MNIST: a 28 x 28 digit read one row per time step (T = 28 steps of C = 28 pixels).
10 classes.

Protocol of the authors' ``smnist.py``: pixels / 255; the last 10 % of the 60,000 training
images (in file order) for validation, the first 90 % for training, the 10,000 test images for
test; the network's output at the **last** step is classified (cross-entropy and accuracy on
that step only); Adam learning rate 0.005 for the LTC.

The label is repeated over the 28 steps so that ``y`` has the ``(n, T)`` shape of the other
datasets; ``Dataset.target_steps == "last"`` says to use ``y[:, -1]`` only. Images are
independent, so there is no leakage and ``protocol="blocked"`` gives the same split.

Memory: the pixels are converted split by split straight into the requested dtype; float64 takes
about 440 MB for the 70,000 images, float32 (``dtype=np.float32``) half of that.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file

FILE = "mnist.npz"
ROWS = COLS = 28
N_CLASSES = 10
#: Fraction of the training images (the first ones) kept for training, as the authors.
TRAIN_FRACTION = 0.9
PIXEL_MAX = 255.0
FEATURES = tuple(f"col{j}" for j in range(COLS))
LEARNING_RATE = 0.005
BATCH_SIZE = 16

LAYOUT = """\
mnist/
  mnist.npz   MNIST in the keras layout: a NumPy .npz archive with x_train (60000, 28, 28)
              uint8, y_train (60000,) labels 0-9, x_test (10000, 28, 28) uint8, y_test (10000,)"""


def _check_arrays(path, archive) -> None:
    for key, shape in (("x_train", (None, ROWS, COLS)), ("x_test", (None, ROWS, COLS))):
        if key not in archive.files:
            raise format_error(path, None, f"an array named {key}", f"arrays {archive.files}")
        a = archive[key]
        if a.ndim != 3 or a.shape[1:] != shape[1:] or a.dtype != np.uint8:
            expected = f"{key} uint8 of shape (n, 28, 28)"
            raise format_error(path, None, expected, f"{a.dtype} {a.shape}")


def _labels(path, archive, key, n) -> np.ndarray:
    if key not in archive.files:
        raise format_error(path, None, f"an array named {key}", f"arrays {archive.files}")
    y = archive[key]
    if y.shape != (n,) or y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= N_CLASSES:
        raise format_error(path, None, f"{key}: ({n},) integer labels 0-9", f"{y.dtype} {y.shape}")
    return y.astype(np.int64)


def _scaled(pixels: np.ndarray, dtype) -> np.ndarray:
    """pixels / 255 written straight into a new array of ``dtype`` (no float64 temporary)."""
    out = np.empty(pixels.shape, dtype=dtype)
    np.divide(pixels, dtype.type(PIXEL_MAX), out=out)
    return out


@reads_file("an .npz archive of x_train, y_train, x_test, y_test (uint8 images, int labels)")
def read_file(path):
    """Read ``mnist.npz``: ``(x_train, y_train, x_test, y_test)``, checked (uint8
    ``(n, 28, 28)`` images, at least one in each array; ``(n,)`` integer labels 0-9)."""
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise format_error(path, None, "an .npz archive", f"a single .npy array {archive.shape}")
    with archive:
        _check_arrays(path, archive)
        x_train, x_test = archive["x_train"], archive["x_test"]
        for key, a in (("x_train", x_train), ("x_test", x_test)):
            if a.shape[0] == 0:
                raise format_error(path, None, f"at least one image in {key}", "zero images")
        y_train = _labels(path, archive, "y_train", x_train.shape[0])
        y_test = _labels(path, archive, "y_test", x_test.shape[0])
    return x_train, y_train, x_test, y_test


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load sequential MNIST (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/mnist``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of unused (the split is fixed).
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default ``None`` or 28 (one image row per step).

    Returns:
        A `Dataset`: ``x`` ``(n, 28, 28)`` pixels / 255,
        ``y`` ``(n, 28)`` int64 labels repeated over T (use the last step).
    """
    if seq_len not in (None, ROWS):
        raise ValueError(f"seq_len: sequential MNIST has T = {ROWS} rows per image, got {seq_len}")
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, ROWS)
    folder = Path(folder)
    path = require_file(folder, FILE, SPEC)
    x_train, y_train, x_test, y_test = read_file(path)
    n_train = int(TRAIN_FRACTION * x_train.shape[0])
    raw = {
        "train": (_scaled(x_train[:n_train], dtype), y_train[:n_train]),
        "valid": (_scaled(x_train[n_train:], dtype), y_train[n_train:]),
        "test": (_scaled(x_test, dtype), y_test),
    }
    del x_train, x_test
    raw = {s: (x, np.repeat(y[:, None], ROWS, axis=1)) for s, (x, y) in raw.items()}
    notes = [
        "one image row per time step (T = 28, C = 28), pixels / 255",
        "classify the last step: the label is repeated over T, use y[:, -1] "
        "(target_steps = 'last')",
        f"validation = the last {1 - TRAIN_FRACTION:.0%} of the training images in file "
        "order, as the authors; images are independent, so 'paper' and 'blocked' are the same "
        "split",
    ]
    return make_dataset(
        raw,
        source=Path(folder) / FILE,
        dtype=dtype,
        name="smnist",
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
    name="smnist",
    folder="mnist",
    layout=LAYOUT,
    loader=load,
    description="Sequential MNIST (row by row), 28 features, 10 classes, accuracy (last step)",
)

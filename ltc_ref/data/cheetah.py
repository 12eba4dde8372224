"""Half-Cheetah kinematics (the LTC authors' traces): predict the next 17-dimensional state.
Regression, 17 targets.

Protocol of the authors' ``cheetah.py``: the trace files sorted by name; validation = files
0-4, test = files 5-14, training = files 15-24 (files 25 and later unused); windows of T = 32
steps with stride 10 inside each file, input ``x[i, t] = s[s_i + t]`` and target
``y[i, t] = s[s_i + t + 1]`` (the next state); no normalisation; squared error over every step
and every state dimension; Adam learning rate 0.01 for the LTC.

The split is by file, so no window crosses splits: ``protocol="blocked"`` gives the same split.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DataNotFoundError, DatasetSpec, download_hint, format_error, reads_file
from .windowing import windows

#: File index ranges (in sorted order) of each split, as the authors.
SPLIT_FILES = {"train": range(15, 25), "valid": range(0, 5), "test": range(5, 15)}
N_FILES = 25
STATE_DIM = 17
FEATURES = tuple(f"s{j}" for j in range(STATE_DIM))
TARGETS = tuple(f"next_s{j}" for j in range(STATE_DIM))
DEFAULT_SEQ_LEN = 32
STRIDE = 10
LEARNING_RATE = 0.01
BATCH_SIZE = 16

LAYOUT = """\
cheetah/
  trace_0000.npy ... trace_0024.npy (or more; sorted by name, the first 25 are used)
      NumPy .npy files, each a float array (n_steps, 17) of Half-Cheetah states
      (the LTC authors' experiments_with_ltcs/data/cheetah)"""


@reads_file("a NumPy .npy float array of shape (n_steps, 17)")
def read_file(path) -> np.ndarray:
    """Load one trace: a finite ``(n_steps, 17)`` float64 array."""
    trace = np.load(path, allow_pickle=False)
    if not isinstance(trace, np.ndarray):  # an .npz archive under an .npy name
        trace.close()
        raise format_error(path, None, "a NumPy .npy array", "an .npz archive of several arrays")
    if trace.ndim != 2 or trace.shape[1] != STATE_DIM or trace.dtype.kind != "f":
        raise format_error(
            path,
            None,
            f"a float array of shape (n_steps, {STATE_DIM})",
            f"{trace.dtype} {trace.shape}",
        )
    if not np.isfinite(trace).all():
        raise format_error(path, None, "finite values", "NaN or inf")
    return trace.astype(np.float64)


def trace_files(folder) -> list[Path]:
    """The sorted ``*.npy`` files of ``folder``; at least `N_FILES` of them, else an error."""
    files = sorted(Path(folder).glob("*.npy"))
    if len(files) < N_FILES:
        raise DataNotFoundError(
            f"cheetah: found {len(files)} .npy files in {folder}, need {N_FILES}\n"
            f"expected layout:\n{LAYOUT}\n{download_hint(SPEC, Path(folder).parent)}"
        )
    return files


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load the Half-Cheetah traces (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/cheetah``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of unused (the split is by file).
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 32; stride 10.

    Returns:
        A `Dataset`: ``x`` ``(n, T, 17)`` states, ``y`` ``(n, T, 17)`` the next states.
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    files = trace_files(folder)
    raw = {}
    for split, index in SPLIT_FILES.items():
        # A window of T + 1 states gives the input (its first T) and the target (its last T).
        w = [windows(read_file(files[k]), seq_len + 1, STRIDE) for k in index]
        w = np.concatenate(w) if w else np.zeros((0, seq_len + 1, STATE_DIM))
        raw[split] = (w[:, :-1], w[:, 1:])
    notes = [
        *common_notes(normalised=False),
        "target = the next state, y[i, t] = x[i, t + 1] within the trace",
        f"T = {seq_len}, stride {STRIDE}; split by file (sorted): valid 0-4, test 5-14, "
        "train 15-24, as the authors - no window crosses splits, so 'paper' and 'blocked' "
        "are the same split",
        "no normalisation, as the authors",
    ]
    return make_dataset(
        raw,
        source=Path(folder),
        dtype=dtype,
        name="cheetah",
        protocol=protocol,
        task="regression",
        metric="mse",
        target_steps="all",
        n_classes=None,
        class_names=(),
        feature_names=FEATURES,
        target_names=TARGETS,
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        seq_len=seq_len,
        notes=tuple(notes),
        files=tuple(str(f) for f in files[:N_FILES]),
    )


SPEC = DatasetSpec(
    name="cheetah",
    folder="cheetah",
    layout=LAYOUT,
    loader=load,
    description="Half-Cheetah next-state prediction, 17 inputs, 17 targets, MSE",
)

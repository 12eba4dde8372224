"""From split windows to a `Dataset`: options, normalisation, dtype, read-only arrays.

Every loader parses its files into `windowing.Recording` objects, splits them with
`windowing.split_recordings` (or its own fixed split) and hands the raw windows to
`make_dataset`, which fits the normalisation on the training windows only and applies it to all
three splits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import check_choice, check_dtype, check_int
from ._base import PROTOCOLS, DataFormatError, Dataset, Split
from .windowing import SPLITS, ZScore


def check_options(protocol, seed, dtype, seq_len, default_seq_len: int):
    """Validate `load`'s common options; return ``(protocol, seed, dtype, seq_len)``."""
    protocol = check_choice("protocol", protocol, PROTOCOLS)
    seed = check_int("seed", seed, minimum=0)
    dtype = check_dtype("dtype", dtype)
    seq_len = default_seq_len if seq_len is None else check_int("seq_len", seq_len, minimum=1)
    return protocol, seed, dtype, seq_len


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def make_dataset(
    raw: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    dtype,
    fit_x: Callable[[np.ndarray], ZScore] | None = None,
    fit_y: Callable[[np.ndarray], ZScore] | None = None,
    class_weights=None,
    source=None,
    **meta,
) -> Dataset:
    """Normalise with training statistics, cast, freeze and wrap the splits in a `Dataset`.

    Arguments:
        raw: ``{split: (x, y)}`` as from `split_recordings` (float64 x; int or float64 y).
        dtype: float32 or float64, the dtype of ``x`` and of regression ``y``.
        fit_x: fits the input normalisation on the training ``x`` (``None``: none).
        fit_y: fits the target normalisation on the training ``y`` (regression only).
        class_weights: per-class loss weights or ``None``.
        source: the data file (or folder) the splits come from, named in the errors.
        **meta: the remaining `Dataset` fields (name, protocol, task, metric, ...).

    Returns:
        The `Dataset`. Raises `DataFormatError` (a ``ValueError``) naming ``source`` if the
        training split is empty (a file with too few data rows).
    """
    train_x, train_y = raw["train"]
    if train_x.shape[0] == 0:
        sizes = ", ".join(f"{s} {raw[s][0].shape[0]}" for s in SPLITS)
        raise DataFormatError(
            f"{meta['name']}: {source}: the training split has no complete window of "
            f"seq_len={meta['seq_len']} rows: expected enough data rows for one, found too few "
            f"(windows per split: {sizes}); use a shorter seq_len or more data"
        )
    x_scaling = fit_x(train_x) if fit_x is not None else None
    y_scaling = fit_y(train_y) if fit_y is not None else None
    splits = {}
    for s in SPLITS:
        x, y = raw[s]
        x = x_scaling(x) if x_scaling is not None else x
        if meta["task"] == "regression":
            y = y_scaling(y) if y_scaling is not None else y
            y = y.astype(dtype, copy=False)
        else:
            y = y.astype(np.int64, copy=False)
        x, y = np.ascontiguousarray(x, dtype=dtype), np.ascontiguousarray(y)
        splits[s] = Split(x=_readonly(x), y=_readonly(y))
    if class_weights is not None:
        class_weights = _readonly(np.asarray(class_weights, dtype=np.float64))
    return Dataset(
        train=splits["train"],
        valid=splits["valid"],
        test=splits["test"],
        x_scaling=x_scaling,
        y_scaling=y_scaling,
        class_weights=class_weights,
        **meta,
    )


def common_notes(*, normalised: bool) -> list[str]:
    """The notes shared by the windowed datasets (the two fixes every one of them gets)."""
    notes = [
        "windows are batch first (n, T, C): x[i, t] is the row after x[i, t-1] (fix: the "
        "authors' traffic and ozone scripts stacked the windows on the wrong axis)",
    ]
    if normalised:
        notes.append(
            "normalisation statistics from the training split only (fix: the authors' "
            "gesture, traffic, ozone and power scripts normalised before splitting)"
        )
    return notes

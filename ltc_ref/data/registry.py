"""The registry of datasets and `load`."""

from __future__ import annotations

import numpy as np

from .._validation import check_choice
from . import _base, cheetah, digits, gesture, occupancy, ozone, person, power, smnist, traffic
from ._base import Dataset, DatasetSpec, dataset_folder

#: name -> `DatasetSpec`, in the order of the paper's Table 3, then the extras.
DATASETS: dict[str, DatasetSpec] = {
    m.SPEC.name: m.SPEC
    for m in (gesture, occupancy, person, smnist, traffic, power, ozone, cheetah, digits)
}


def load(
    name: str,
    data_dir=None,
    *,
    protocol: str = "paper",
    seed: int = 0,
    dtype=np.float64,
    seq_len: int | None = None,
) -> Dataset:
    """Load one dataset, split and normalised by the chosen protocol.

    Arguments:
        name: a key of `DATASETS`: ``"gesture"``, ``"occupancy"``, ``"person"``,
            ``"smnist"``, ``"traffic"``, ``"power"``, ``"ozone"``, ``"cheetah"`` or
            ``"digits"``.
        data_dir: the data directory, laid out as ``<data_dir>/<folder>/<file>`` (e.g.
            ``../shared/data``); ``None`` reads the environment variable ``LTC_REF_DATA``.
        protocol: ``"paper"`` — the authors' split (windows drawn at random into 75/10/15 %,
            or their fixed files), with their defects fixed; ``"blocked"`` — each recording cut
            into contiguous blocks of time first, then windowed, so no row is in two splits.
            Where the paper's split is already by file or image (cheetah, smnist, digits) the
            two are the same.
        seed: seed of the random split (``numpy.random.default_rng(seed)``); unused where the
            split is fixed.
        dtype: float64 (default) or float32: the dtype of ``x`` and of regression targets.
        seq_len: the window length T; ``None`` for the authors' (16 for occupancy, 32
            otherwise; 28 and 8 for the image datasets, which accept no other value).

    Returns:
        A `Dataset`. ``x`` is ``(n, T, C)``; ``y`` is ``(n, T)`` int64 labels or ``(n, T, D)``
        regression targets, one per time step (see `Dataset.target_steps`).

    Raises:
        DataNotFoundError: (a ``FileNotFoundError``) naming the missing directory, folder or
            file with its full expected path and the dataset's expected layout.
        DataFormatError: (a ``ValueError``) naming the file, the line and what was expected.
        ValueError, TypeError: for an unknown name, protocol or invalid option.
    """
    check_choice("name", name, DATASETS)
    spec = DATASETS[name]
    folder = dataset_folder(_base.data_dir(data_dir), spec)  # the argument shadows the function
    return spec.loader(folder, protocol=protocol, seed=seed, dtype=dtype, seq_len=seq_len)


__all__ = ["DATASETS", "load"]

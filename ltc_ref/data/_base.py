"""The containers every loader returns, where the data live, and the loaders' errors.

Conventions, stated once for the whole `ltc_ref.data` package:

* ``x`` is batch first, ``(n, T, C)``: n windows (sequences) of T consecutive time steps of C
  features; ``x[i, t]`` is the row that follows ``x[i, t - 1]`` in the recording.
* ``y`` holds a target for **every** time step, as the authors' scripts train on every step:
  ``(n, T)`` integer class labels (int64) for classification, ``(n, T, D)`` floats for
  regression. Sequential MNIST (and its small stand-in, digits) has one label per image; it is
  repeated over the T steps and ``Dataset.target_steps == "last"`` says that the loss and the
  metric use the last step only.
* Every array of a `Dataset` is read-only, so a split cannot be changed by accident.
"""

from __future__ import annotations

import functools
import gzip
import os
import zipfile
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .windowing import ZScore

#: The environment variable naming the data directory (``<dir>/<dataset>/<file>``).
DATA_ENV = "LTC_REF_DATA"

#: The two split protocols (see ``docs/data.md``).
PROTOCOLS = ("paper", "blocked")


class DataNotFoundError(FileNotFoundError):
    """A data directory, dataset folder or file is missing; the message names the full
    expected path and the expected layout."""


class DataFormatError(ValueError):
    """A data file does not have the documented format; the message names the file, the line
    and what was expected."""


def data_dir(path=None) -> Path:
    """Resolve the data directory: the argument, else ``$LTC_REF_DATA``, else an error.

    Arguments:
        path: a directory (str or ``Path``) laid out as ``<path>/<dataset>/<file>``, or ``None``
            to read the environment variable ``LTC_REF_DATA``.

    Returns:
        The directory as an absolute ``Path`` (it is checked to exist).

    Raises:
        DataNotFoundError: when neither is given, or the directory does not exist; the message
            names the command-line option (``--data-dir``), the Python argument (``data_dir``),
            the environment variable and ``ltc-ref data download``.
    """
    if path is None:
        env = os.environ.get(DATA_ENV, "")
        if not env:
            raise DataNotFoundError(
                f"no data directory: pass --data-dir DIR (command line) or data_dir=... "
                f"(Python), or set the environment variable {DATA_ENV}, to a folder laid out "
                f"as <dir>/<dataset>/<file>; 'ltc-ref data download NAME --to DIR' downloads "
                f"a dataset into one"
            )
        root, source = Path(env), f"from ${DATA_ENV}"
    else:
        root, source = Path(path), "given as --data-dir / data_dir"
    root = root.expanduser().resolve()
    if not root.is_dir():
        raise DataNotFoundError(
            f"data directory {root} ({source}) does not exist; 'ltc-ref data download NAME "
            f"--to {root}' downloads a dataset into it"
        )
    return root


def download_hint(spec: DatasetSpec, root) -> str:
    """The line every missing-data error ends with: the command that downloads the dataset."""
    return (
        f"('ltc-ref data download {spec.name} --to {root}' downloads it; "
        f"'ltc-ref data download --list' lists the sources)"
    )


def dataset_folder(root: Path, spec: DatasetSpec) -> Path:
    """Return ``root / spec.folder``, raising `DataNotFoundError` with the layout if absent."""
    folder = Path(root) / spec.folder
    if not folder.is_dir():
        raise DataNotFoundError(
            f"{spec.name}: missing folder {folder}\nexpected layout:\n{spec.layout}\n"
            f"{download_hint(spec, root)}"
        )
    return folder


def require_file(folder: Path, filename: str, spec: DatasetSpec) -> Path:
    """Return ``folder / filename``, raising `DataNotFoundError` with the layout if absent."""
    path = Path(folder) / filename
    if not path.is_file():
        raise DataNotFoundError(
            f"{spec.name}: missing file {path}\nexpected layout:\n{spec.layout}\n"
            f"{download_hint(spec, Path(folder).parent)}"
        )
    return path


def format_error(path, line: int | None, expected: str, got: str) -> DataFormatError:
    """Build the `DataFormatError` for ``path`` (line numbers count from 1)."""
    where = f"{path}" if line is None else f"{path}, line {line}"
    return DataFormatError(f"{where}: expected {expected}, got {got}")


def _found(err: BaseException) -> str:
    """What a low-level reading error says was found in the file."""
    if isinstance(err, UnicodeDecodeError):
        return (
            f"bytes that are not UTF-8 text ({err.reason}: byte 0x{err.object[err.start]:02x} "
            f"at offset {err.start} of a block; a latin-1, UTF-16 or binary file?)"
        )
    if isinstance(err, EOFError):
        return f"a truncated file ({err})"
    if isinstance(err, (gzip.BadGzipFile, zlib.error)):
        return f"bytes that are not valid gzip ({err})"
    if isinstance(err, zipfile.BadZipFile):
        return f"bytes that are not a valid .npz (zip) archive ({err})"
    return f"an unreadable file ({type(err).__name__}: {err})"


@contextmanager
def reading(path, expected: str):
    """Turn the low-level errors of reading ``path`` (a text file that is not UTF-8, a truncated
    or non-gzip file, a corrupt zip archive, an ``.npy`` NumPy cannot parse, an object array
    that needs pickle) into a `DataFormatError` naming the file, what was expected and what was
    found. `DataFormatError` and `DataNotFoundError` pass unchanged."""
    try:
        yield
    except (DataFormatError, DataNotFoundError):
        raise
    except (UnicodeError, EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as err:
        raise format_error(path, None, expected, _found(err)) from err
    except (ValueError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise format_error(path, None, expected, _found(err)) from err


def reads_file(expected: str):
    """Decorator of a ``read_file(path, ...)`` function: its errors go through `reading`."""

    def wrap(fn):
        @functools.wraps(fn)
        def wrapper(path, *args, **kwargs):
            with reading(path, expected):
                return fn(path, *args, **kwargs)

        return wrapper

    return wrap


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the registry `ltc_ref.data.DATASETS`.

    Attributes:
        name: the name `ltc_ref.data.load` takes.
        folder: the folder under the data directory.
        layout: the expected files and their format, quoted in every missing-file error.
        loader: ``loader(folder, *, protocol, seed, dtype, seq_len) -> Dataset``.
        in_paper: whether the dataset is one of the paper's experiments.
        description: one line for summaries.
    """

    name: str
    folder: str
    layout: str
    loader: Callable = field(repr=False)
    in_paper: bool = True
    description: str = ""


@dataclass(frozen=True, repr=False, eq=False)
class Split:
    """One split (train, valid or test) of a dataset.

    Attributes:
        x: ``(n, T, C)`` inputs, batch first, float32 or float64.
        y: ``(n, T)`` int64 class labels, or ``(n, T, D)`` float regression targets (one
            target per time step; see the module docstring for sequential MNIST).
    """

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        if self.x.ndim != 3:
            raise ValueError(f"Split.x: expected shape (n, T, C), got {self.x.shape}")
        if self.y.ndim not in (2, 3) or self.y.shape[:2] != self.x.shape[:2]:
            raise ValueError(
                f"Split.y: expected shape (n, T) or (n, T, D) with (n, T) = {self.x.shape[:2]},"
                f" got {self.y.shape}"
            )

    @property
    def n(self) -> int:
        """The number of sequences (windows)."""
        return self.x.shape[0]

    def __len__(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"Split(x={self.x.shape} {self.x.dtype}, y={self.y.shape} {self.y.dtype})"


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """A dataset ready for training: three splits and what the paper's protocol says about them.

    Attributes:
        name: the registry name, e.g. ``"occupancy"``.
        protocol: ``"paper"`` (the authors' split, defects fixed) or ``"blocked"``
            (contiguous blocks of time first, then windows: no window crosses splits).
        train: the training split.
        valid: the validation split (model selection: the paper reports the test metric at the
            best-validation epoch).
        test: the test split.
        task: ``"classification"`` or ``"regression"``.
        metric: ``"accuracy"``, ``"f1"`` (F1 of class 1, ozone) or ``"mse"``.
        target_steps: ``"all"`` (loss and metric over every time step, the authors' scripts) or
            ``"last"`` (the last step only: sequential MNIST, digits).
        n_classes: the number of classes (``None`` for regression).
        class_names: the name of each class label (empty for regression).
        class_weights: ``(n_classes,)`` per-class loss weights of the authors' script (ozone:
            0.1 and 1.6) or ``None`` for an unweighted loss.
        feature_names: the C input features, in order.
        target_names: the D regression targets, in order (empty for classification).
        learning_rate: the LTC learning rate of the authors' script for this dataset.
        batch_size: the authors' batch size (16; person activity 64).
        seq_len: T.
        x_scaling: the `ZScore` applied to the inputs (fitted on the training split only), or
            ``None``.
        y_scaling: the `ZScore` applied to regression targets (training split only), or
            ``None``; ``y_scaling.inverse`` maps predictions back to the file's units.
        notes: the protocol's details, every fix of the authors' defects and every deviation
            from their script, one sentence each.
        files: the files read.
    """

    name: str
    protocol: str
    train: Split
    valid: Split
    test: Split
    task: str
    metric: str
    target_steps: str
    n_classes: int | None
    class_names: tuple[str, ...]
    class_weights: np.ndarray | None
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    learning_rate: float
    batch_size: int
    seq_len: int
    x_scaling: ZScore | None
    y_scaling: ZScore | None
    notes: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def splits(self) -> dict[str, Split]:
        """``{"train": ..., "valid": ..., "test": ...}``."""
        return {"train": self.train, "valid": self.valid, "test": self.test}

    @property
    def n_features(self) -> int:
        """C, the number of input features."""
        return self.train.x.shape[2]

    @property
    def n_outputs(self) -> int:
        """The width of the network's read-out: n_classes (logits) or D (targets)."""
        return self.n_classes if self.task == "classification" else self.train.y.shape[2]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={s.n}" for k, s in self.splits.items())
        return (
            f"Dataset({self.name!r}, protocol={self.protocol!r}, {self.task}, "
            f"T={self.seq_len}, C={self.n_features}, {sizes})"
        )

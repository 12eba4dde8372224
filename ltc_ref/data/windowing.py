r"""Windows, splits and normalisation: the pieces every loader is built from.

A recording is an array of rows, one per time step: ``series[r]`` is the row at step r. A window
of length T starting at row s is the T consecutive rows ``series[s : s + T]``; windows are
stacked **batch first**, so

$$
    x_{i,t} = \mathrm{series}_{s_i + t}, \qquad t = 0, \dots, T-1 .
$$

(The authors' traffic and ozone scripts stacked the windows along the other axis, so that what
their network saw as a "sequence" was one row of every window: strided samples of the whole
recording. `windows` is the fix, and ``tests/test_data.py`` checks the identity above.)

Two ways to split, the two protocols of `ltc_ref.data.load`:

* `random_split` — the authors' way: window first, then draw a random permutation of the windows
  (validation first, then test, the rest for training). Overlapping windows put the same rows in
  more than one split.
* `block_bounds` — contiguous blocks of time first (e.g. the first 75 % of the rows, the next
  10 %, the last 15 %), then window each block: no row is in two splits.

`split_recordings` applies either protocol to a list of `Recording` (windows never cross
recordings). Normalisation statistics are fitted on the training split only (`fit_zscore`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .._validation import check_choice, check_int

#: The authors' split fractions (train, valid, test) for gesture, traffic, ozone, power and
#: person activity: ``valid = int(0.10 n)``, ``test = int(0.15 n)`` windows, the rest train.
PAPER_FRACTIONS = (0.75, 0.10, 0.15)

#: The three splits, in the order of every ``{split: ...}`` dict.
SPLITS = ("train", "valid", "test")

#: A feature whose training standard deviation is below this is constant for the purpose of
#: scaling (a one-hot column that never fires, snow in a summer block): it is centred but not
#: divided, instead of being divided by ~0 into huge values or NaN.
MIN_STD = 1e-12


def window_starts(n_rows: int, seq_len: int, stride: int = 1) -> np.ndarray:
    """The first row of every complete window: ``0, stride, 2 stride, ... <= n_rows - seq_len``.

    Arguments:
        n_rows: the recording's number of rows (>= 0).
        seq_len: T >= 1, the window length.
        stride: >= 1, the step between the starts of consecutive windows.

    Returns:
        ``(n,)`` int array of starts; empty when ``n_rows < seq_len``. Every complete window is
        included (the authors' ``range(0, n_rows - seq_len, stride)`` drops the last one when
        ``stride`` divides ``n_rows - seq_len``).
    """
    n_rows = check_int("n_rows", n_rows, minimum=0)
    seq_len = check_int("seq_len", seq_len, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    if n_rows < seq_len:
        return np.zeros(0, dtype=np.intp)
    return np.arange(0, n_rows - seq_len + 1, stride, dtype=np.intp)


def windows(series, seq_len: int, stride: int = 1) -> np.ndarray:
    r"""Cut a recording into windows of T consecutive rows, stacked batch first.

    $x_{i,t} = \mathrm{series}_{s_i + t}$ with $s_i$ = `window_starts` ``(len(series), T,
    stride)``.

    Arguments:
        series: ``(n_rows, ...)`` array, one row per time step (e.g. ``(n_rows, C)`` features or
            ``(n_rows,)`` labels).
        seq_len: T >= 1.
        stride: >= 1, rows between window starts (``stride < T`` makes windows overlap).

    Returns:
        A new ``(n, T, ...)`` array (a copy, not a view), same dtype as ``series``.
    """
    series = np.asarray(series)
    if series.ndim < 1:
        raise ValueError(f"series: expected an array with a time axis, got shape {series.shape}")
    starts = window_starts(series.shape[0], seq_len, stride)
    rows = starts[:, None] + np.arange(seq_len, dtype=np.intp)[None, :]  # rows[i, t] = s_i + t
    return series[rows]


def block_bounds(n_rows: int, fractions=PAPER_FRACTIONS) -> list[tuple[int, int]]:
    """Contiguous blocks of rows with the given fractions, in order.

    Arguments:
        n_rows: the number of rows to divide.
        fractions: non-negative fractions summing to 1, e.g. ``(0.75, 0.10, 0.15)`` for
            train, valid, test.

    Returns:
        ``[(start, stop), ...]``, one half-open interval per fraction; boundaries at
        ``round(n_rows * cumulative fraction)``, so the blocks tile ``[0, n_rows)`` exactly.
    """
    n_rows = check_int("n_rows", n_rows, minimum=0)
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.ndim != 1 or (fractions < 0).any() or abs(fractions.sum() - 1.0) > 1e-9:
        raise ValueError(f"fractions: expected non-negative numbers summing to 1, got {fractions}")
    edges = np.rint(n_rows * np.concatenate([[0.0], np.cumsum(fractions)])).astype(int)
    edges[-1] = n_rows
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def random_split(n: int, fractions=PAPER_FRACTIONS, rng=None) -> dict[str, np.ndarray]:
    """The authors' random split of n windows: a permutation, validation first, then test.

    Arguments:
        n: the number of windows.
        fractions: ``(train, valid, test)``; ``int(valid n)`` and ``int(test n)`` windows go to
            validation and test (truncation, as the authors' ``int(0.1 * n)``), the rest to
            training.
        rng: a ``numpy.random.Generator`` (``default_rng(0)`` when omitted).

    Returns:
        ``{"train": idx, "valid": idx, "test": idx}``, disjoint index arrays covering
        ``range(n)``.
    """
    n = check_int("n", n, minimum=0)
    _, f_valid, f_test = fractions
    rng = np.random.default_rng(0) if rng is None else rng
    perm = rng.permutation(n)
    n_valid, n_test = int(f_valid * n), int(f_test * n)
    return {
        "train": perm[n_valid + n_test :],
        "valid": perm[:n_valid],
        "test": perm[n_valid : n_valid + n_test],
    }


@dataclass(frozen=True, eq=False)
class Recording:
    """One continuous recording, as parsed from a file.

    Attributes:
        name: where it came from (file name, person id), for messages.
        x: ``(n_rows, C)`` float64 features, one row per time step.
        y: ``(n_rows,)`` int64 labels or ``(n_rows, D)`` float64 targets.
    """

    name: str
    x: np.ndarray
    y: np.ndarray


def _stack(parts_x, parts_y, seq_len, n_features, y_tail):
    if parts_x:
        return np.concatenate(parts_x), np.concatenate(parts_y)
    return np.zeros((0, seq_len, n_features)), np.zeros((0, seq_len, *y_tail))


def split_recordings(
    recordings, *, protocol, seq_len, stride, seed, fractions=PAPER_FRACTIONS
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Split recordings into train/valid/test windows by one of the two protocols.

    * ``"paper"``: window every recording, concatenate the windows, split them with
      `random_split` (``numpy.random.default_rng(seed)``).
    * ``"blocked"``: cut every recording into contiguous blocks (`block_bounds`: train, valid,
      test in time order) and window each block; a block shorter than T gives no window.

    Arguments:
        recordings: a non-empty list of `Recording` with the same number of features.
        protocol: ``"paper"`` or ``"blocked"``.
        seq_len: T.
        stride: rows between window starts.
        seed: the random split's seed (``"paper"`` only).
        fractions: ``(train, valid, test)`` fractions.

    Returns:
        ``{split: (x (n, T, C), y (n, T) or (n, T, D))}``, unnormalised float64 / int64.
    """
    check_choice("protocol", protocol, ("paper", "blocked"))
    n_features = recordings[0].x.shape[1]
    y_tail = recordings[0].y.shape[1:]
    if protocol == "paper":
        xs = [windows(r.x, seq_len, stride) for r in recordings]
        ys = [windows(r.y, seq_len, stride) for r in recordings]
        x, y = _stack(xs, ys, seq_len, n_features, y_tail)
        index = random_split(x.shape[0], fractions, np.random.default_rng(seed))
        return {s: (x[index[s]], y[index[s]]) for s in SPLITS}
    parts = {s: ([], []) for s in SPLITS}
    for r in recordings:
        for s, (start, stop) in zip(SPLITS, block_bounds(r.x.shape[0], fractions), strict=True):
            parts[s][0].append(windows(r.x[start:stop], seq_len, stride))
            parts[s][1].append(windows(r.y[start:stop], seq_len, stride))
    return {s: _stack(*parts[s], seq_len, n_features, y_tail) for s in SPLITS}


@dataclass(frozen=True, eq=False)
class ZScore:
    r"""A per-feature affine normalisation $z = (v - \mu) / s$ with statistics fitted elsewhere.

    Attributes:
        mean: ``(C,)`` $\mu$.
        std: ``(C,)`` $s > 0$ (1 for features that are only centred or that are constant).
    """

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Normalise ``(..., C)`` values."""
        return (values - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        r"""Map normalised ``(..., C)`` values back: $v = z s + \mu$ (e.g. predictions to the
        file's units)."""
        return z * self.std + self.mean


def fit_zscore(data, *, per_feature: bool = True, scale: bool = True, columns=None) -> ZScore:
    r"""Fit a `ZScore` on training data: mean and standard deviation over every row.

    Arguments:
        data: ``(..., C)`` array of training values (e.g. ``(n, T, C)`` training windows: the
            statistics are over all n T time steps).
        per_feature: one $(\mu, s)$ per feature (True) or one scalar pair over every entry
            (False, the authors' ozone script).
        scale: divide by the standard deviation (True) or only centre (False, the authors'
            traffic temperature).
        columns: the feature indices to normalise; the others get $\mu = 0$, $s = 1$. ``None``
            for all.

    Returns:
        The fitted `ZScore` with ``(C,)`` float64 ``mean`` and ``std``. Features whose standard
        deviation is below `MIN_STD` keep $s = 1$.
    """
    data = np.asarray(data, dtype=np.float64)
    n_features = data.shape[-1]
    rows = data.reshape(-1, n_features)
    if rows.shape[0] == 0:
        raise ValueError("fit_zscore: no training rows to fit the normalisation on")
    if per_feature:
        mean, std = rows.mean(axis=0), rows.std(axis=0)
    else:
        mean = np.full(n_features, rows.mean())
        std = np.full(n_features, rows.std())
    std = np.where(std < MIN_STD, 1.0, std) if scale else np.ones(n_features)
    if columns is not None:
        keep = np.zeros(n_features, dtype=bool)
        keep[list(columns)] = True
        mean, std = np.where(keep, mean, 0.0), np.where(keep, std, 1.0)
    mean.setflags(write=False)
    std.setflags(write=False)
    return ZScore(mean=mean, std=std)

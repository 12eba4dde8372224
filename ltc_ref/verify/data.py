"""``ltc-ref verify``: the data pipeline (synthetic, in memory, ~0.1 s).

They check the three properties behind the fixes of the authors' defects: a window is T
consecutive rows (the transposed-axis defect), the blocked protocol shares no row between splits
(the leakage of random splits of overlapping windows), and the normalisation is fitted on the
training split only (normalising before splitting).
"""

from __future__ import annotations

import numpy as np

from ..data import make_dataset
from ..data.windowing import Recording, fit_zscore, split_recordings, window_starts, windows
from .report import CheckResult

#: A z-scored training split has mean 0 and std 1 up to float64 rounding of ~10^4 values.
STANDARDISED_ATOL = 1e-12


def check_windows() -> list:
    """Windows of random series are T consecutive rows, batch first, and all complete windows."""
    rng = np.random.default_rng(0)
    bad, total = 0, 0
    for _ in range(200):
        n, T, stride = int(rng.integers(0, 80)), int(rng.integers(1, 12)), int(rng.integers(1, 6))
        series = np.arange(n)
        x = windows(series, T, stride)
        starts = window_starts(n, T, stride)
        expected = starts[:, None] + np.arange(T)[None, :]
        bad += int(x.shape != expected.shape or not np.array_equal(x, expected))
        bad += int(len(starts) != (len(range(0, n - T + 1, stride)) if n >= T else 0))
        total += 1
    return [
        CheckResult(
            "a window is T consecutive rows, batch first",
            bad == 0,
            f"{bad}/{total}",
            "0 mismatches",
            "x[i, t] = series[s_i + t]; the authors' traffic/ozone stacked the other axis",
        )
    ]


def _recordings():
    lengths = (300, 220, 410)
    offsets = np.cumsum((0, *lengths[:-1]))
    return [
        Recording(f"r{k}", (o + np.arange(n, dtype=float))[:, None], np.zeros(n, dtype=np.int64))
        for k, (o, n) in enumerate(zip(offsets, lengths, strict=True))
    ]


def check_blocked_split() -> list:
    """The blocked protocol puts no row in two splits; the paper protocol does (reported)."""
    shared = {}
    for protocol in ("paper", "blocked"):
        raw = split_recordings(_recordings(), protocol=protocol, seq_len=32, stride=4, seed=0)
        train = np.unique(raw["train"][0])
        held_out = np.concatenate([raw["valid"][0].ravel(), raw["test"][0].ravel()])
        shared[protocol] = float(np.isin(held_out, train).mean())
    return [
        CheckResult(
            "blocked protocol: no row in two splits",
            shared["blocked"] == 0.0,
            f"{100 * shared['blocked']:.1f} %",
            "0 % of held-out steps in training",
            f"paper protocol (T = 32, stride 4): {100 * shared['paper']:.1f} % shared",
        )
    ]


def check_training_statistics() -> list:
    """Normalisation fitted on the training split only: the training split comes out exactly
    standardised, whatever the other splits hold."""
    rng = np.random.default_rng(1)
    recordings = [
        Recording(r.name, r.x * 0.01 + rng.standard_normal(r.x.shape), r.y) for r in _recordings()
    ]
    worst = 0.0
    for protocol in ("paper", "blocked"):
        raw = split_recordings(recordings, protocol=protocol, seq_len=16, stride=4, seed=0)
        ds = make_dataset(
            raw,
            dtype=np.float64,
            fit_x=fit_zscore,
            name="synthetic",
            protocol=protocol,
            task="classification",
            metric="accuracy",
            target_steps="all",
            n_classes=1,
            class_names=("0",),
            feature_names=("v",),
            target_names=(),
            learning_rate=0.01,
            batch_size=16,
            seq_len=16,
            notes=(),
            files=(),
        )
        train = ds.train.x.ravel()
        worst = max(worst, abs(train.mean()), abs(train.std() - 1.0))
    return [
        CheckResult(
            "normalisation from the training split only",
            bool(worst <= STANDARDISED_ATOL),
            f"{worst:.1e}",
            f"<= {STANDARDISED_ATOL:g} (|mean|, |std - 1| of the training split)",
            "both protocols; fitting on all data would leave the training mean off 0",
        )
    ]


def check_data_pipeline() -> list[CheckResult]:
    """The three checks of the data pipeline, one section."""
    return [*check_windows(), *check_blocked_split(), *check_training_statistics()]

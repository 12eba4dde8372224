r"""UCI Metro Interstate Traffic Volume: hourly westbound I-94 traffic volume from the weather and
the calendar. Regression, one target.

Protocol of the authors' ``traffic.py``: 7 inputs — holiday flag, temperature (centred by its
mean, not scaled), rain_1h, snow_1h, clouds_all, weekday (0 = Monday … 6), $\sin(\pi h / 24)$
of the hour h — and the target traffic_volume z-scored; windows of T = 32 rows with stride 4;
a random 75/10/15 % split of the windows; squared error over every step; Adam learning rate 0.01
for the LTC.

Fixed here:

* the holiday flag: the authors' ``(df["holiday"].values == None)`` compares strings with
  ``None`` and is 0 for every row. Here it is 1 on every hour of a day that the file names as a
  holiday (the file writes the holiday's name on that day's midnight row only, "None"
  elsewhere);
* the window axis: an early version of the script stacked the windows along the wrong axis,
  so each "sequence" was a strided sample of the whole six years;
* normalisation before splitting: the temperature mean and the target's mean and standard
  deviation come from the training windows only.

Rows are kept as in the file: hours with several weather descriptions appear as several rows
with the same timestamp, and missing hours are not filled, as in the authors' script.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np

from ._assemble import check_options, common_notes, make_dataset
from ._base import DatasetSpec, format_error, reads_file, require_file
from ._parse import check_header, check_width, csv_rows, to_float
from .windowing import Recording, fit_zscore, split_recordings

FILE = "Metro_Interstate_Traffic_Volume.csv"
HEADER = (
    "holiday",
    "temp",
    "rain_1h",
    "snow_1h",
    "clouds_all",
    "weather_main",
    "weather_description",
    "date_time",
    "traffic_volume",
)
FEATURES = ("holiday", "temp", "rain_1h", "snow_1h", "clouds_all", "weekday", "sin_hour")
TARGETS = ("traffic_volume",)
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
#: The value of the holiday column on ordinary rows.
NO_HOLIDAY = "None"
DEFAULT_SEQ_LEN = 32
STRIDE = 4
LEARNING_RATE = 0.01
BATCH_SIZE = 16

LAYOUT = """\
traffic/
  Metro_Interstate_Traffic_Volume.csv   UCI Metro Interstate Traffic Volume: a header
      holiday,temp,rain_1h,snow_1h,clouds_all,weather_main,weather_description,date_time,
      traffic_volume then one row per hour: holiday name or None, 4 numbers, 2 texts,
      a timestamp YYYY-MM-DD HH:MM:SS and the volume"""


def _timestamp(path, line, token: str) -> datetime:
    """Parse ``YYYY-MM-DD HH:MM:SS`` (checked by a pattern: ``fromisoformat`` alone would also
    accept other ISO forms; it is ~20x faster than ``strptime``)."""
    token = token.strip()
    try:
        if not _TIMESTAMP.fullmatch(token):
            raise ValueError
        return datetime.fromisoformat(token)
    except ValueError:
        raise format_error(path, line, "date_time as YYYY-MM-DD HH:MM:SS", repr(token)) from None


@reads_file("a UTF-8 CSV file (see the layout)")
def read_file(path) -> Recording:
    """Parse the traffic CSV into the authors' 7 inputs (holiday flag fixed) and the volume.

    Arguments:
        path: ``Metro_Interstate_Traffic_Volume.csv``.

    Returns:
        A `Recording` with ``x`` ``(n_rows, 7)`` float64 (`FEATURES`, temperature in kelvin,
        not yet centred) and ``y`` ``(n_rows, 1)`` float64 traffic volume (vehicles per hour).
    """
    rows, holiday_dates, dates = [], set(), []
    for line, f in csv_rows(path):
        if line == 1:
            check_header(path, f, HEADER)
            continue
        check_width(path, line, f, 9, ", ".join(HEADER))
        stamp = _timestamp(path, line, f[7])
        if f[0].strip() != NO_HOLIDAY:
            holiday_dates.add(stamp.date())
        dates.append(stamp.date())
        rows.append(
            [
                0.0,  # holiday, set below once every holiday date is known
                *(to_float(path, line, f[j], HEADER[j]) for j in range(1, 5)),
                float(stamp.weekday()),
                np.sin(np.pi * stamp.hour / 24.0),
                to_float(path, line, f[8], "traffic_volume"),
            ]
        )
    if not rows:
        raise format_error(path, None, "data rows after the header", "none")
    data = np.array(rows, dtype=np.float64)
    data[:, 0] = [d in holiday_dates for d in dates]
    return Recording(path.name, data[:, :7], data[:, 7:])


def load(folder, *, protocol="paper", seed=0, dtype=np.float64, seq_len=None):
    """Load Metro Interstate Traffic Volume (protocol in the module docstring).

    Arguments:
        folder: the dataset's folder, ``<data dir>/traffic``.
        protocol: ``"paper"`` or ``"blocked"`` (see `ltc_ref.data.load`).
        seed: seed of the random split of the windows.
        dtype: float64 or float32, the dtype of ``x`` (and of regression targets).
        seq_len: T, default 32; stride 4.

    Returns:
        A `Dataset`: ``x`` ``(n, T, 7)``, ``y`` ``(n, T, 1)`` z-scored traffic volume.
    """
    protocol, seed, dtype, seq_len = check_options(protocol, seed, dtype, seq_len, DEFAULT_SEQ_LEN)
    folder = Path(folder)
    recording = read_file(require_file(folder, FILE, SPEC))
    raw = split_recordings(
        [recording], protocol=protocol, seq_len=seq_len, stride=STRIDE, seed=seed
    )
    n_holiday = int(recording.x[:, 0].sum())
    notes = [
        *common_notes(normalised=True),
        f"holiday flag fixed: 1 on all {n_holiday} rows of the named holidays' dates (the "
        "authors' `== None` test made it 0 everywhere; the file names a holiday on its "
        "midnight row only)",
        f"T = {seq_len}, stride {STRIDE}",
        "inputs as the authors: temperature centred by the training mean (not scaled), rain, "
        "snow, clouds, weekday and sin(pi hour / 24) unscaled; target z-scored with the "
        "training statistics (y_scaling.inverse gives vehicles per hour)",
        "rows kept as in the file (duplicate timestamps for several weather descriptions, "
        "missing hours not filled), as the authors",
        f"paper protocol: a random 75/10/15 % split of windows overlapping by "
        f"{max(seq_len - STRIDE, 0)} of {seq_len} rows - rows are shared between splits (leakage)"
        if protocol == "paper"
        else "blocked protocol: the series cut into contiguous 75/10/15 % blocks of time "
        "(train, valid, test), then windowed: no row is in two splits",
    ]
    return make_dataset(
        raw,
        source=Path(folder) / FILE,
        dtype=dtype,
        fit_x=lambda x: fit_zscore(x, scale=False, columns=[1]),
        fit_y=fit_zscore,
        name="traffic",
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
        files=(str(folder / FILE),),
    )


SPEC = DatasetSpec(
    name="traffic",
    folder="traffic",
    layout=LAYOUT,
    loader=load,
    description="UCI Metro Interstate Traffic Volume, 7 inputs, 1 target, MSE",
)

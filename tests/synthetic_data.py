"""Tiny data files in each dataset's documented format, for tests that must not need real data.

Each ``write_<name>(root, rng, ...)`` writes ``root/<folder>/<files>`` exactly as the real data
are laid out (UCI formats for ozone, power and person, which are not in the shared data) and
returns what a test needs to check the loader against (the values written, row by row).
`write_all` writes every dataset under one root. Sizes are chosen so that every split gets
windows with the small ``SEQ_LEN`` used by the tests.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ltc_ref.data import gesture, occupancy, ozone, person, power, traffic

#: The window length the tests load the windowed datasets with.
SEQ_LEN = 8


def _folder(root, name) -> Path:
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_occupancy(root, rng, n_rows=(120, 40, 48)):
    """datatraining.txt, datatest.txt, datatest2.txt in R write.csv layout (the real files quote
    the date in two files and not in the third; both are written). Returns {file: (x, y)}."""
    folder, out = _folder(root, "occupancy"), {}
    start = datetime(2015, 2, 4, 17, 51)
    header = ",".join(f'"{h}"' for h in occupancy.HEADER)
    for k, (name, n) in enumerate(zip(occupancy.FILES, n_rows, strict=True)):
        x = rng.uniform([19, 16, 0, 400, 0.002], [24, 40, 1500, 2000, 0.006], (n, 5))
        y = rng.integers(0, 2, n)
        lines = [header]
        for r in range(n):
            stamp = (start + timedelta(minutes=r)).strftime("%Y-%m-%d %H:%M:%S")
            date = stamp if k == 2 else f'"{stamp}"'
            values = ",".join(repr(float(v)) for v in x[r])
            lines.append(f'"{r + 1}",{date},{values},{y[r]}')
        (folder / name).write_text("\n".join(lines) + "\n")
        out[name] = (x, y)
    return out


def write_gesture(root, rng, n_rows=100):
    """The seven ``*_va3.csv`` files (header 1..32,Phase). Returns {file: (x, y)}."""
    folder, out = _folder(root, "gesture"), {}
    letters = list(gesture.PHASES)
    for name in gesture.FILES:
        x = np.round(rng.standard_normal((n_rows, 32)) * 0.01, 8)
        y = rng.integers(0, 5, n_rows)
        lines = [",".join(gesture.HEADER)]
        lines += [
            ",".join(repr(float(v)) for v in x[r]) + f",{letters[y[r]]}" for r in range(n_rows)
        ]
        (folder / name).write_text("\n".join(lines) + "\n")
        out[name] = (x, y)
    return out


def write_traffic(root, rng, n_rows=200, holiday_row=15):
    """Metro_Interstate_Traffic_Volume.csv, hourly from 2012-10-02 09:00. Row ``holiday_row`` is
    the midnight of a holiday (its name in the first column, "None" elsewhere). ``temp`` is
    ``250 + row`` so a test can recover each window's rows. Returns (temp, volume, stamps)."""
    folder = _folder(root, "traffic")
    start = datetime(2012, 10, 2, 9)
    stamps = [start + timedelta(hours=r) for r in range(n_rows)]
    assert stamps[holiday_row].hour == 0, "the holiday must be on a midnight row"
    temp = 250.0 + np.arange(n_rows)
    volume = rng.integers(100, 7000, n_rows)
    lines = [",".join(traffic.HEADER)]
    for r in range(n_rows):
        holiday = "Columbus Day" if r == holiday_row else "None"
        lines.append(
            f"{holiday},{temp[r]},{rng.uniform(0, 2):.2f},0.0,{rng.integers(0, 100)},"
            f"Clouds,scattered clouds,{stamps[r]:%Y-%m-%d %H:%M:%S},{volume[r]}"
        )
    (folder / traffic.FILE).write_text("\n".join(lines) + "\n")
    return temp, volume, stamps


def write_ozone(root, rng, n_days=160, p_missing=0.05):
    """eighthr.data: date, 72 numbers with ? for missing, label (written as 0.0 / 1.0 like the
    UCI file). Returns (x with missing as NaN, y)."""
    folder = _folder(root, "ozone")
    x = np.round(rng.uniform(-5, 50, (n_days, len(ozone.FEATURES))), 2)
    x[rng.uniform(size=x.shape) < p_missing] = np.nan
    y = (rng.uniform(size=n_days) < 0.2).astype(int)
    y[:2] = (0, 1)
    start = datetime(1998, 1, 1)
    lines = []
    for r in range(n_days):
        d = start + timedelta(days=r)
        values = ",".join("?" if np.isnan(v) else repr(float(v)) for v in x[r])
        lines.append(f"{d.month}/{d.day}/{d.year},{values},{y[r]:.1f}")
    (folder / ozone.FILE).write_text("\n".join(lines) + "\n")
    return x, y


def write_power(root, rng, n_rows=400, missing_rows=(0, 50, 51, 200)):
    """household_power_consumption.txt with whole missing rows written the UCI way
    (``d/m/yyyy;hh:mm:ss;?;?;?;?;?;?;``). Returns the values (n_rows, 7) with NaN where missing."""
    folder = _folder(root, "power")
    values = np.column_stack(
        [
            rng.uniform(0.1, 5, n_rows),  # Global_active_power
            rng.uniform(0, 0.5, n_rows),
            rng.uniform(230, 250, n_rows),
            rng.uniform(0.5, 20, n_rows),
            rng.integers(0, 40, (n_rows, 3)),
        ]
    ).round(3)
    start = datetime(2006, 12, 16, 17, 24)
    lines = [";".join(power.HEADER)]
    for r in range(n_rows):
        t = start + timedelta(minutes=r)
        stamp = f"{t.day}/{t.month}/{t.year};{t:%H:%M:%S}"
        if r in missing_rows:
            values[r] = np.nan
            lines.append(f"{stamp};?;?;?;?;?;?;")
        else:
            lines.append(f"{stamp};" + ";".join(repr(float(v)) for v in values[r]))
    (folder / power.FILE).write_text("\n".join(lines) + "\n")
    return values


def write_person(root, rng, recordings=(("A01", 120), ("A02", 100), ("B01", 110))):
    """ConfLongDemo_JSI.txt: each line one tag reading. Returns [(name, tags, xyz, activities)]."""
    folder = _folder(root, "person")
    tags, activities = list(person.TAGS), list(person.CLASS_MAP)
    lines, out = [], []
    stamp = 633790226051280329
    for name, n in recordings:
        tag = rng.integers(0, 4, n)
        act = rng.integers(0, len(activities), n)
        xyz = rng.uniform(-1, 5, (n, 3)).round(6)
        for r in range(n):
            stamp += 1000
            lines.append(
                f"{name},{tags[tag[r]]},{stamp},27.05.2009 14:03:25:127,"
                f"{xyz[r, 0]},{xyz[r, 1]},{xyz[r, 2]},{activities[act[r]]}"
            )
        out.append((name, tag, xyz, [activities[a] for a in act]))
    (folder / person.FILE).write_text("\n".join(lines) + "\n")
    return out


def write_cheetah(root, rng, n_files=25, n_steps=60):
    """trace_0000.npy ...: (n_steps, 17) float64; column 0 holds the file index and column 1 the
    step so tests can tell where a window came from. Returns the list of arrays."""
    folder = _folder(root, "cheetah")
    traces = []
    for k in range(n_files):
        trace = rng.standard_normal((n_steps, 17))
        trace[:, 0] = k
        trace[:, 1] = np.arange(n_steps)
        np.save(folder / f"trace_{k:04d}.npy", trace)
        traces.append(trace)
    return traces


def write_mnist(root, rng, n_train=50, n_test=20):
    """mnist.npz in the keras layout. Returns (x_train, y_train, x_test, y_test)."""
    folder = _folder(root, "mnist")
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    np.savez_compressed(folder / "mnist.npz", **arrays)
    return arrays


def write_digits(root, rng, n_images=60):
    """digits.csv.gz: 64 pixels 0-16 then the label. Returns (pixels (n, 64), labels)."""
    folder = _folder(root, "digits_sklearn")
    pixels = rng.integers(0, 17, (n_images, 64))
    labels = rng.integers(0, 10, n_images)
    text = "\n".join(",".join(map(str, [*p, lab])) for p, lab in zip(pixels, labels, strict=True))
    with gzip.open(folder / "digits.csv.gz", "wt") as f:
        f.write(text + "\n")
    return pixels, labels


WRITERS = {
    "occupancy": write_occupancy,
    "gesture": write_gesture,
    "traffic": write_traffic,
    "ozone": write_ozone,
    "power": write_power,
    "person": write_person,
    "cheetah": write_cheetah,
    "smnist": write_mnist,
    "digits": write_digits,
}


def write_all(root, seed=0) -> dict:
    """Write every dataset under ``root``; return ``{name: what its writer returned}``."""
    rng = np.random.default_rng(seed)
    return {name: write(root, rng) for name, write in WRITERS.items()}

"""``python -m ltc_ref.data [NAME ...]``: load datasets and print a summary table.

One line per dataset, protocol and split: the number of sequences n, T, C, the shape of ``y``,
the load time, and the class balance (classification: % per class over the target steps) or the
mean and standard deviation of the targets (regression; normalised where the protocol says so).
With no NAME every dataset is tried and the absent ones are listed; with explicit names an absent
dataset is an error (exit code 1).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from . import DATASETS, PROTOCOLS, DataNotFoundError, data_dir, load


def _balance(ds, split) -> str:
    if ds.task == "classification":
        y = split.y[:, -1] if ds.target_steps == "last" else split.y
        if y.size == 0:
            return "-"
        counts = np.bincount(y.ravel(), minlength=ds.n_classes) / y.size
        return " ".join(f"{k}:{100 * c:.1f}" for k, c in enumerate(counts)) + " %"
    if split.y.size == 0:
        return "-"
    return f"y mean {split.y.mean():+.3f}, std {split.y.std():.3f}"


def summary_lines(ds, seconds: float) -> list[str]:
    """The table lines of one loaded dataset."""
    lines = []
    for name, split in ds.splits.items():
        lines.append(
            f"{ds.name:<10} {ds.protocol:<8} {name:<6} {split.n:>6} {ds.seq_len:>3} "
            f"{ds.n_features:>3}  {split.y.shape!s:<16} {seconds:5.2f} s  {_balance(ds, split)}"
        )
    return lines


def main(argv=None) -> int:
    """Print the summary table; return 0, or 1 if a named dataset is absent or malformed."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(
        prog="python -m ltc_ref.data",
        description="Load the paper's datasets and print shapes, split sizes and class balance.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"datasets (default: all): {', '.join(DATASETS)}"
    )
    parser.add_argument("--data-dir", default=None, help="data directory (default $LTC_REF_DATA)")
    parser.add_argument("--protocol", choices=[*PROTOCOLS, "both"], default="both")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--float32", action="store_true", help="load x as float32")
    parser.add_argument("--notes", action="store_true", help="print each dataset's notes")
    ns = parser.parse_args(argv)
    unknown = [n for n in ns.names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; choose from {list(DATASETS)}")
    try:
        root = data_dir(ns.data_dir)
    except DataNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    protocols = PROTOCOLS if ns.protocol == "both" else (ns.protocol,)
    dtype = np.float32 if ns.float32 else np.float64
    print(f"data directory: {root}")
    print(
        f"{'dataset':<10} {'protocol':<8} {'split':<6} {'n':>6} {'T':>3} {'C':>3}  "
        f"{'y shape':<16} {'load':>7}  class % (classification) or target mean, std"
    )
    status, absent = 0, []
    for name in ns.names or list(DATASETS):
        for protocol in protocols:
            start = time.perf_counter()
            try:
                ds = load(name, root, protocol=protocol, seed=ns.seed, dtype=dtype)
            except DataNotFoundError as err:
                absent.append(str(err).splitlines()[0])
                status = 1 if ns.names else status
                break
            except ValueError as err:
                print(f"{name}: error: {err}", file=sys.stderr)
                status = 1
                break
            for line in summary_lines(ds, time.perf_counter() - start):
                print(line)
            if ns.notes:
                print("\n".join(f"    - {note}" for note in ds.notes))
    for line in absent:
        print(f"absent: {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())

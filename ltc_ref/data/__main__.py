"""``ltc-ref data [NAME ...]``: load datasets and print a summary table; ``ltc-ref data download
NAME ...``: download them from their public sources (`ltc_ref.data.download`).

The summary has one line per dataset, protocol and split: the number of sequences n, T, C, the
shape of ``y``, the load time, and the class balance (classification: % per class over the
target steps) or the mean and standard deviation of the targets (regression; normalised where
the protocol says so). With no NAME every dataset is tried and the absent ones are listed; with
explicit names an absent dataset is an error.

Exit codes (the rule of every ``ltc-ref`` command, `ltc_ref._command`): 0 done; 1 a download
failed or did not match its SHA-256; 2 a usage error (an unknown name, a missing data directory
or dataset, a malformed file, no destination). ``python -m ltc_ref.data`` is the same command.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from .._command import EXIT_FAILED, EXIT_OK, error
from . import DATA_ENV, DATASETS, PROTOCOLS, DataNotFoundError, data_dir, load
from ._download import DownloadError, destination, download
from .sources import SOURCES


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ltc-ref data",
        description="Load the paper's datasets and print shapes, split sizes and class "
        "balance. 'ltc-ref data download NAME --to DIR' downloads a dataset (see "
        "'ltc-ref data download --help').",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"datasets (default: all): {', '.join(DATASETS)}"
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", default=None, help="data directory (default $LTC_REF_DATA)"
    )
    parser.add_argument(
        "--protocol",
        choices=[*PROTOCOLS, "both"],
        default="both",
        help="the split protocol: paper (the authors' random split), blocked (contiguous "
        "blocks of time) or both (default)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random split (default 0)")
    parser.add_argument("--float32", action="store_true", help="load x as float32")
    parser.add_argument("--notes", action="store_true", help="print each dataset's notes")
    return parser


def main(argv=None) -> int:
    """``ltc-ref data``: print the summary table, or ``ltc-ref data download ...``; returns the
    exit code (0 done, 1 a download failed, 2 a usage error; module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["download"]:
        return download_main(argv[1:])
    parser = _parser()
    ns = parser.parse_args(argv)
    if "download" in ns.names:
        parser.error("'download' comes first: ltc-ref data download NAME [--to DIR]")
    unknown = [n for n in ns.names if n not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; choose from {list(DATASETS)}")
    try:
        root = data_dir(ns.data_dir)
    except DataNotFoundError as err:
        return error("data", err)
    protocols = PROTOCOLS if ns.protocol == "both" else (ns.protocol,)
    dtype = np.float32 if ns.float32 else np.float64
    print(f"data directory: {root}")
    print(
        f"{'dataset':<10} {'protocol':<8} {'split':<6} {'n':>6} {'T':>3} {'C':>3}  "
        f"{'y shape':<16} {'load':>7}  class % (classification) or target mean, std"
    )
    status, absent = EXIT_OK, []
    for name in ns.names or list(DATASETS):
        for protocol in protocols:
            start = time.perf_counter()
            try:
                ds = load(name, root, protocol=protocol, seed=ns.seed, dtype=dtype)
            except DataNotFoundError as err:
                if ns.names:
                    status = error("data", err)
                else:
                    absent.append(str(err).splitlines()[0])
                break
            except ValueError as err:
                status = error("data", err)
                break
            for line in summary_lines(ds, time.perf_counter() - start):
                print(line)
            if ns.notes:
                print("\n".join(f"    - {note}" for note in ds.notes))
    for line in absent:
        print(f"absent: {line}")
    if absent:
        print("('ltc-ref data download NAME --to DIR' downloads one; 'ltc-ref data download "
              "--list' lists the sources)")  # fmt: skip
    return status


# ---------------------------------------------------------------- ltc-ref data download


def _hashes(source) -> str:
    return "sha256 known" if source.verified else "no sha256 known"


def listing(sources=None) -> str:
    """The table of ``ltc-ref data download --list``: every dataset's folder, files, download
    size, whether its hashes are known, and where it comes from."""
    sources = SOURCES if sources is None else sources
    lines = [f"{'dataset':<10} {'folder':<16} {'files':>5} {'download':>9}  {'hashes':<16} source"]
    for s in sources.values():
        size = "unknown" if s.size is None else f"{s.size / 1e6:.1f} MB"
        lines.append(
            f"{s.name:<10} {s.folder + '/':<16} {len(s.files):>5} {size:>9}  "
            f"{_hashes(s):<16} {s.origin}"
        )
    return "\n".join(lines)


def _download_parser(sources) -> argparse.ArgumentParser:
    names = ", ".join(sources)
    parser = argparse.ArgumentParser(
        prog="ltc-ref data download",
        description=textwrap.fill(
            "Download datasets from their public sources into DIR/<folder>/, the layout the "
            "loaders read (ltc-ref data --data-dir DIR, ltc-ref train --data-dir DIR, or "
            "LTC_REF_DATA=DIR). Every file is checked against its sha256 before it is moved "
            "into place; files already there and verified are not downloaded again.",
            width=79,
        ),
        epilog="datasets:\n"
        + "\n".join(
            f"  {s.name:<10} {len(s.files):>2} file(s), "
            + ("size unknown" if s.size is None else f"{s.size / 1e6:.1f} MB")
            + f", {_hashes(s)}"
            for s in sources.values()
        )
        + "\n\nThe hashes and where they were checked: docs/data.md ('Downloading the data').",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"datasets to download: {names}, or all (every dataset whose hashes are known)",
    )
    parser.add_argument(
        "--to",
        metavar="DIR",
        default=None,
        help="the data directory to download into, created if absent (default: $LTC_REF_DATA)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the datasets, their files, sizes and sources; download nothing",
    )
    parser.add_argument(
        "--force", action="store_true", help="download again files already present and verified"
    )
    parser.add_argument(
        "--allow-unverified",
        action="store_true",
        help="also download datasets whose files have no known sha256 (power, person) and "
        "print the hashes computed",
    )
    parser.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help="download from a copy laid out as URL/<host>/<path> (as wget --mirror writes it), "
        "http(s):// or file://",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=60.0,
        help="seconds to wait for a connection or for data (default 60)",
    )
    return parser


def download_main(argv=None, *, sources=None) -> int:
    """``ltc-ref data download NAME ... [--to DIR]`` (``sources``: the registry, for tests);
    returns the exit code: 0 done, 1 a download failed, 2 a usage error."""
    sources = SOURCES if sources is None else sources
    parser = _download_parser(sources)
    ns = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if ns.list:
        print(listing(sources))
        return EXIT_OK
    if not ns.names:
        parser.error("give the datasets to download (NAME ... or all), or --list")
    unknown = [n for n in ns.names if n not in sources and n != "all"]
    if unknown:
        parser.error(f"unknown dataset(s) {unknown}; choose from {[*sources, 'all']}")
    if not (ns.timeout > 0):
        parser.error(f"--timeout: expected a number of seconds > 0, got {ns.timeout}")
    if "all" in ns.names:
        names = [n for n, s in sources.items() if s.verified or ns.allow_unverified]
        skipped = [n for n in sources if n not in names]
    else:
        names, skipped = list(dict.fromkeys(ns.names)), []
    try:
        root = destination(ns.to)
    except ValueError as err:
        return error("data download", err)

    def log(line):
        print(line, flush=True)

    status, n_files = EXIT_OK, 0
    for name in names:
        try:
            n_files += len(
                download(
                    name,
                    root,
                    force=ns.force,
                    mirror=ns.mirror,
                    allow_unverified=ns.allow_unverified,
                    timeout=ns.timeout,
                    sources=sources,
                    log=log,
                )
            )
        except DownloadError as err:
            status = error("data download", err, EXIT_FAILED)
        except ValueError as err:  # no hashes without the flag; an unwritable DIR
            return error("data download", err)
    for name in skipped:
        print(f"skipped {name}: no sha256 known (--allow-unverified downloads it)")
    if status == EXIT_OK:
        print(f"done: {n_files} file(s) under {root}")
        if os.environ.get(DATA_ENV, "") == "" or Path(os.environ[DATA_ENV]).resolve() != root:
            print(f"read them with --data-dir {root}, data_dir='{root}' or {DATA_ENV}={root}")
    return status


if __name__ == "__main__":
    sys.exit(main())

"""``ltc-ref train DATASET``: train the paper's 32-unit LTC on one dataset, for one or more seeds.

Each seed trains in ``OUT/seed-S/`` (checkpoints every epoch; an interrupted run resumes from
its newest checkpoint when the same command is run again), prints a progress bar and one line
per epoch, and the test metric at the best-validation epoch. With several seeds the command ends
with the mean ± standard deviation over seeds (population std, ``ddof = 0``; one seed: its
value alone), and writes
``OUT/summary.json`` (every seed's numbers, wall time per epoch, the command line).

Exit codes (the rule of every ``ltc-ref`` command, `ltc_ref._command`): 0 done, 1 a check
failed (here: the loss became non-finite; the last good checkpoint is kept), 2 a usage error
(bad arguments, an unwritable ``--out``, a missing optional package for ``--plot``, missing,
corrupt or foreign data or checkpoints) — reported in one line, before training starts wherever
it can be known then, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import shlex
import sys
from pathlib import Path

import numpy as np

from .. import _validation as v
from .._command import EXIT_FAILED, EXIT_OK, error
from .._extras import install_hint
from .checkpoint import CheckpointError
from .loop import NonFiniteLossError, TrainConfig, fit
from .model import BACKENDS, POSITIVITY, available_backends, default_backend


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ltc-ref train",
        description="Train the paper's LTC (32 units, fused solver, L = 6) with a dense "
        "read-out on one of the paper's datasets and report the test metric at the "
        "best-validation epoch.",
    )
    p.add_argument(
        "dataset",
        help="occupancy, gesture, traffic, cheetah, smnist, ozone, power, person or digits",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds (default: 0)")
    p.add_argument("--epochs", type=int, default=10, help="epochs per seed (paper: 200)")
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default: the authors' for the dataset)",
    )
    p.add_argument("--batch-size", type=int, default=None, help="default: the authors' (16)")
    p.add_argument(
        "--protocol",
        choices=("paper", "blocked"),
        default="paper",
        help="the split: paper (the authors' random split of the windows, default) or blocked "
        "(contiguous blocks of time, no row in two splits; docs/data.md)",
    )
    p.add_argument("--data-seed", type=int, default=0, help="seed of the random split")
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="data directory, laid out as DIR/<dataset>/<file> (default: $LTC_REF_DATA; "
        "'ltc-ref data download DATASET --to DIR' fills one)",
    )
    p.add_argument("--out", default=None, help="output directory (default: runs/DATASET)")
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help=f"default: {default_backend()} (available: {', '.join(available_backends())})",
    )
    p.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="float32 (default, as the authors' TensorFlow) or float64",
    )
    p.add_argument(
        "--units",
        type=int,
        default=32,
        help="LTC neurons, fully connected (default: 32, the paper's)",
    )
    p.add_argument(
        "--positivity",
        choices=POSITIVITY,
        default="clip",
        help="clip: the authors' projection (default); softplus: ncps",
    )
    p.add_argument(
        "--init",
        choices=("authors", "ncps"),
        default="authors",
        help="initial values and time preset: authors (dt = L = 6, so cm is their cm_t; "
        "epsilon 0) or ncps (dt = 1 as ncps's LTC without timespans, c = L·C_m; epsilon 1e-8)",
    )
    p.add_argument(
        "--dt",
        type=float,
        default=None,
        help="elapsed time of an input step (default: the --init preset's: 6 or 1)",
    )
    p.add_argument(
        "--epsilon",
        type=float,
        default=None,
        help="the fused step's denominator guard (default: the --init preset's: 0 or 1e-8)",
    )
    p.add_argument("--clip-norm", type=float, default=None, help="gradient norm clipping")
    p.add_argument(
        "--max-batches",
        type=int,
        default=None,
        help="at most this many batches per epoch (quick runs)",
    )
    p.add_argument(
        "--max-train",
        type=int,
        default=None,
        help="use only the first N training sequences (quick runs)",
    )
    p.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="wall-time budget per seed: stop after the epoch at which another "
        "epoch would exceed it",
    )
    p.add_argument(
        "--no-resume",
        action="store_true",
        help="start over even if checkpoints exist (they are overwritten)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--plot",
        action="store_true",
        help="write training curves and tau_sys plots (needs matplotlib)",
    )
    return p


def _subset(dataset, n: int | None):
    """The dataset with only the first ``n`` training sequences (``None``: unchanged)."""
    if n is None or n >= dataset.train.n:
        return dataset
    from dataclasses import replace

    from ..data import Split

    return replace(dataset, train=Split(dataset.train.x[:n], dataset.train.y[:n]))


def _show(metric: str, value: float) -> str:
    return f"{100 * value:.2f} %" if metric == "accuracy" else f"{value:.4f}"


def _usage_error(message) -> int:
    return error("train", message)


def _check_arguments(args) -> None:
    """Everything about the arguments that can be known before the data are loaded; raises
    ``ValueError`` naming the option."""
    if args.max_train is not None and args.max_train < 1:
        raise ValueError(f"--max-train: expected a number of sequences >= 1, got {args.max_train}")
    if args.max_minutes is not None and not (
        math.isfinite(args.max_minutes) and args.max_minutes > 0
    ):
        raise ValueError(f"--max-minutes: expected a finite number > 0, got {args.max_minutes}")
    for name in ("lr", "dt", "epsilon", "clip_norm"):
        value = getattr(args, name)
        if value is not None and not math.isfinite(value):
            raise ValueError(f"--{name.replace('_', '-')}: expected a finite number, got {value}")
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        raise ValueError(f"--plot: needs matplotlib (the plot extra): {install_hint('plot')}")


def _config(args, seed: int) -> TrainConfig:
    return TrainConfig(
        dataset=args.dataset,
        seed=seed,
        epochs=args.epochs,
        learning_rate=args.lr,
        batch_size=args.batch_size,
        units=args.units,
        init=args.init,
        dt=args.dt,
        epsilon=args.epsilon,
        positivity=args.positivity,
        clip_norm=args.clip_norm,
        dtype=args.dtype,
        max_batches=args.max_batches,
    )


def main(argv=None) -> int:
    """Entry point of ``ltc-ref train`` (``argv`` without the command name); returns the exit
    code (0 done, 1 a non-finite loss, 2 a usage error; see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    from .. import data

    out = Path(args.out) if args.out else Path("runs") / args.dataset
    try:
        _check_arguments(args)
        configs = [_config(args, seed) for seed in args.seeds]
        v.check_output_dir("--out", out)
    except (TypeError, ValueError) as err:
        return _usage_error(err)
    try:
        dataset = data.load(
            args.dataset,
            args.data_dir,
            protocol=args.protocol,
            seed=args.data_seed,
            dtype=np.dtype(args.dtype),
        )
    except (OSError, ValueError, KeyError) as err:
        return _usage_error(err)
    if not args.no_progress and importlib.util.find_spec("tqdm") is None:  # after the errors
        print(f"ltc-ref train: no progress bar (tqdm is not installed: {install_hint('progress')});"
              " one line per epoch", file=sys.stderr)  # fmt: skip
    dataset = _subset(dataset, args.max_train)
    backend = args.backend or default_backend()
    command = "ltc-ref train " + shlex.join(argv)
    print(f"{command}\n{dataset!r}; backend {backend}, {args.dtype}, output {out}")

    results = []
    for seed, config in zip(args.seeds, configs, strict=True):
        run_dir = out / f"seed-{seed}"
        print(f"--- seed {seed} -> {run_dir} (dt {config.dt:g}, epsilon {config.epsilon:g})")
        try:
            result = fit(
                dataset,
                config,
                run_dir,
                backend=backend,
                resume=not args.no_resume,
                max_minutes=args.max_minutes,
                progress=False if args.no_progress else None,
            )
        except NonFiniteLossError as err:
            return error("train", err, EXIT_FAILED)
        except (CheckpointError, OSError, TypeError, ValueError) as err:
            # a corrupt or foreign checkpoint, or an argument the model refuses (e.g. a dt its
            # dtype cannot carry): a usage error, named in one line
            return _usage_error(err)
        m = result.metric
        print(
            f"seed {seed}: test {m} {_show(m, result.test_metric)} at the best-validation epoch "
            f"{result.best_epoch} (valid {_show(m, result.valid_metric)}); "
            f"{len(result.history.rows)} epochs, {result.seconds_per_epoch:.1f} s/epoch"
            + (f"; {result.stopped}" if result.stopped else "")
        )
        results.append(
            {
                "seed": seed,
                "test_metric": result.test_metric,
                "test_loss": result.test_loss,
                "valid_metric": result.valid_metric,
                "best_epoch": result.best_epoch,
                "epochs": len(result.history.rows),
                "seconds_per_epoch": result.seconds_per_epoch,
                "train_seconds": float(np.sum(result.history.column("seconds"))),
                "stopped": result.stopped,
            }
        )
        if args.plot:
            from .plots import liveliest_sequence, plot_history, plot_tau_sys

            curves = plot_history(
                result.history,
                run_dir / "curves.png",
                metric=m,
                title=f"{args.dataset}, seed {seed}",
            )
            k = liveliest_sequence(dataset.test.x)
            tau = plot_tau_sys(
                result.model,
                dataset.test.x[k],
                run_dir / "tau_sys.png",
                feature_names=dataset.feature_names,
                title=f"{args.dataset}, seed {seed}: test sequence {k} (its inputs move most)",
            )
            print(f"seed {seed}: plots written to {curves} and {tau}")

    values = np.array([r["test_metric"] for r in results])
    metric = dataset.metric
    summary = {
        "command": command,
        "dataset": args.dataset,
        "protocol": args.protocol,
        "metric": dataset.metric,
        "backend": backend,
        "dtype": args.dtype,
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "mean": float(values.mean()),
        "std": float(values.std()),
        "runs": results,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    if len(values) == 1:
        spread = f"(1 seed: seed {args.seeds[0]})"
    else:
        spread = f"± {_show(metric, values.std())} over {len(values)} seed(s)"
    print(
        f"{args.dataset}: test {metric} {_show(metric, values.mean())} {spread}; summary in "
        f"{out / 'summary.json'}"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

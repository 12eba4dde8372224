"""``ltc-ref trajectory``: the trajectory-length study of the paper's §5.1 (Fig. 1, Fig. 3B–D,
Table 2) under the paper's equations (`ltc_ref.expressivity`, the default) or as the authors' MATLAB
scripts compute it (`ltc_ref.expressivity_authors`, ``--protocol authors``), with its JSON summary
and reports."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from . import _validation as v
from . import expressivity_authors as ea
from .expressivity import (
    INTERPOLATIONS,
    PARTS,
    SIZES,
    SMALL_TAU,
    Protocol,
    Record,
    StudySize,
    _pyplot,
    circle_dt,
    format_report,
    plot_latent_trajectories,
    plot_study,
    run_jobs,
    run_one,
    study_jobs,
    summarize,
)
from .expressivity_authors import format_authors_report, format_comparison
from .model.params import ACTIVATIONS

# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


PROTOCOLS = ("equations", "authors")


def _parser():
    parser = argparse.ArgumentParser(
        prog="ltc-ref trajectory",
        description="Trajectory length and computational depth of random Neural ODE, CT-RNN and "
        "LTC networks (paper §5.1, Fig. 1, Fig. 3, Table 2), under the paper's equations or the "
        "authors' MATLAB protocol. Set OPENBLAS_NUM_THREADS=1 when running with --workers 1 on "
        "a busy machine.",
    )
    parser.add_argument(
        "--protocol",
        choices=PROTOCOLS,
        default="equations",
        help="'equations' (the paper's equations, default) or 'authors' (the authors' MATLAB "
        "scripts: ltc_ref.expressivity_authors)",
    )
    parser.add_argument(
        "--size",
        choices=sorted(SIZES),
        default="full",
        help="'full' (the documented study) or 'smoke' (seconds)",
    )
    parser.add_argument(
        "--parts",
        help=f"comma-separated subset of {','.join(PARTS)} (equations) or "
        "table2,width,sigma,ablation (authors); default: all",
    )
    parser.add_argument("--tries", type=int, help="override the tries of every configuration")
    parser.add_argument(
        "--ablations", help="authors: comma-separated switches of the ablation (default: all)"
    )
    parser.add_argument(
        "--interpolation",
        choices=INTERPOLATIONS,
        help="equations: the input between samples (default: the exact circle)",
    )
    parser.add_argument("--rtol", type=float, help="equations: solver rtol (default 1e-3)")
    parser.add_argument("--atol", type=float, help="equations: solver atol (default 1e-6)")
    parser.add_argument(
        "--warmup-turns", type=int, help="equations: turns before the measured one (default 0)"
    )
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    parser.add_argument("--json", help="write the records and the summary to this JSON file")
    parser.add_argument(
        "--report",
        metavar="JSON",
        help="print the report of JSON files written by --json (comma-separated, merged; no "
        "runs; with --plots, also the figures)",
    )
    parser.add_argument(
        "--small-tau",
        type=float,
        default=SMALL_TAU,
        help=f"report: tries whose smallest τ is below this are counted apart (default "
        f"{SMALL_TAU:g}; the JSON summary always uses the default)",
    )
    parser.add_argument("--plots", help="write the PNG figures into this directory")
    parser.add_argument(
        "--latent",
        default="tanh,hard_tanh",
        help="equations: activations of the Fig. 1-style latent plots (with --plots; default "
        "tanh,hard_tanh)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-run progress lines")
    return parser


def records_from_json(path):
    """The `Record` list and the metadata of a file written by ``ltc-ref trajectory --json``
    (gzip-compressed when its name ends in ``.gz``): ``(records, data)``."""
    import gzip

    with (gzip.open if str(path).endswith(".gz") else open)(path, "rt") as fh:
        data = json.load(fh)
    return [Record(**r) for r in data["records"]], data


def main(argv=None) -> int:
    """``ltc-ref trajectory``: run the trajectory-length study, print the Markdown report and
    optionally write the records and their summary (JSON) and the figures (PNG). Exit code 0,
    or 2 for a usage error (a bad option, an unwritable ``--json`` or ``--plots``, missing
    matplotlib; found before the study starts), printed as one line with the usage."""
    parser = _parser()
    argv = sys.argv[2:] if argv is None else list(argv)
    ns = parser.parse_args(argv)
    authors = ns.protocol == "authors"
    if authors:
        for name in ("interpolation", "rtol", "atol", "warmup_turns"):
            if getattr(ns, name) is not None:
                parser.error(
                    f"--{name.replace('_', '-')} applies to --protocol equations; the authors' "
                    "protocol fixes its settings (the ablation switches them)"
                )
    elif ns.ablations is not None:
        parser.error("--ablations applies to --protocol authors")
    if ns.plots:
        try:
            _pyplot()  # fail now, not after the study, if matplotlib is missing
        except ImportError as err:
            parser.error(f"--plots: {err}")
    try:  # the outputs, before hours of study (nothing is written yet)
        if ns.plots:
            v.check_output_dir("--plots", ns.plots)
        if ns.json:
            v.check_output_file("--json", ns.json)
        if ns.tries is not None:
            v.check_int("--tries", ns.tries, minimum=1)
        v.check_int("--workers", ns.workers, minimum=1)
        if ns.warmup_turns is not None:
            v.check_int("--warmup-turns", ns.warmup_turns, minimum=0)
        for name in ("rtol", "atol"):
            if (
                getattr(ns, name) is not None
                and not v.check_real(f"--{name}", getattr(ns, name)) > 0
            ):
                raise ValueError(f"--{name}: expected a number > 0, got {getattr(ns, name)}")
        if not v.check_real("--small-tau", ns.small_tau) > 0:
            raise ValueError(f"--small-tau: expected a number > 0, got {ns.small_tau}")
        latent = [v.check_choice("--latent", a.strip(), ACTIVATIONS) for a in ns.latent.split(",")]
    except (TypeError, ValueError) as err:
        parser.error(str(err))
    if ns.report:
        records, commands = [], []
        for path in ns.report.split(","):
            try:
                rs, data = records_from_json(path)
            except (OSError, ValueError, KeyError, TypeError) as err:
                parser.error(f"--report: {path} is not a JSON file written by --json ({err})")
            records += rs
            commands.append(data["command"])
        print(_format(records, "; ".join(commands), ns.small_tau))
        if ns.plots:
            paths = plot_study(records, ns.plots)
            print("Figures: " + ", ".join(str(p) for p in paths))
        return 0
    interpolation = ns.interpolation or "exact"
    rtol = 1e-3 if ns.rtol is None else ns.rtol
    atol = 1e-6 if ns.atol is None else ns.atol
    warmup_turns = ns.warmup_turns or 0
    if authors:
        size = ea.AUTHORS_SIZES[ns.size]
        if ns.tries is not None:
            size = ea.AuthorsStudySize(
                **{
                    **asdict(size),
                    "tries": ns.tries,
                    "table_tries": ns.tries,
                    "ablation_tries": ns.tries,
                }
            )
        default_parts = ea.AUTHORS_PARTS
    else:
        size = SIZES[ns.size]
        if ns.tries is not None:
            size = StudySize(**{**asdict(size), "tries": ns.tries, "table_tries": ns.tries})
        default_parts = PARTS
    parts = (
        default_parts
        if ns.parts is None
        else tuple(p.strip() for p in ns.parts.split(",") if p.strip())
    )
    try:
        if authors:
            ablations = (
                None if ns.ablations is None else [a.strip() for a in ns.ablations.split(",")]
            )
            jobs = ea.authors_study_jobs(size, parts=parts, ablations=ablations)
            runner = ea.run_authors_one
        else:
            jobs = study_jobs(
                size,
                parts=parts,
                interpolation=interpolation,
                rtol=rtol,
                atol=atol,
                warmup_turns=warmup_turns,
            )
            runner = run_one
    except (TypeError, ValueError) as err:  # --parts, --ablations
        parser.error(str(err))
    command = " ".join(["ltc-ref trajectory", *argv])
    t0 = time.perf_counter()
    progress = None if ns.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    records = run_jobs(jobs, workers=ns.workers, progress=progress, runner=runner)
    paths = []
    if ns.plots:
        paths = plot_study(records, ns.plots)
        for a in latent if not authors else ():
            paths.append(
                plot_latent_trajectories(
                    ns.plots,
                    activation=a,
                    width=size.table_width,
                    protocol=Protocol(
                        T=size.T,
                        dt=circle_dt(size.T),
                        rtol=rtol,
                        atol=atol,
                        interpolation=interpolation,
                        warmup_turns=warmup_turns,
                    ),
                )
            )
    wall = time.perf_counter() - t0
    if ns.json:  # written first: a long study is never lost to a report error
        with open(ns.json, "w") as fh:
            json.dump(
                {
                    "command": command,
                    "protocol": ns.protocol,
                    "wall_seconds": wall,
                    "workers": ns.workers,
                    "size": asdict(size),
                    "summary": summarize(records),
                    "records": [asdict(r) for r in records],
                },
                fh,
                indent=1,
            )
    print(_format(records, command, ns.small_tau))
    print(f"\nWall time: {wall:.0f} s, {len(records)} runs, {ns.workers} worker(s)")
    if paths:
        print("Figures: " + ", ".join(str(p) for p in paths))
    return 0


def _format(records, command, small_tau=SMALL_TAU):
    """The report of each protocol in ``records``; with both, also their side-by-side table."""
    eq = [r for r in records if r.protocol == "equations"]
    au = [r for r in records if r.protocol == "authors"]
    parts = [f"Command: `{command}`"]
    if eq:
        parts.append(format_report(eq, small_tau=small_tau))
    if au:
        parts.append(format_authors_report(au, small_tau=small_tau))
    if eq and au:
        parts.append(format_comparison(records, small_tau))
    return "\n\n".join(parts)


__all__ = ["PROTOCOLS", "main", "records_from_json"]

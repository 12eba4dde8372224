"""``ltc-ref crosscheck``: check any LTC implementation against the reference.

::

    ltc-ref crosscheck TARGET [--cases golden|drawn|both] [--examples N] [--seed S]
                              [--dtype float64|float32] [--capabilities FILE.json]
                              [--case JSON] [--report text|json|junit] [--out FILE]
    ltc-ref crosscheck --results DIR [--capabilities FILE.json] [--case JSON] [--report ...]
    ltc-ref crosscheck export DIR [--cases golden|drawn|both] [--examples N] [--seed S]

TARGET is

* ``ncps`` — ncps 1.0.1 (PyTorch), `ltc_ref.interop.crosscheck` (needs the ``ncps`` extra);
* ``package.module:forward`` or ``path/to/file.py:forward`` — a forward function with
  `ltc_ref.forward`'s keyword signature. Its VJP (``ltc_ref.vjp``'s signature) is found as an
  attribute ``forward.vjp`` (``None``: no VJP), else a function ``vjp`` in the same module; its
  capabilities
  (`ltc_ref.testing.capabilities`) as ``forward.capabilities``, a module-level
  ``CAPABILITIES``, or a ``capabilities.json`` beside the file, unless ``--capabilities`` is
  given.

``--results DIR`` compares the ``outputs.npz`` files another implementation wrote into a
directory made by ``export`` (the file protocol, `ltc_ref.testing.files`).

Exit code: 0 if the report passes (nothing failed, at least one case passed), 1 if it does not,
2 for a usage error (a bad target, option or file).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._command import error
from .._extras import with_hint
from ..testing.capabilities import Capabilities
from ..testing.cases import random_case
from ..testing.compare import CaseResult, Report, check_candidate
from ..testing.files import check_results, export_cases
from ..testing.golden import case_from_json, golden_cases
from ..testing.variants import diagnose_report

#: Hypothesis-drawn cases for a Python target when ``--examples`` is not given.
DEFAULT_EXAMPLES = 50
#: Drawn cases written by ``export`` when ``--examples`` is not given (with ``--cases drawn``).
DEFAULT_EXPORT_EXAMPLES = 20


class UsageError(Exception):
    """A bad target, option or file: exit code 2."""


@dataclass(frozen=True)
class Candidate:
    """A Python implementation found from a ``module:callable`` or ``file.py:callable`` target.

    Attributes:
        forward: the forward function.
        vjp: its VJP, or None.
        capabilities: `Capabilities`, or None (everything supported).
        label: the target as given.
    """

    forward: object
    vjp: object
    capabilities: Capabilities | None
    label: str


def _as_capabilities(value, where: str) -> Capabilities:
    if isinstance(value, Capabilities):
        return value
    try:
        return Capabilities.from_json(value)
    except ValueError as err:
        raise UsageError(f"{where}: {err}") from None


def load_target(target: str, capabilities_file=None) -> Candidate:
    """Find a Python candidate: ``module:callable`` or ``path/to/file.py:callable``.

    Arguments:
        target: the target.
        capabilities_file: a ``FILE.json`` that overrides the capabilities found beside it.

    Returns:
        `Candidate`.

    Raises:
        UsageError: the module, file or callable cannot be found or loaded.
    """
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise UsageError(
            f"target {target!r}: expected 'ncps', 'package.module:function' or "
            "'path/to/file.py:function'"
        )
    path = Path(where)
    if where.endswith(".py"):
        if not path.is_file():
            raise UsageError(f"target {target!r}: no file {where}")
        spec = importlib.util.spec_from_file_location(f"ltc_ref_candidate_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            what = f"{type(err).__name__}: {err}"
            raise UsageError(f"target {target!r}: {where} raised {what}") from err
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as err:
            raise UsageError(f"target {target!r}: cannot import {where!r} ({err})") from None
    forward = getattr(module, name, None)
    if not callable(forward):
        raise UsageError(f"target {target!r}: {where} has no function {name!r}")
    # forward.vjp first (None there means "no VJP"), else the module's vjp
    vjp = forward.vjp if hasattr(forward, "vjp") else getattr(module, "vjp", None)
    if vjp is not None and not callable(vjp):
        raise UsageError(f"target {target!r}: its 'vjp' is not callable")
    caps = None
    if capabilities_file is not None:
        caps = load_capabilities(capabilities_file)
    elif getattr(forward, "capabilities", None) is not None:
        caps = _as_capabilities(forward.capabilities, f"{target}: {name}.capabilities")
    elif getattr(module, "CAPABILITIES", None) is not None:
        caps = _as_capabilities(module.CAPABILITIES, f"{target}: CAPABILITIES")
    elif where.endswith(".py") and (path.parent / "capabilities.json").is_file():
        caps = load_capabilities(path.parent / "capabilities.json")
    return Candidate(forward, vjp, caps, target)


def load_capabilities(path) -> Capabilities:
    """`Capabilities.load`, a bad file a `UsageError`."""
    try:
        return Capabilities.load(path)
    except (OSError, ValueError) as err:
        raise UsageError(f"--capabilities {path}: {err}") from None


def _case_arg(text: str):
    try:
        return case_from_json(text)
    except ValueError as err:
        raise UsageError(f"--case: {err}") from None


def _merge(reports, title: str, target: str, diagnose: bool) -> Report:
    results = tuple(r for rep in reports for r in rep.results)
    merged = Report(results, title, (), target)
    return diagnose_report(merged) if diagnose else merged


def check_python_target(candidate: Candidate, ns) -> Report:
    """Run a Python candidate as the options say (golden, drawn or both; or one ``--case``)."""
    dtype = np.dtype(ns.dtype)
    kw = dict(dtype=dtype, capabilities=candidate.capabilities, target=candidate.label)
    if ns.case is not None:
        return check_candidate(
            candidate.forward, candidate.vjp, [_case_arg(ns.case)], diagnose=ns.diagnose, **kw
        )
    reports = []
    if ns.cases in ("golden", "both"):
        reports.append(
            check_candidate(candidate.forward, candidate.vjp, golden_cases(), diagnose=False, **kw)
        )
    if ns.cases in ("drawn", "both"):
        try:
            import hypothesis  # noqa: F401

            from ..testing.property import check_with_hypothesis
        except ImportError as err:
            raise UsageError(
                f"drawn cases need hypothesis ({err}): pip install hypothesis"
            ) from err
        examples = DEFAULT_EXAMPLES if ns.examples is None else ns.examples
        if examples > 0:
            reports.append(
                check_with_hypothesis(
                    candidate.forward,
                    candidate.vjp,
                    max_examples=examples,
                    seed=ns.seed,
                    diagnose=False,
                    **kw,
                )
            )
    return _merge(reports, f"{candidate.label} vs ltc-ref", candidate.label, ns.diagnose)


# ---- ncps -------------------------------------------------------------------------------------


def ncps_report(result, *, diagnose: bool = True) -> Report:
    """The ncps cross-check (`ltc_ref.interop.crosscheck.Crosscheck`) as a `Report`: one case
    per row (``<case>/<LTC|LTCCell>``); a ``FINDING`` row (a documented ncps defect: the
    ``LTC`` wrapper cannot take per-sample Δt) is ``not_applicable``, a wiring that differs a
    failure."""
    from .crosscheck import FINDINGS

    titles = {f.key: f.title for f in FINDINGS}
    results = []
    for row in result.rows:
        name = f"{row.case}/{row.candidate}"
        base = row.result or CaseResult(row.case, "", "float64", (), row.detail or None)
        na = None
        if row.status.startswith("FINDING"):
            key = row.status.split()[-1]
            na = f"known ncps defect {key}: {titles.get(key, '')}"
        error = base.error
        if row.status == "FAIL" and row.result is None:
            error = row.detail or "failed"
        results.append(
            dataclasses.replace(
                base, case=name, candidate=row.candidate, error=error, not_applicable=na,
                spec=row.spec,
            )
        )  # fmt: skip
    for recipe, n_inputs, ok in result.wiring_checks:
        if not ok:
            note = f"ncps builds other masks or reversal signs for {recipe} with C = {n_inputs}"
            results.append(CaseResult(f"wiring {recipe['class']}", "", "float64", (), note))
    report = Report(tuple(results), "ncps vs ltc-ref", (), "ncps")
    return diagnose_report(report) if diagnose else report


def check_ncps(ns):
    """``ltc-ref crosscheck ncps``: the text report of `ltc_ref.interop.crosscheck` (exit code
    as there) or, with ``--report json|junit``, ``--case`` or ``--cases``, a `Report`."""
    from . import crosscheck
    from . import ncps as nx

    try:
        nx._require_ncps()
        import hypothesis  # noqa: F401
    except ImportError as err:
        raise UsageError(f"ncps: {with_hint(err)}") from None
    if ns.dtype != "float64":
        raise UsageError("ncps is checked in float64 only (its models are run with .double())")
    if ns.capabilities is not None:
        raise UsageError("ncps: its capabilities are known; --capabilities is for Python targets")
    if ns.case is not None:
        case = _case_arg(ns.case)
        result = crosscheck.Crosscheck()
        for candidate in ("LTC", "LTCCell"):
            for implicit in (True, False):
                s = crosscheck.Settings(implicit, case.spec.input_mapping, case.spec.output_mapping)
                row = crosscheck.check_case(case, candidate, s)
                row.candidate = f"{candidate}(implicit={implicit})"
                result.golden_rows.append(row)
        return ncps_report(result, diagnose=ns.diagnose)
    examples = crosscheck.DEFAULT_EXAMPLES if ns.examples is None else ns.examples
    if ns.cases == "golden":
        examples = 0
    result = crosscheck.run(examples, seed=ns.seed, golden=ns.cases != "drawn")
    if ns.report == "text" and ns.cases == "both":
        return crosscheck.format_report(result, verbose=ns.verbose), result.passed
    return ncps_report(result, diagnose=ns.diagnose)


# ---- the command ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ltc-ref crosscheck",
        description="Check an LTC implementation against the reference: ncps, a Python "
        "function (module:function or path/file.py:function), or the outputs another "
        "language wrote (--results DIR, after 'ltc-ref crosscheck export DIR'; see "
        "'ltc-ref crosscheck export --help').",
        epilog="exit code: 0 if nothing failed (and something passed), 1 if a check failed, "
        "2 for a usage error",
    )
    parser.add_argument("target", nargs="?", help="ncps | module:function | file.py:function")
    parser.add_argument("--results", metavar="DIR", help="compare the outputs.npz files in DIR")
    parser.add_argument(
        "--cases", choices=("golden", "drawn", "both"), default="both", help="default both"
    )
    parser.add_argument(
        "--examples",
        type=int,
        default=None,
        help=f"hypothesis-drawn cases (default {DEFAULT_EXAMPLES}; ncps: 300)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn cases (default 0)")
    parser.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="the dtype the cases are run in and judged by its tolerances (default float64; "
        "ncps: float64 only)",
    )
    parser.add_argument("--capabilities", metavar="FILE.json", help="the candidate's capabilities")
    parser.add_argument("--case", metavar="JSON", help="check only this case (a spec, as printed)")
    parser.add_argument(
        "--report",
        choices=("text", "json", "junit"),
        default="text",
        help="the report's format: text (default), json or junit (XML for CI)",
    )
    parser.add_argument("--out", metavar="FILE", help="write the report here, not to stdout")
    parser.add_argument(
        "--no-diagnosis", dest="diagnose", action="store_false", help="skip the diagnosis"
    )
    parser.add_argument("--verbose", action="store_true", help="detail every case")
    return parser


def _export(argv) -> int:
    parser = argparse.ArgumentParser(
        prog="ltc-ref crosscheck export",
        description="Write the cases for an implementation in another language: "
        "DIR/<case>/case.json and DIR/<case>/inputs.npz (see docs/crosscheck.md).",
    )
    parser.add_argument("directory", metavar="DIR", help="the directory to write the cases into")
    parser.add_argument(
        "--cases",
        choices=("golden", "drawn", "both"),
        default="golden",
        help="golden (the versioned golden vectors, default), drawn (random cases) or both",
    )
    parser.add_argument(
        "--examples",
        type=int,
        default=None,
        help=f"drawn cases (default {DEFAULT_EXPORT_EXAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the drawn cases (default 0)")
    ns = parser.parse_args(argv)
    cases = golden_cases() if ns.cases in ("golden", "both") else []
    if ns.cases in ("drawn", "both"):
        rng = np.random.default_rng(ns.seed)
        n = DEFAULT_EXPORT_EXAMPLES if ns.examples is None else ns.examples
        cases += [random_case(rng, name=f"drawn-{ns.seed}-{k}") for k in range(n)]
    names = export_cases(ns.directory, cases)
    print(f"wrote {len(names)} cases to {ns.directory} (case.json, inputs.npz each)")
    return 0


def _emit(report: Report, ns) -> None:
    if ns.report == "json":
        text = json.dumps(report.to_json(), indent=1) + "\n"
    elif ns.report == "junit":
        text = report.to_junit()
    else:
        text = report.format(verbose=ns.verbose) + "\n"
    if ns.out:
        Path(ns.out).write_text(text)
        c = report.counts
        print(
            f"{report.title}: {c['pass']} pass, {c['fail']} fail, {c['not_applicable']} not "
            f"applicable: {'PASS' if report.passed else 'FAIL'} (report in {ns.out})"
        )
    else:
        sys.stdout.write(text)


def main(argv=None) -> int:
    """``ltc-ref crosscheck ...`` (see the module docstring).

    Returns:
        0 if the report passes, 1 if not, 2 for a usage error.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["export"]:
            return _export(argv[1:])
        parser = _parser()
        ns = parser.parse_args(argv)
        if (ns.target is None) == (ns.results is None):
            parser.error("give a TARGET or --results DIR (not both)")
        if ns.examples is not None and ns.examples < 0:
            parser.error("--examples: expected >= 0")
        if ns.results is not None:
            caps = None if ns.capabilities is None else load_capabilities(ns.capabilities)
            names = None if ns.case is None else [_case_arg(ns.case).name]
            try:
                report = check_results(
                    ns.results,
                    capabilities=caps,
                    diagnose=ns.diagnose,
                    dtype=None if ns.dtype == "float64" else ns.dtype,
                    names=names,
                )
            except (OSError, ValueError, KeyError) as err:
                raise UsageError(str(err)) from None
        elif ns.target == "ncps":
            out = check_ncps(ns)
            if isinstance(out, tuple):  # the legacy text report
                text, passed = out
                if ns.out:
                    Path(ns.out).write_text(text + "\n")
                else:
                    print(text)
                return 0 if passed else 1
            report = out
        else:
            report = check_python_target(load_target(ns.target, ns.capabilities), ns)
    except UsageError as err:
        return error("crosscheck", err)
    _emit(report, ns)
    return 0 if report.passed else 1


__all__ = [
    "DEFAULT_EXAMPLES",
    "Candidate",
    "UsageError",
    "check_ncps",
    "check_python_target",
    "load_target",
    "main",
    "ncps_report",
]

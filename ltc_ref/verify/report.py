"""The report of ``ltc-ref verify``: one `CheckResult` per check, printed section by section."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

#: What the columns of a report line mean, printed under the title.
LEGEND = (
    "Each line: PASS or FAIL, what is checked, the measured figure, (the bound it is held to),\n"
    "then details. What each section checks and why: docs/verify.md."
)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one self-check.

    Attributes:
        name: what was checked.
        passed: whether the figure met the bound.
        figure: the measured quantity (an order, an error, a count).
        bound: what it was held to, as text (e.g. ``"|p - 4| <= 0.15"``).
        detail: anything else worth printing.
        counterexample: the check passes when a counterexample is found (e.g. explicit Euler
            leaving the hull of Theorem 2); the report says so beside the PASS.
    """

    name: str
    passed: bool
    figure: str
    bound: str
    detail: str = ""
    counterexample: bool = False


def format_result(r: CheckResult) -> str:
    """One line of the report: ``  [PASS] name  figure  (bound)  detail``."""
    mark = "PASS" if r.passed else "FAIL"
    line = f"  [{mark}] {r.name:<48} {r.figure:>12}  ({r.bound})"
    detail = r.detail
    if r.counterexample:
        found = (
            "counterexample found, as expected"
            if r.passed
            else "no counterexample found, though one was expected"
        )
        detail = f"{found}: {detail}" if detail else found
    return f"{line}  {detail}" if detail else line


def run_all(sections, *, stream=None, preamble=()) -> bool:
    """Run the checks, print a report to ``stream`` (stdout by default); return True if all
    passed.

    Each section's header is printed (and flushed) before its checks run, so a slow section
    (the first compilation of the kernels) shows what it is doing; its time is added to the
    header's line when it ends, then one line per check (`format_result`).

    Arguments:
        sections: ``[(title, check)]`` with ``check() -> list[CheckResult]`` (e.g.
            `ltc_ref.verify.SECTIONS`); a check that raises is reported as a failed check.
        stream: a text stream.
        preamble: lines printed after the title and the `LEGEND`, before the first section.

    Returns:
        bool.
    """
    stream = stream or sys.stdout
    all_ok = True
    t_start = time.perf_counter()
    print(f"ltc-ref verify: the reference checked against itself\n{LEGEND}", file=stream)
    for line in preamble:
        print(line, file=stream)
    print(file=stream, flush=True)
    for title, fn in sections:
        print(f"== {title}", end="", file=stream, flush=True)
        t0 = time.perf_counter()
        try:
            results = fn()
        except Exception as err:  # a crashing check is a failed check, reported as such
            results = [CheckResult(title, False, "error", "-", f"{type(err).__name__}: {err}")]
        print(f" ({time.perf_counter() - t0:.1f} s)", file=stream)
        for r in results:
            print(format_result(r), file=stream)
            all_ok &= r.passed
        stream.flush()
    total = time.perf_counter() - t_start
    print(f"\n{'ALL PASSED' if all_ok else 'FAILED'} in {total:.1f} s", file=stream, flush=True)
    return all_ok


__all__ = ["LEGEND", "CheckResult", "format_result", "run_all"]

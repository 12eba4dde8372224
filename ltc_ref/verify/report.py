"""The report of ``ltc-ref verify``: one `CheckResult` per check, printed section by section."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one self-check.

    Attributes:
        name: what was checked.
        passed: whether the figure met the bound.
        figure: the measured quantity (an order, an error, a count).
        bound: what it was held to, as text (e.g. ``"|p - 4| <= 0.15"``).
        detail: anything else worth printing.
    """

    name: str
    passed: bool
    figure: str
    bound: str
    detail: str = ""


def run_all(sections, *, stream=None) -> bool:
    """Run the checks, print a report to ``stream`` (stdout by default); return True if all
    passed.

    Arguments:
        sections: ``[(title, check)]`` with ``check() -> list[CheckResult]`` (e.g.
            `ltc_ref.verify.SECTIONS`); a check that raises is reported as a failed check.
        stream: a text stream.

    Returns:
        bool.
    """
    stream = stream or sys.stdout
    all_ok = True
    t_start = time.perf_counter()
    print("ltc-ref verify: the reference checked against itself\n", file=stream)
    for title, fn in sections:
        t0 = time.perf_counter()
        try:
            results = fn()
        except Exception as err:  # a crashing check is a failed check, reported as such
            results = [CheckResult(title, False, "error", "-", f"{type(err).__name__}: {err}")]
        print(f"== {title} ({time.perf_counter() - t0:.1f} s)", file=stream)
        for r in results:
            mark = "PASS" if r.passed else "FAIL"
            line = f"  [{mark}] {r.name:<48} {r.figure:>12}  ({r.bound})"
            if r.detail:
                line += f"  {r.detail}"
            print(line, file=stream)
            all_ok &= r.passed
    total = time.perf_counter() - t_start
    print(f"\n{'ALL PASSED' if all_ok else 'FAILED'} in {total:.1f} s", file=stream)
    return all_ok


__all__ = ["CheckResult", "run_all"]

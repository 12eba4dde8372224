"""``ltc-ref verify``: every section, in report order, and the command."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

from ..kernels import ENTRY_KERNELS, cache_dir, uncompiled_kernels
from . import data, golden, gradients, invalid_calls, kernels, model, solvers, theorems, training
from .report import CheckResult, run_all

#: Wall time of ``ltc-ref verify`` on the development machine (2 cores shared with other jobs,
#: docs/verify.md): the first run, which compiles the Numba kernels, and a later one, which
#: loads them from Numba's on-disk cache. Quoted by `compile_notice`; measured, not bounds.
COLD_SECONDS = 50
WARM_SECONDS = 6

#: The sections of ``ltc-ref verify``, in report order: ``(title, check)`` with
#: ``check() -> list[CheckResult]``. One module of this package per subject.
SECTIONS: list[tuple[str, Callable[[], list[CheckResult]]]] = [
    ("solver convergence", solvers.check_solver_orders),
    ("conductance form = Eq. 1", model.check_form_mapping),
    ("fixed points", solvers.check_fixed_points),
    ("float32 vs float64", model.check_float32),
    ("input validation", invalid_calls.check_error_handling),
    ("gradients: BPTT vs autograd", gradients.check_bptt_vs_autograd),
    ("gradients: BPTT vs finite differences", gradients.check_bptt_vs_finite_differences),
    ("numba kernels = numpy specification", kernels.check_agreement),
    ("fast sigmoid of the kernels", kernels.check_sigmoid),
    ("Theorem 2, discrete (fused step)", theorems.check_discrete),
    ("Theorem 2, explicit Euler counterexample", theorems.check_euler_counterexample),
    ("Theorems 1-2, continuous time", theorems.check_continuous),
    ("golden vectors", golden.check_golden),
    ("data pipeline", data.check_data_pipeline),
    ("training", training.check_training),
]


def sections_of(module) -> list[tuple[str, Callable[[], list[CheckResult]]]]:
    """The sections of `SECTIONS` whose checks live in ``module`` (one subject of the report).

    Arguments:
        module: a module of this package (e.g. `ltc_ref.verify.kernels`).

    Returns:
        ``[(title, check)]`` in report order.
    """
    return [(title, check) for title, check in SECTIONS if check.__module__ == module.__name__]


def compile_notice(missing: list[str] | None) -> list[str]:
    """The lines ``ltc-ref verify`` prints before its sections when Numba kernels are not
    compiled yet, so that a first run says why it is slow.

    Arguments:
        missing: the kernels not in Numba's cache (`ltc_ref.kernels.uncompiled_kernels`);
            ``[]``: all cached, no lines; ``None``: it cannot be told, a general note.

    Returns:
        A list of lines (empty when everything is cached).
    """
    when = (
        f"about {COLD_SECONDS} s on the development machine; later runs load them from the "
        f"cache and take about {WARM_SECONDS} s"
    )
    if missing is None:
        return textwrap.wrap(f"(The first run compiles the Numba kernels once: {when}.)", 92)
    if not missing:
        return []
    if len(missing) == len(ENTRY_KERNELS):
        which = "they are"
    else:
        which = ", ".join(missing) + (" is" if len(missing) == 1 else " are")
        when = "up to " + when
    text = f"Compiling the Numba kernels once ({which} not in Numba's cache yet): {when}."
    where = cache_dir()
    return textwrap.wrap(text, 92) + ([f"(the cache: {where})"] if where else [])


def main(argv=None) -> int:
    """``ltc-ref verify``: run every section and print the report; exit code 0 if all pass."""
    parser = argparse.ArgumentParser(
        prog="ltc-ref verify",
        description="Check the reference against itself: every section prints its header, "
        "then one line per check (PASS/FAIL, the measured figure, the bound); see "
        "docs/verify.md. The first run compiles the Numba kernels (about "
        f"{COLD_SECONDS} s); later runs take about {WARM_SECONDS} s.",
        epilog="exit code: 0 if every check passes, 1 if one fails",
    )
    parser.parse_args(argv)
    return 0 if run_all(SECTIONS, preamble=compile_notice(uncompiled_kernels())) else 1


__all__ = ["COLD_SECONDS", "SECTIONS", "WARM_SECONDS", "compile_notice", "main", "sections_of"]

"""``ltc-ref verify``: every section, in report order, and the command."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import data, golden, gradients, invalid_calls, kernels, model, solvers, theorems, training
from .report import CheckResult, run_all

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


def main(argv=None) -> int:
    """``ltc-ref verify``: run every section and print the report; exit code 0 if all pass."""
    parser = argparse.ArgumentParser(
        prog="ltc-ref verify", description="Check the reference against itself."
    )
    parser.parse_args(argv)
    return 0 if run_all(SECTIONS) else 1


__all__ = ["SECTIONS", "main", "sections_of"]

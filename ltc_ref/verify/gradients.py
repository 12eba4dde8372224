"""``ltc-ref verify``: the gradients. The hand-written BPTT against autograd differentiating the
specification (every fixed-step solver, both forms), and against central differences."""

from __future__ import annotations

from ..gradients import vjp
from ..solvers import FIXED_STEP_SOLVERS
from ..testing.gradcheck import FD_RTOL, autograd_vjp, check_forward_vjp
from ..testing.measure import relative_error
from .networks import well_conditioned_case
from .report import CheckResult

#: Hand-written BPTT vs autograd of the specification: both exact, they differ by rounding
#: only (measured below 1e-14); 1e-10 is the bound of the gradients issue.
AUTOGRAD_RTOL = 1e-10


def cotangents_error(reference, candidate) -> float:
    """The largest `relative_error` over the cotangents of two `ltc_ref.vjp`-style results
    ``(g_params, g_x, g_h0, g_dt)``: every parameter field, ``x``, ``h0`` and ``dt``."""
    pairs = [
        (getattr(candidate[0], k), getattr(reference[0], k)) for k in reference[0].ARRAY_FIELDS
    ]
    pairs += list(zip(candidate[1:], reference[1:], strict=True))
    return max(relative_error(c, r) for c, r in pairs)


def check_bptt_vs_autograd():
    """The hand-written BPTT against autograd of the specification, every fixed-step solver."""
    out = []
    for solver in FIXED_STEP_SOLVERS:
        worst = 0.0
        for form in ("paper", "conductance"):
            params, x, h0, dt, g_y, g_h = well_conditioned_case(form)
            kw = dict(
                h0=h0, dt=dt, unfolds=3, solver=solver, epsilon=1e-3 if solver == "fused" else 0.0
            )
            worst = max(
                worst,
                cotangents_error(
                    autograd_vjp(params, x, g_y, g_h=g_h, **kw), vjp(params, x, g_y, g_h=g_h, **kw)
                ),
            )
        out.append(
            CheckResult(
                f"BPTT = autograd, {solver} (both forms)",
                worst <= AUTOGRAD_RTOL,
                f"{worst:.1e}",
                f"<= {AUTOGRAD_RTOL:g}",
                "max rel. error over every field, x, h0, dt",
            )
        )
    return out


def check_bptt_vs_finite_differences():
    """The hand-written BPTT against central differences along random directions."""
    params, x, h0, dt, _, _ = well_conditioned_case("conductance", seed=1)
    result = check_forward_vjp(params, x, h0=h0, dt=dt, unfolds=3, raises=False)
    return [
        CheckResult(
            "BPTT = central differences (fused, random dirs)",
            result.passed,
            f"{result.max_rel_error:.1e}",
            f"<= {FD_RTOL:g}",
            f"step {result.step:g}",
        )
    ]


__all__ = [
    "AUTOGRAD_RTOL",
    "check_bptt_vs_autograd",
    "check_bptt_vs_finite_differences",
    "cotangents_error",
]

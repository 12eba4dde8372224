"""``ltc-ref verify``: the solvers. Convergence orders against the exact solution of the frozen-f
problem (`ltc_ref.verify.networks.frozen_f_problem`), each fixed-step solver's order taken from
the solver itself (``Solver.order``, every solver of the registry `ltc_ref.solvers.SOLVERS`),
the adaptive solver's global error, the fused step as Euler plus O(h²), and fixed points that
every solver keeps."""

from __future__ import annotations

import numpy as np

from ..forward import forward
from ..model import dynamics_of
from ..model.params import PaperParams
from ..solvers import FIXED_STEP_SOLVERS, SOLVERS, DormandPrince
from .networks import frozen_f_problem, nonstiff_network
from .report import CheckResult

# ---- tolerances, each with its reason --------------------------------------------------------

#: A fitted convergence order must lie within this distance of the method's order. The fit is a
#: least-squares slope over step sizes h = Δt/L, L = 16…256: in the asymptotic regime (the local
#: slopes at L = 4…16 still differ from the order by up to 0.5) and, for RK4, with errors
#: (≥ 1e-12) far above float64 round-off. Measured deviations are below 0.06.
ORDER_TOLERANCE = 0.1
#: Dormand–Prince controls the *local* error per unit step; the global error over one unit of
#: time on the frozen-f problem must stay within this multiple of rtol·max|x| (measured: < 1).
DOPRI_GLOBAL_ERROR_FACTOR = 10.0
#: A fixed point of the ODE is a fixed point of every solver step; drift allowed after T steps
#: is rounding only (the equilibrium is found to ~1e-15 first).
FIXED_POINT_ATOL = 1e-12


def fitted_order(step_sizes, errors) -> float:
    """Least-squares slope of log(error) against log(step size)."""
    return float(np.polyfit(np.log(step_sizes), np.log(errors), 1)[0])


def convergence_order(form: str, solver: str, *, dt=1.0, unfolds=(16, 32, 64, 128, 256)) -> float:
    """Fitted order of a fixed-step solver on the frozen-f problem: error after one input step
    of length ``dt`` taken as L sub-steps, for each L in ``unfolds``."""
    params, I, x0, exact = frozen_f_problem(form)
    target = exact(dt)
    errors = []
    for L in unfolds:
        _, h = forward(params, I[:, None, :], h0=x0, dt=dt, unfolds=L, solver=solver)
        errors.append(np.max(np.abs(h[:, -1] - target)))
    return fitted_order([dt / L for L in unfolds], errors)


def dopri5_errors(form: str, rtols=(1e-4, 1e-6, 1e-8, 1e-10), *, dt=1.0):
    """Global error of the adaptive solver on the frozen-f problem, relative to max|x|, for
    each rtol (atol = rtol × 1e-3)."""
    params, I, x0, exact = frozen_f_problem(form)
    target = exact(dt)
    out = []
    for rtol in rtols:
        solver = DormandPrince(rtol=rtol, atol=rtol * 1e-3)
        _, h = forward(params, I[:, None, :], h0=x0, dt=dt, solver=solver)
        out.append(float(np.max(np.abs(h[:, -1] - target)) / np.max(np.abs(target))))
    return out


def fused_minus_euler_order(form: str, *, seed=1) -> float:
    """Order in h of ``|fused_step(x, h) - euler_step(x, h)|`` on a nonlinear network (expected
    2: the fused step is explicit Euler plus O(h²))."""
    params, I, x = nonstiff_network(form, seed=seed)
    dyn = dynamics_of(params)
    drive = dyn.input_drive(params, I)
    hs = [2.0**-k for k in range(4, 10)]
    diffs = [
        np.max(np.abs(dyn.fused_step(params, x, drive, h) - (x + h * dyn.rhs(params, x, drive))))
        for h in hs
    ]
    return fitted_order(hs, diffs)


def fixed_point_drift(form: str, *, seed=0) -> tuple[float, float]:
    """Find an equilibrium x* of a nonlinear network with a held input (iterate the fused map,
    whose fixed points are exactly the ODE's equilibria for every h), then run every solver for
    T = 10 input steps of dt = 0.1 from x*. Returns ``(|rhs(x*)|, max drift over the solvers)``."""
    params, I, _ = nonstiff_network(form, B=1, seed=seed)
    if isinstance(params, PaperParams):
        params = params.replace(gamma_r=0.3 * params.gamma_r)  # a contraction: unique x*
    dyn = dynamics_of(params)
    drive = dyn.input_drive(params, I)
    x = np.zeros((1, params.n_units))
    for _ in range(10_000):
        x_new = dyn.fused_step(params, x, drive, 1.0)
        if np.max(np.abs(x_new - x)) == 0.0:
            break
        x = x_new
    residual = float(np.max(np.abs(dyn.rhs(params, x, drive))))
    seq = np.repeat(I[:, None, :], 10, axis=1)
    drift = 0.0
    for solver in SOLVERS:
        # dt = 0.1 keeps the explicit solvers inside their stability region (the conductance
        # form's 1/tau_sys reaches ~15 here: Euler at h = 1/6 would amplify rounding errors).
        _, h = forward(params, seq, h0=x, dt=0.1, solver=solver)
        drift = max(drift, float(np.max(np.abs(h - x[:, None, :]))))
    return residual, drift


def check_solver_orders() -> list[CheckResult]:
    out = []
    for form in ("paper", "conductance"):
        for solver in FIXED_STEP_SOLVERS:
            p = SOLVERS[solver].order
            q = convergence_order(form, solver)
            out.append(
                CheckResult(
                    f"order of {solver} ({form} form)",
                    abs(q - p) <= ORDER_TOLERANCE,
                    f"{q:.3f}",
                    f"|p - {p}| <= {ORDER_TOLERANCE}",
                )
            )
        errs = dopri5_errors(form)
        worst = max(e / r for e, r in zip(errs, (1e-4, 1e-6, 1e-8, 1e-10), strict=True))
        out.append(
            CheckResult(
                f"dopri5 global error / rtol ({form} form)",
                worst <= DOPRI_GLOBAL_ERROR_FACTOR,
                f"{worst:.3g}",
                f"<= {DOPRI_GLOBAL_ERROR_FACTOR}",
                "rtol = 1e-4 … 1e-10",
            )
        )
        q = fused_minus_euler_order(form)
        out.append(
            CheckResult(
                f"fused - euler = O(h^p) ({form} form)",
                abs(q - 2) <= ORDER_TOLERANCE,
                f"{q:.3f}",
                f"|p - 2| <= {ORDER_TOLERANCE}",
            )
        )
    return out


def check_fixed_points() -> list[CheckResult]:
    out = []
    for form in ("paper", "conductance"):
        residual, drift = fixed_point_drift(form)
        out.append(
            CheckResult(
                f"fixed point stays fixed ({form} form)",
                residual <= FIXED_POINT_ATOL and drift <= FIXED_POINT_ATOL,
                f"{drift:.1e}",
                f"<= {FIXED_POINT_ATOL:g}",
                f"|rhs(x*)| = {residual:.1e}; all solvers, T = 10, dt = 0.1",
            )
        )
    return out


__all__ = [
    "DOPRI_GLOBAL_ERROR_FACTOR",
    "FIXED_POINT_ATOL",
    "ORDER_TOLERANCE",
    "check_fixed_points",
    "check_solver_orders",
    "convergence_order",
    "dopri5_errors",
    "fitted_order",
    "fixed_point_drift",
    "fused_minus_euler_order",
]

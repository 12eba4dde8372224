r"""Self-checks of the reference, run by ``ltc-ref verify`` and reused by the test suite.

Each check is a function returning a `CheckResult` (name, pass/fail, the measured figure
and the bound it was held to). The numerical experiments live here, once, so that the command
line report and the tests measure exactly the same thing.

The workhorse is a *frozen-f* problem: with no recurrent synapses ($\gamma_r = 0$, or an
all-zero ``sparsity_mask``) and the input held constant, f no longer depends on the state and
Eq. 1 is linear, $\dot x = -\lambda \odot x + f\odot A$ with
$\lambda = 1/\tau + f$, whose exact solution is

$$
    x(t) = x^* + (x_0 - x^*)\, e^{-\lambda t},\qquad x^* = f \odot A / \lambda.
$$
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .forward import forward
from .model import conductance, dynamics_of, paper
from .model.params import PaperParams, init_paper_params, init_synaptic_params
from .solvers import DormandPrince

# ---- tolerances, each with its reason --------------------------------------------------------

#: A fitted convergence order must lie within this distance of the method's order. The fit is a
#: least-squares slope over step sizes h = Δt/L, L = 16…256: in the asymptotic regime (the local
#: slopes at L = 4…16 still differ from the order by up to 0.5) and, for RK4, with errors
#: (≥ 1e-12) far above float64 round-off. Measured deviations are below 0.06.
ORDER_TOLERANCE = 0.1
#: Dormand–Prince controls the *local* error per unit step; the global error over one unit of
#: time on the frozen-f problem must stay within this multiple of rtol·max|x| (measured: < 1).
DOPRI_GLOBAL_ERROR_FACTOR = 10.0
#: Eq. 1 / Eq. 3 evaluated with the conductance form's (τ, f, A) vs the conductance form itself:
#: the two are algebraically equal and differ only by rounding of a few dozen operations.
FORM_MAPPING_RTOL = 1e-13
#: A fixed point of the ODE is a fixed point of every solver step; drift allowed after T steps
#: is rounding only (the equilibrium is found to ~1e-15 first).
FIXED_POINT_ATOL = 1e-12
#: float32 vs float64 on the same network, T = 50 steps of L = 6 fused sub-steps: float32 unit
#: round-off is 6e-8; the contractive dynamics keep growth small (measured ≈ 1e-6 relative to
#: the state's scale). Bound: ~100 × unit round-off × sqrt(T·L) margin.
FLOAT32_AGREEMENT_RTOL = 1e-4


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


# ---- problems with a closed-form solution --------------------------------------------------


def frozen_f_problem(form: str, *, N=4, C=3, dtype=np.float64, seed=0):
    r"""A network whose f does not depend on the state, with the exact solution.

    Arguments:
        form: ``"paper"`` ($\gamma_r = 0$) or ``"conductance"`` (``sparsity_mask = 0``).

    Returns:
        ``(params, I, x0, exact)`` where ``I`` is ``(1, C)``, ``x0`` is ``(1, N)`` and
        ``exact(t)`` returns the exact state ``(1, N)`` after holding ``I`` for time ``t``.
    """
    rng = np.random.default_rng(seed)
    I = rng.standard_normal((1, C)).astype(dtype)
    if form == "paper":
        params = init_paper_params(C, N, rng, dtype=dtype)
        params = params.replace(
            gamma_r=np.zeros((N, N), dtype), tau=rng.uniform(0.5, 2.0, N).astype(dtype)
        )
        f = paper.f(params, np.zeros((1, N), dtype), paper.input_drive(params, I))
        lam = 1.0 / params.tau + f
        x_star = f * params.A / lam
    elif form == "conductance":
        from .wirings import FullyConnected

        params = init_synaptic_params(FullyConnected(N).build(C), rng, dtype=dtype)
        params = params.replace(sparsity_mask=np.zeros((N, N), dtype))
        s_sum, sE_sum = conductance.input_drive(params, I)
        lam = (params.gleak + s_sum) / params.cm
        x_star = (params.gleak * params.vleak + sE_sum) / (params.gleak + s_sum)
    else:
        raise ValueError(f"form: expected 'paper' or 'conductance', got {form!r}")
    x0 = rng.uniform(-1.0, 1.0, (1, N)).astype(dtype)

    def exact(t):
        return x_star + (x0 - x_star) * np.exp(-lam * t)

    return params, I, x0, exact


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
    params, I, x = random_network(form, seed=seed)
    dyn = dynamics_of(params)
    drive = dyn.input_drive(params, I)
    hs = [2.0**-k for k in range(4, 10)]
    diffs = [
        np.max(np.abs(dyn.fused_step(params, x, drive, h) - (x + h * dyn.rhs(params, x, drive))))
        for h in hs
    ]
    return fitted_order(hs, diffs)


def random_network(form: str, *, N=6, C=3, B=2, dtype=np.float64, seed=0):
    """A random, non-stiff nonlinear network with an input ``(B, C)`` and a state ``(B, N)``.

    The paper form's τ is drawn from U(0.5, 2) rather than |N(0, 1)| so that the explicit
    solvers are stable at Δt/L = 1/6 (a tiny τ makes Euler amplify rounding errors)."""
    rng = np.random.default_rng(seed)
    if form == "paper":
        params = init_paper_params(C, N, rng, dtype=dtype)
        params = params.replace(tau=rng.uniform(0.5, 2.0, N).astype(dtype))
    else:
        from .wirings import FullyConnected

        params = init_synaptic_params(FullyConnected(N, output_dim=2).build(C), rng, dtype=dtype)
    I = rng.standard_normal((B, C)).astype(dtype)
    x = rng.uniform(-0.5, 0.5, (B, N)).astype(dtype)
    return params, I, x


def form_mapping_error(*, seed=0) -> tuple[float, float]:
    """Max relative difference between the conductance form's rhs / fused step and Eq. 1 /
    Eq. 3 evaluated with its (τ, f, A) (SPEC §2). Returns ``(rhs_error, fused_error)``."""
    params, I, v = random_network("conductance", seed=seed)
    drive = conductance.input_drive(params, I)
    tau = conductance.eq1_tau(params)
    f = conductance.eq1_f(params, v, drive)
    A = conductance.eq1_A(params, v, drive)
    eq1 = -(1.0 / tau + f) * v + f * A
    native = conductance.rhs(params, v, drive)
    rhs_err = np.max(np.abs(eq1 - native)) / np.max(np.abs(native))
    fused_err = 0.0
    for dt in (1e-3, 0.1, 1.0, 10.0, 1e4):
        eq3 = (v + dt * f * A) / (1.0 + dt * (1.0 / tau + f))
        nat = conductance.fused_step(params, v, drive, dt)
        fused_err = max(fused_err, np.max(np.abs(eq3 - nat)) / np.max(np.abs(nat)))
    return float(rhs_err), float(fused_err)


def fixed_point_drift(form: str, *, seed=0) -> tuple[float, float]:
    """Find an equilibrium x* of a nonlinear network with a held input (iterate the fused map,
    whose fixed points are exactly the ODE's equilibria for every h), then run every solver for
    T = 10 input steps of dt = 0.1 from x*. Returns ``(|rhs(x*)|, max drift over the solvers)``."""
    params, I, _ = random_network(form, B=1, seed=seed)
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
    for solver in ("fused", "euler", "rk4", "dopri5"):
        # dt = 0.1 keeps the explicit solvers inside their stability region (the conductance
        # form's 1/tau_sys reaches ~15 here: Euler at h = 1/6 would amplify rounding errors).
        _, h = forward(params, seq, h0=x, dt=0.1, solver=solver)
        drift = max(drift, float(np.max(np.abs(h - x[:, None, :]))))
    return residual, drift


def float32_agreement(form: str, *, seed=0) -> float:
    """Max |h32 - h64| / max|h64| over a T = 50 sequence, fused solver, L = 6."""
    params, _, _ = random_network(form, seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((2, 50, params.n_inputs))
    _, h64 = forward(params, x)
    _, h32 = forward(params.astype(np.float32), x.astype(np.float32))
    return float(np.max(np.abs(h32 - h64)) / np.max(np.abs(h64)))


# ---- the checks ------------------------------------------------------------------------------

NOMINAL_ORDER = {"fused": 1, "euler": 1, "rk4": 4}


def check_solver_orders() -> list[CheckResult]:
    out = []
    for form in ("paper", "conductance"):
        for solver, p in NOMINAL_ORDER.items():
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


def check_form_mapping() -> list[CheckResult]:
    rhs_err, fused_err = form_mapping_error()
    return [
        CheckResult(
            "Eq. 1 with (tau, f, A) = conductance rhs",
            rhs_err <= FORM_MAPPING_RTOL,
            f"{rhs_err:.2e}",
            f"<= {FORM_MAPPING_RTOL:g}",
        ),
        CheckResult(
            "Eq. 3 with (tau, f, A) = conductance fused step",
            fused_err <= FORM_MAPPING_RTOL,
            f"{fused_err:.2e}",
            f"<= {FORM_MAPPING_RTOL:g}",
            "dt = 1e-3 … 1e4",
        ),
    ]


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


def check_float32() -> list[CheckResult]:
    out = []
    for form in ("paper", "conductance"):
        err = float32_agreement(form)
        out.append(
            CheckResult(
                f"float32 vs float64 ({form} form)",
                err <= FLOAT32_AGREEMENT_RTOL,
                f"{err:.1e}",
                f"<= {FLOAT32_AGREEMENT_RTOL:g}",
                "T = 50, fused, L = 6",
            )
        )
    return out


def check_error_handling() -> list[CheckResult]:
    from ._invalid_calls import INVALID_CALLS, run_invalid_call

    failures = []
    for case in INVALID_CALLS:
        problem = run_invalid_call(case)
        if problem:
            failures.append(f"{case.name}: {problem}")
    return [
        CheckResult(
            "invalid arguments raise a named error",
            not failures,
            f"{len(INVALID_CALLS) - len(failures)}/{len(INVALID_CALLS)}",
            "all",
            "; ".join(failures[:3]),
        )
    ]


#: The sections of ``ltc-ref verify``, in order: the core's, then each subsystem's
#: ``verify_sections()``.
SECTIONS: list[tuple[str, Callable[[], list[CheckResult]]]] = [
    ("solver convergence", check_solver_orders),
    ("conductance form = Eq. 1", check_form_mapping),
    ("fixed points", check_fixed_points),
    ("float32 vs float64", check_float32),
    ("input validation", check_error_handling),
]


def _subsystem_sections():
    from .data.checks import verify_sections as data
    from .gradients.checks import verify_sections as gradients
    from .kernels import verify_sections as kernels
    from .testing.golden import verify_sections as golden
    from .theory import verify_sections as theory
    from .training.checks import verify_sections as training

    return [*gradients(), *kernels(), *theory(), *golden(), *data(), *training()]


SECTIONS += _subsystem_sections()


def run_all(sections=None, *, stream=None) -> bool:
    """Run the checks, print a report to ``stream`` (stdout by default); return True if all
    passed."""
    import sys

    stream = stream or sys.stdout
    sections = SECTIONS if sections is None else sections
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


def main(argv=None) -> int:
    """``ltc-ref verify``: run every section and print the report; exit code 0 if all pass."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="ltc-ref verify", description="Check the reference against itself."
    )
    parser.parse_args(argv)
    return 0 if run_all() else 1


__all__ = ["SECTIONS", "CheckResult", "main", "run_all"]

"""The gradient section of ``ltc-ref verify``: hand-written BPTT vs autograd on a few default
cases per solver and form, and one central-difference check."""

from __future__ import annotations

import numpy as np

#: Hand-written BPTT vs autograd of the specification: both exact, they differ by rounding
#: only (measured below 1e-14); 1e-10 is the bound of the gradients issue.
AUTOGRAD_RTOL = 1e-10


def default_case(form: str, *, seed=0):
    """A small, well-conditioned case: ``(params, x, h0, dt, g_y, g_h)`` with irregular
    per-sample dt, non-trivial input/output maps (conductance) and τ in U(0.5, 2) (paper)."""
    import ltc_ref

    rng = np.random.default_rng(seed)
    B, T, C = 2, 5, 3
    if form == "paper":
        params = ltc_ref.init_paper_params(C, 5, rng, activation="tanh")
        params = params.replace(tau=rng.uniform(0.5, 2.0, 5))
    else:
        wiring = ltc_ref.NCP(3, 2, 2, 2, 2, 1, 2).build(C)
        params = ltc_ref.init_synaptic_params(wiring, rng)
        M = params.n_outputs
        params = params.replace(
            input_w=rng.uniform(0.5, 2.0, C),
            input_b=rng.normal(0, 0.3, C),
            output_w=rng.normal(size=M),
            output_b=rng.normal(size=M),
        )
    x = rng.standard_normal((B, T, C))
    h0 = rng.uniform(-0.5, 0.5, (B, params.n_units))
    dt = rng.uniform(0.2, 1.2, (B, T))
    g_y = rng.standard_normal((B, T, params.n_outputs))
    g_h = rng.standard_normal((B, T, params.n_units))
    return params, x, h0, dt, g_y, g_h


def max_rel_error(ref, mine) -> float:
    """Largest relative error over the four cotangents (parameters per field, x, h0, dt)."""
    pairs = [(getattr(ref[0], k), getattr(mine[0], k)) for k in ref[0]._ARRAY_FIELDS]
    pairs += list(zip(ref[1:], mine[1:], strict=True))
    worst = 0.0
    for a, b in pairs:
        a, b = np.asarray(a, float), np.asarray(b, float)
        scale = np.max(np.abs(a)) if a.size else 0.0
        if scale > 0:
            worst = max(worst, float(np.max(np.abs(a - b)) / scale))
    return worst


def check_bptt_vs_autograd():
    import ltc_ref
    from ltc_ref.testing import autograd_vjp

    from ..verify import CheckResult

    out = []
    for solver in ("fused", "euler", "rk4"):
        worst = 0.0
        for form in ("paper", "conductance"):
            params, x, h0, dt, g_y, g_h = default_case(form)
            kw = dict(
                h0=h0, dt=dt, unfolds=3, solver=solver, epsilon=1e-3 if solver == "fused" else 0.0
            )
            worst = max(
                worst,
                max_rel_error(
                    autograd_vjp(params, x, g_y, g_h=g_h, **kw),
                    ltc_ref.vjp(params, x, g_y, g_h=g_h, **kw),
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
    from ..testing import FD_RTOL, check_forward_vjp
    from ..verify import CheckResult

    params, x, h0, dt, _, _ = default_case("conductance", seed=1)
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


def verify_sections():
    """Sections contributed to ``ltc-ref verify``."""
    return [
        ("gradients: BPTT vs autograd", check_bptt_vs_autograd),
        ("gradients: BPTT vs finite differences", check_bptt_vs_finite_differences),
    ]

"""``ltc-ref verify``: the model. The conductance form equals Eq. 1 and Eq. 3 with its (τ, f, A)
(the paper's Eq. 1 and 3; docs/model.md), and float32 follows float64."""

from __future__ import annotations

import numpy as np

from ..forward import forward
from ..model import conductance
from .networks import nonstiff_network
from .report import CheckResult

# ---- tolerances, each with its reason --------------------------------------------------------

#: Eq. 1 / Eq. 3 evaluated with the conductance form's (τ, f, A) vs the conductance form itself:
#: the two are algebraically equal and differ only by rounding of a few dozen operations.
FORM_MAPPING_RTOL = 1e-13
#: float32 vs float64 on the same network, T = 50 steps of L = 6 fused sub-steps: float32 unit
#: round-off is 6e-8; the contractive dynamics keep growth small (measured ≈ 1e-6 relative to
#: the state's scale). Bound: ~100 × unit round-off × sqrt(T·L) margin.
FLOAT32_AGREEMENT_RTOL = 1e-4


def form_mapping_error(*, seed=0) -> tuple[float, float]:
    """Max relative difference between the conductance form's rhs / fused step and Eq. 1 /
    Eq. 3 evaluated with its (τ, f, A) (docs/model.md). Returns ``(rhs_error, fused_error)``."""
    params, I, v = nonstiff_network("conductance", seed=seed)
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


def float32_agreement(form: str, *, seed=0) -> float:
    """Max |h32 - h64| / max|h64| over a T = 50 sequence, fused solver, L = 6."""
    params, _, _ = nonstiff_network(form, seed=seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((2, 50, params.n_inputs))
    _, h64 = forward(params, x)
    _, h32 = forward(params.astype(np.float32), x.astype(np.float32))
    return float(np.max(np.abs(h32 - h64)) / np.max(np.abs(h64)))


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


__all__ = [
    "FLOAT32_AGREEMENT_RTOL",
    "FORM_MAPPING_RTOL",
    "check_float32",
    "check_form_mapping",
    "float32_agreement",
    "form_mapping_error",
]

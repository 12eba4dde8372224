"""``ltc-ref verify``: Theorems 1 and 2 (the bounds of `ltc_ref.theory`) on random stiff networks,
the discrete form for the fused step, explicit Euler's counterexample, and the continuous form
along Dormand–Prince solutions."""

from __future__ import annotations

import numpy as np

from ..model import dynamics_of
from ..theory import (
    VERIFY_RTOL,
    continuous_worst_excess,
    distance_outside,
    euler_counterexample,
    fused_worst_excess,
    state_interval,
)
from .networks import stiff_network
from .report import CheckResult

#: Continuous-time check: the allowance for the integration's global error (with the default
#: rtol 1e-10 the global error is <= 10 × rtol per unit time; horizon <= 5 → 5e-9, ×2).
CONTINUOUS_ALLOWANCE = 1e-8
#: Random cases of the discrete bound checked by ``ltc-ref verify`` (each: one network, three
#: initial states, 10 fused steps with Δt from 1e-6 to 1e6; half in float32).
VERIFY_DISCRETE_CASES = 300


def check_discrete():
    """Theorem 2, discrete: every fused step of random stiff networks stays in the hull."""
    rng = np.random.default_rng(20210204)
    out = []
    for dtype in (np.float64, np.float32):
        worst, n_cases = 0.0, 0
        for case in range(VERIFY_DISCRETE_CASES // 2):
            form = ("paper", "conductance")[case % 2]
            params = stiff_network(form, rng, dtype)
            B, T = 3, 10
            x0 = rng.uniform(-3, 3, (B, params.n_units)).astype(dtype)
            inputs = rng.normal(0, 3, (T, B, params.n_inputs)).astype(dtype)
            dts = 10.0 ** rng.uniform(-6, 6, T)
            dts[-1] = 1e6  # the extreme the theorem is about
            eps = float(rng.choice([0.0, 1e-8]))
            worst = max(worst, fused_worst_excess(params, x0, inputs, dts, eps)[0])
            n_cases += 1
        name = np.dtype(dtype).name
        out.append(
            CheckResult(
                f"Thm 2: fused step stays in the hull ({name})",
                worst <= 1.0,
                f"{worst:.2g}",
                "excess / rounding allowance <= 1",
                f"{n_cases} networks x 3 states x 10 steps, dt 1e-6…1e6, both forms",
            )
        )
    return out


def check_euler_counterexample():
    """Explicit Euler has no such bound: the documented one-neuron counterexamples."""
    out = []
    for form in ("paper", "conductance"):
        params, x0, I, dt = euler_counterexample(form)
        dyn = dynamics_of(params)
        drive = dyn.input_drive(params, I)
        lo, hi = state_interval(params, x0)
        x_euler = x0 + dt * dyn.rhs(params, x0, drive)
        x_fused = dyn.fused_step(params, x0, drive, dt)
        euler_out = float(distance_outside(x_euler, (lo, hi)).max())
        fused_out = float(distance_outside(x_fused, (lo, hi)).max())
        out.append(
            CheckResult(
                f"Thm 2: explicit Euler leaves the hull ({form})",
                euler_out > 0 and fused_out == 0,
                f"{x_euler.item():+.3g}",
                f"outside [{lo.item():g}, {hi.item():g}]",
                f"dt = 1, one neuron; the fused step gives {x_fused.item():.3g}",
                counterexample=True,
            )
        )
    return out


def check_continuous():
    """Theorems 1 and 2 along accurate Dormand–Prince solutions."""
    out = []
    rng = np.random.default_rng(7)
    for form in ("paper", "conductance"):
        params = stiff_network(form, rng)
        # Moderate magnitudes: the explicit integrator's cost grows with the stiffness.
        if form == "paper":
            params = params.replace(tau=rng.uniform(0.2, 3.0, params.n_units), activation="sigmoid")
        else:
            params = params.replace(
                w=rng.uniform(0.1, 3.0, params.w.shape),
                sensory_w=rng.uniform(0.1, 3.0, params.sensory_w.shape),
                gleak=rng.uniform(0.1, 1.0, params.n_units),
                cm=rng.uniform(0.3, 1.0, params.n_units),
            )
        x0 = rng.uniform(-2, 2, params.n_units)
        amp, omega = rng.uniform(0, 3, params.n_inputs), rng.uniform(0.5, 5, params.n_inputs)
        s_exc, t_exc, n_acc = continuous_worst_excess(
            params, x0, lambda t, a=amp, w=omega: a * np.sin(w * t), 3.0
        )
        out.append(
            CheckResult(
                f"Thms 1-2 along a dopri5 solution ({form})",
                s_exc <= CONTINUOUS_ALLOWANCE and t_exc <= CONTINUOUS_ALLOWANCE,
                f"{max(s_exc, t_exc):.1e}",
                f"<= {CONTINUOUS_ALLOWANCE:g} (integration error)",
                f"{n_acc} steps + 200 dense points, rtol {VERIFY_RTOL:g}",
            )
        )
    return out


__all__ = [
    "CONTINUOUS_ALLOWANCE",
    "VERIFY_DISCRETE_CASES",
    "check_continuous",
    "check_discrete",
    "check_euler_counterexample",
]

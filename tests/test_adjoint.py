"""The continuous adjoint method: it converges to the continuous gradient on a non-stiff network
and loses accuracy on a stiff one (the paper's Table 1 claim), while BPTT stays exact."""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref.gradients.adjoint import adjoint_vjp
from ltc_ref.testing import flatten_all

from .gradcases import make_case, rel_error

#: Continuous-gradient reference: BPTT through RK4 with 400 sub-steps per input step (error
#: O(h^4) ~ 1e-10 for these non-stiff cases; measured vs 800 sub-steps: < 1e-11).
REF_UNFOLDS = 400
#: Tight Dormand–Prince adjoint (rtol 1e-10) vs that reference: measured 7e-9 (conductance) and
#: 3e-11 (paper); the bound leaves a factor ~100 for the integrator's tolerance-proportional error.
DOPRI_ADJOINT_RTOL = 1e-6


@pytest.mark.parametrize("form", ["paper-tanh", "conductance-ncp"])
def test_adjoint_converges_to_the_continuous_gradient(form):
    p, x, h0, dt, g_y, g_h = make_case(form, seed=3)
    ref = ltc_ref.vjp(p, x, g_y, g_h=g_h, h0=h0, dt=dt, solver="rk4", unfolds=REF_UNFOLDS)
    ad = adjoint_vjp(p, x, g_y, g_h=g_h, h0=h0, dt=dt, method="dopri5", rtol=1e-10, atol=1e-12)
    assert rel_error(flatten_all(ref[0]), flatten_all(ad[0])) <= DOPRI_ADJOINT_RTOL
    for a, b in zip(ref[1:], ad[1:], strict=True):
        assert rel_error(a, b) <= DOPRI_ADJOINT_RTOL
    assert np.shape(ad[3]) == np.shape(dt)


def test_adjoint_rk4_error_shrinks_with_the_step():
    """Fourth order: 4x more steps shrink the error vs the exact discrete gradient by ~256x."""
    p, x, h0, dt, g_y, _ = make_case("paper-tanh", seed=3)
    errs = []
    for L in (6, 24):
        bptt = ltc_ref.vjp(p, x, g_y, h0=h0, dt=dt, solver="rk4", unfolds=L)[0]
        errs.append(
            rel_error(
                flatten_all(bptt),
                flatten_all(adjoint_vjp(p, x, g_y, h0=h0, dt=dt, method="rk4", steps=L)[0]),
            )
        )
    assert errs[1] < errs[0] / 100


def test_stiffness_breaks_the_backward_reconstruction():
    """Re-integrating the state backwards amplifies errors like exp(Δt/τ_sys) per input step.
    With ncps's initial ranges (N = 8, fully connected, Δt = 1) the reconstructed h0 is already
    useless after 5 steps; 10x larger capacitances (10x slower dynamics) make it accurate, and
    the error grows monotonically with stiffness. BPTT stores the states and has no such error."""
    rng = np.random.default_rng(0)
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(8, output_dim=2).build(3), rng)
    x = rng.standard_normal((2, 5, 3))
    g_y = rng.standard_normal((2, 5, 2))
    errors = []
    for cm_scale in (10.0, 3.0, 1.0):
        with np.errstate(all="ignore"):
            *_, stats = adjoint_vjp(
                p.replace(cm=p.cm * cm_scale), x, g_y, method="rk4", steps=6, return_stats=True
            )
        errors.append(stats["h0_reconstruction_error"])
    assert errors[0] < 1e-5  # measured 6e-7
    assert errors[2] > 1e6  # measured 1e13
    assert errors[0] < errors[1] < errors[2]


def test_adjoint_validates():
    p, x, h0, dt, g_y, _ = make_case("paper-tanh")
    with pytest.raises(ValueError, match="method: expected one of"):
        adjoint_vjp(p, x, g_y, method="euler")
    with pytest.raises(ValueError, match="steps: expected an integer >= 1"):
        adjoint_vjp(p, x, g_y, steps=0)
    with pytest.raises(ValueError, match="g_y: expected shape"):
        adjoint_vjp(p, x, g_y[:, :2])

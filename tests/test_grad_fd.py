"""Check (b): the hand-written BPTT against central finite differences along random directions,
$\\langle u, \\mathrm{VJP}(v)\\rangle$ vs $\\langle v, J u\\rangle_{fd}$, jointly in every parameter
field, the inputs, h0 and dt. Step and tolerance: `ltc_ref.testing.FD_STEP` (1e-6) and `FD_RTOL`
(1e-6), justified in `ltc_ref.testing.gradcheck` (measured errors ~1e-10)."""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref.testing import FD_RTOL, check_forward_vjp, check_vjp

from .gradcases import FORMS, SOLVERS, make_case


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("form", FORMS)
def test_vjp_matches_central_differences(form, solver):
    params, x, h0, dt, _, _ = make_case(form, seed=7)
    eps = 1e-3 if solver == "fused" else 0.0
    result = check_forward_vjp(params, x, h0=h0, dt=dt, unfolds=3, solver=solver, epsilon=eps)
    assert result.passed and result.max_rel_error <= FD_RTOL


def test_check_vjp_catches_a_wrong_vjp():
    """The checker must fail on a VJP that is off by a small relative amount (1e-4)."""
    params, x, h0, dt, _, _ = make_case("conductance-ncp", seed=1)

    def slightly_wrong(*args, **kwargs):
        gp, gx, gh0, gdt = ltc_ref.vjp(*args, **kwargs)
        return gp, gx * (1 + 1e-4), gh0, gdt

    with pytest.raises(AssertionError, match="VJP disagrees with central differences"):
        check_forward_vjp(params, x, h0=h0, dt=dt, unfolds=2, vjp_fn=slightly_wrong)


def test_check_vjp_on_a_known_function():
    A = np.random.default_rng(0).standard_normal((3, 4))

    def fun(z):
        return np.tanh(A @ z)

    def vjp(z, v):
        return A.T @ (v * (1 - np.tanh(A @ z) ** 2))

    z = np.ones(4)
    assert check_vjp(fun, z, vjp).max_rel_error < 1e-9
    result = check_vjp(fun, z, lambda z, v: vjp(z, v) + 1e-3, raises=False)
    assert not result.passed

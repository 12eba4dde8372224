"""Numerics of the solvers, against the frozen-f problem's closed-form solution
(`ltc_ref.verify.solvers`)."""

from __future__ import annotations

import numpy as np
import pytest

import ltc_ref
from ltc_ref import dopri5
from ltc_ref.solvers import FIXED_STEP_SOLVERS, SOLVERS, DormandPrince
from ltc_ref.verify import model as verify_model
from ltc_ref.verify import solvers as verify
from ltc_ref.verify.networks import nonstiff_network

FORMS = ("paper", "conductance")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("solver", FIXED_STEP_SOLVERS)
def test_fixed_step_convergence_order(form, solver):
    """Fused and Euler converge with order 1, RK4 with order 4 (log-log fit)."""
    order = verify.convergence_order(form, solver)
    assert abs(order - SOLVERS[solver].order) <= verify.ORDER_TOLERANCE


@pytest.mark.parametrize("form", FORMS)
def test_dopri5_reaches_its_tolerance(form):
    rtols = (1e-4, 1e-6, 1e-8, 1e-10)
    errors = verify.dopri5_errors(form, rtols)
    for err, rtol in zip(errors, rtols, strict=True):
        assert err <= verify.DOPRI_GLOBAL_ERROR_FACTOR * rtol
    assert errors[-1] < errors[0] * 1e-4  # tightening the tolerance really helps


@pytest.mark.parametrize("form", FORMS)
def test_fused_is_euler_plus_second_order(form):
    assert abs(verify.fused_minus_euler_order(form) - 2) <= verify.ORDER_TOLERANCE


@pytest.mark.parametrize("form", FORMS)
def test_fixed_point_stays_fixed(form):
    residual, drift = verify.fixed_point_drift(form)
    assert residual <= verify.FIXED_POINT_ATOL
    assert drift <= verify.FIXED_POINT_ATOL


@pytest.mark.parametrize("form", FORMS)
def test_float32_agrees_with_float64(form):
    assert verify_model.float32_agreement(form) <= verify_model.FLOAT32_AGREEMENT_RTOL


def test_dopri5_tableau_is_consistent():
    from ltc_ref.solvers import dormand_prince as d

    for i, row in enumerate(d.A):
        assert abs(sum(row) - d.C[i]) < 1e-15  # row sums are the nodes
    assert abs(d.B5.sum() - 1) < 1e-15 and abs(d.B4.sum() - 1) < 1e-15
    np.testing.assert_allclose(d.P.sum(axis=1), d.B5, atol=1e-15)  # dense output hits y1


def test_dopri5_dense_output_is_fourth_order():
    """One step of length h on y' = -y: the dense output's error at mid-step shrinks like h^5
    (a fourth-order interpolant), and it reproduces both ends of the step."""
    errs, hs = [], [0.4, 0.2, 0.1, 0.05]
    for h in hs:
        sol = dopri5(lambda t, y: -y, (0.0, h), np.array([1.0]), first_step=h,
                     rtol=1e3, atol=1e3, dense=True)  # fmt: skip
        assert sol.n_accepted == 1
        errs.append(abs(sol(h / 2)[0] - np.exp(-h / 2)))
        np.testing.assert_allclose(sol(sol.t)[:, 0], sol.y[:, 0], rtol=1e-15)
    assert verify.fitted_order(hs, errs) >= 4.8


def test_dopri5_counts_steps_and_rejections():
    """A stiff linear problem forces rejections; the counts add up."""
    sol = dopri5(lambda t, y: -50.0 * (y - np.cos(t)), (0.0, 3.0), np.array([2.0]),
                 rtol=1e-6, atol=1e-9, first_step=1.0)  # fmt: skip
    assert sol.n_rejected >= 1
    assert sol.n_accepted == len(sol.t) - 1
    assert sol.t[-1] == 3.0
    assert sol.n_fev == 1 + 6 * (sol.n_accepted + sol.n_rejected)


def test_dopri5_errors():
    with pytest.raises(ValueError, match="t_span"):
        dopri5(lambda t, y: y, (1.0, 0.0), np.ones(1))
    with pytest.raises(ValueError, match="rtol, atol"):
        dopri5(lambda t, y: y, (0.0, 1.0), np.ones(1), rtol=0.0)
    with pytest.raises(RuntimeError, match="max_steps"):
        dopri5(lambda t, y: -1e6 * y, (0.0, 1.0), np.ones(1), max_steps=5)
    sol = dopri5(lambda t, y: -y, (0.0, 1.0), np.ones(1))
    with pytest.raises(ValueError, match="dense output needs"):
        sol(0.5)
    sol = dopri5(lambda t, y: -y, (0.0, 1.0), np.ones(1), dense=True)
    with pytest.raises(ValueError, match="t: expected values inside"):
        sol(1.5)


def test_dormand_prince_per_sample_dt_equals_separate_runs(rng):
    """The rescaled-time batch integration gives each sample its own elapsed time."""
    params, _, _ = nonstiff_network("conductance", seed=2)
    x = rng.standard_normal((2, 3, params.n_inputs))
    dt = np.array([[0.5, 1.0, 2.0], [0.1, 0.3, 4.0]])
    solver = DormandPrince(rtol=1e-10, atol=1e-12)
    _, h = ltc_ref.forward(params, x, dt=dt, solver=solver)
    for b in range(2):
        _, hb = ltc_ref.forward(params, x[b], dt=dt[b], solver=solver)
        np.testing.assert_allclose(h[b], hb, rtol=1e-8, atol=1e-10)


def test_solver_registry_names():
    assert sorted(SOLVERS) == ["dopri5", "euler", "fused", "rk4"]
    assert all(SOLVERS[name].name == name for name in SOLVERS)

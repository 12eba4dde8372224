"""The vectorised specification (Eq. 1, Eq. 3, the conductance form) against the naive
one-neuron-at-a-time version in ``tests/naive.py``, and the conductance form as an instance of
Eq. 1 (SPEC §2)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import ltc_ref
from ltc_ref import conductance, paper
from ltc_ref.model.params import ACTIVATIONS
from ltc_ref.verify import model as verify_model
from ltc_ref.verify.networks import nonstiff_network

from . import naive

#: Vectorised and naive code sum in different orders; in float64 the results agree to a few ulp
#: of the largest term (N ≤ 8 terms of size ≤ ~10).
NAIVE_RTOL = 1e-13


def _nested(p):
    """The container with nested Python lists, for the naive code."""
    return type(
        "P",
        (),
        {k: getattr(p, k).tolist() for k in p.ARRAY_FIELDS}
        | ({"activation": p.activation} if hasattr(p, "activation") else {}),
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_paper_rhs_and_fused_step_match_naive(rng, activation):
    p = ltc_ref.init_paper_params(3, 5, rng, activation=activation)
    x, I = rng.standard_normal(5), rng.standard_normal(3)
    drive = paper.input_drive(p, I)
    q = _nested(p)
    np.testing.assert_allclose(paper.rhs(p, x, drive), naive.paper_rhs(q, x, I), rtol=NAIVE_RTOL)
    for dt, eps in [(0.1, 0.0), (3.0, 0.0), (0.5, 1e-3)]:
        np.testing.assert_allclose(
            paper.fused_step(p, x, drive, dt, eps),
            naive.paper_fused(q, x, I, dt, eps),
            rtol=NAIVE_RTOL,
        )


def test_conductance_rhs_and_fused_step_match_naive(rng):
    wiring = ltc_ref.NCP(3, 2, 2, 2, 2, 1, 2).build(3)
    p = ltc_ref.init_synaptic_params(wiring, rng)
    p = p.replace(input_w=rng.uniform(0.5, 2, 3), input_b=rng.normal(size=3))
    v, I = rng.uniform(-1, 1, p.n_units), rng.standard_normal(3)
    drive = conductance.input_drive(p, I)
    q = _nested(p)
    np.testing.assert_allclose(
        conductance.rhs(p, v, drive), naive.conductance_rhs(q, v, I), rtol=NAIVE_RTOL
    )
    for dt, eps in [(0.1, 0.0), (5.0, 0.0), (1.0, 1e-8)]:
        np.testing.assert_allclose(
            conductance.fused_step(p, v, drive, dt, eps),
            naive.conductance_fused(q, v, I, dt, eps),
            rtol=NAIVE_RTOL,
        )
    np.testing.assert_allclose(conductance.output(p, v), naive.conductance_output(q, v))


def test_conductance_form_is_an_instance_of_eq1():
    """SPEC §2: Eq. 1 and Eq. 3 with the conductance form's (τ, f, A) are the conductance form's
    right-hand side and fused step."""
    rhs_err, fused_err = verify_model.form_mapping_error()
    assert rhs_err <= verify_model.FORM_MAPPING_RTOL
    assert fused_err <= verify_model.FORM_MAPPING_RTOL


def test_form_mapping_tau_sys(rng):
    """τ_sys of the conductance form equals τ/(1 + τ f) with its (τ, f)."""
    params, I, v = nonstiff_network("conductance", seed=3)
    drive = conductance.input_drive(params, I)
    tau, f = conductance.eq1_tau(params), conductance.eq1_f(params, v, drive)
    np.testing.assert_allclose(
        conductance.tau_sys(params, v, drive), tau / (1 + tau * f), rtol=NAIVE_RTOL
    )


def test_eq1_A_undefined_without_synapses(rng):
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), rng)
    p = p.replace(sparsity_mask=np.zeros((3, 3)), sensory_sparsity_mask=np.zeros((2, 3)))
    drive = conductance.input_drive(p, np.zeros(2))
    with pytest.raises(ValueError, match="A is undefined where f = 0"):
        conductance.eq1_A(p, np.zeros(3), drive)


def test_sigmoid_saturates_without_overflow():
    z = np.array([-1e4, -800.0, -745.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = paper.sigmoid(z)
        s32 = paper.sigmoid(z.astype(np.float32))
    assert s32.dtype == np.float32
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    np.testing.assert_allclose(s[3], np.exp(-30.0) / (1 + np.exp(-30.0)), rtol=1e-15)


def test_paper_tau_sys_formula(rng):
    p = ltc_ref.init_paper_params(2, 4, rng)
    x, I = rng.standard_normal(4), rng.standard_normal(2)
    drive = paper.input_drive(p, I)
    f = paper.f(p, x, drive)
    np.testing.assert_allclose(paper.tau_sys(p, x, drive), p.tau / (1 + p.tau * f))
    assert np.all(paper.tau_sys(p, x, drive) <= p.tau)  # sigmoid f >= 0 (Theorem 1's bound)


def test_dynamics_of_rejects_other_types():
    with pytest.raises(TypeError, match="params: expected"):
        ltc_ref.model.dynamics_of(object())

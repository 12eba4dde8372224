"""Exact values and documented properties of the specification (``ltc_ref.model.paper`` and
``.conductance``) that the mutation check (``scripts/mutation.py --target model``) showed the
other tests did not pin down.

Each test states the property it checks; the expected values come from SPEC.md (§1–3), the
docstrings and autograd, never from the code under test.
"""

from __future__ import annotations

import math
import warnings

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import ltc_ref
from ltc_ref import conductance, paper
from ltc_ref.model.params import ACTIVATIONS

#: Hand formulas in Python floats against the vectorised NumPy code: a few ulp.
EXACT_RTOL = 1e-14
#: Inner products and outer-product sums of ≤ 24 terms in two summation orders: a few ulp of
#: the largest term.
SUM_RTOL = 1e-13
SUM_ATOL = 1e-13
#: Hand-written VJPs against autograd on the same float64 expressions, summed in other orders.
AUTOGRAD_RTOL = 1e-11
#: Absolute floor of the same comparison, for entries that cancel to ~0.
AUTOGRAD_ATOL = 1e-13

#: Two leading batch axes: the docstrings promise ``(..., N)`` shapes, not only ``(B, N)``.
LEAD = (2, 3)


def _one_neuron(tau=2.0, A=0.7, mu=0.3, activation="sigmoid"):
    """N = 1, C = 1, gamma = gamma_r = 0: f = act(mu) does not depend on x or I."""
    return ltc_ref.PaperParams(
        tau=[tau], A=[A], gamma=[[0.0]], gamma_r=[[0.0]], mu=[mu], activation=activation
    )


def test_fused_step_one_neuron_by_hand():
    """Eq. 3 with f = σ(μ) held fixed: x' = (x + Δt f A) / (1 + Δt (1/τ + f) + ε); the default
    ε is the paper's 0."""
    p = _one_neuron()
    f = 1.0 / (1.0 + math.exp(-0.3))
    drive = paper.input_drive(p, np.array([[1.0]]))
    for x, dt, eps in [(0.5, 0.1, 0.0), (-1.0, 2.0, 0.0), (0.2, 0.5, 1e-3)]:
        want = (x + dt * f * 0.7) / (1.0 + dt * (1.0 / 2.0 + f) + eps)
        got = paper.fused_step(p, np.array([[x]]), drive, dt, eps)
        np.testing.assert_allclose(got, [[want]], rtol=EXACT_RTOL)
    x, dt = 0.5, 0.1
    want = (x + dt * f * 0.7) / (1.0 + dt * (1.0 / 2.0 + f))
    np.testing.assert_allclose(
        paper.fused_step(p, np.array([[x]]), drive, dt), [[want]], rtol=EXACT_RTOL
    )


def test_conductance_fused_step_default_epsilon_is_zero(rng):
    """ncps adds ε = 1e-8; the specification's default is ε = 0 (SPEC §3)."""
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), rng)
    v, I = rng.uniform(-1, 1, (2, 3)), rng.standard_normal((2, 2))
    drive = conductance.input_drive(p, I)
    np.testing.assert_array_equal(
        conductance.fused_step(p, v, drive, 0.5), conductance.fused_step(p, v, drive, 0.5, 0.0)
    )


def test_activation_derivative_at_the_kinks_is_zero():
    """The docstring's convention: at ReLU's kink z = 0 and hard-tanh's kinks z = ±1 the
    one-sided value 0 is used."""
    z = np.array([0.0])
    np.testing.assert_array_equal(paper.activation_derivative("relu", z, paper.relu(z)), 0.0)
    z = np.array([-1.0, 1.0])
    np.testing.assert_array_equal(
        paper.activation_derivative("hard_tanh", z, paper.hard_tanh(z)), 0.0
    )
    inside = np.array([-0.5, 0.5])
    np.testing.assert_array_equal(
        paper.activation_derivative("hard_tanh", inside, paper.hard_tanh(inside)), 1.0
    )


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_keeps_float32(name):
    """act'(z) has the dtype of a = act(z): float32 cotangents stay float32."""
    z = np.linspace(-2, 2, 9, dtype=np.float32)
    a = paper.ACTIVATION_FUNCTIONS[name](z)
    assert paper.activation_derivative(name, z, a).dtype == np.float32


def test_activation_derivative_rejects_unknown_names():
    expected = (
        r"^activation: expected one of \['hard_tanh', 'relu', 'sigmoid', 'tanh'\], got 'erf'$"
    )
    with pytest.raises(ValueError, match=expected):
        paper.activation_derivative("erf", np.zeros(2), np.zeros(2))


def test_dynamics_of_names_the_rejected_type():
    with pytest.raises(TypeError, match=r"^params: expected ltc_ref\.PaperParams .*, got dict$"):
        ltc_ref.model.dynamics_of({})


def test_eq1_A_error_message():
    """eq1_A refuses f = 0 with a message that says why."""
    p = ltc_ref.init_synaptic_params(ltc_ref.FullyConnected(3).build(2), np.random.default_rng(0))
    p = p.replace(sparsity_mask=np.zeros((3, 3)), sensory_sparsity_mask=np.zeros((2, 3)))
    drive = conductance.input_drive(p, np.zeros(2))
    expected = (
        r"^eq1_A: A is undefined where f = 0 \(no synaptic conductance onto a neuron\); "
        r"the conductance form is then not an instance of Eq\. 1 with finite A$"
    )
    with pytest.raises(ValueError, match=expected):
        conductance.eq1_A(p, np.zeros(3), drive)


# --------------------------------------------------------------------------------------------
# Broadcasting helpers: reduce_to and sum_outer are the adjoints of broadcasting and of a @ W
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("g_shape", "like_shape"),
    [
        ((3, 4), ()),
        ((3, 4), (3, 4)),
        ((3, 4), (4,)),
        ((3, 4), (3, 1)),
        ((2, 2), (2, 1)),
        ((2, 3, 4), (3, 1)),
        ((2, 3, 4), (1, 4)),
        ((2, 3, 4), (2, 1, 1)),
    ],
)
def test_reduce_to_is_the_adjoint_of_broadcasting(rng, g_shape, like_shape):
    """For u of ``like``'s shape and B(u) its broadcast to g's shape, reduce_to is B's adjoint:
    ⟨reduce_to(g, like), u⟩ = ⟨g, B(u)⟩ for every u, and it has ``like``'s shape."""
    g = rng.standard_normal(g_shape)
    like = np.zeros(like_shape) if like_shape else 0.0
    r = paper.reduce_to(g, like)
    assert np.shape(r) == like_shape
    for _ in range(3):
        u = rng.standard_normal(like_shape)
        lhs = float(np.sum(np.asarray(r) * u))
        rhs = float(np.sum(g * np.broadcast_to(u, g_shape)))
        assert math.isclose(lhs, rhs, rel_tol=SUM_RTOL, abs_tol=SUM_ATOL)


@pytest.mark.parametrize("lead", [(5,), (2, 3), (2, 3, 2)])
def test_sum_outer_sums_over_every_leading_axis(rng, lead):
    """sum_outer(a, b)[i, j] = Σ over all leading axes of a[..., i] b[..., j]."""
    a, b = rng.standard_normal((*lead, 3)), rng.standard_normal((*lead, 4))
    want = sum(np.outer(a[k], b[k]) for k in np.ndindex(*lead))
    np.testing.assert_allclose(paper.sum_outer(a, b), want, rtol=SUM_RTOL)


# --------------------------------------------------------------------------------------------
# The per-function VJPs with two leading batch axes, against autograd
# --------------------------------------------------------------------------------------------


def _flatten_out(out):
    return out if not isinstance(out, tuple) else anp.concatenate([o[..., None] for o in out], -1)


def _autograd_vjp(fun, params, args, g):
    """Autograd's cotangents of ``fun(params, *args)`` for the output cotangent ``g``: a dict of
    parameter cotangents and a list of argument cotangents."""
    names = params.ARRAY_FIELDS
    base = params._fields_dict()

    def scalar(values, *a):
        q = type(params).unvalidated(**{**base, **dict(zip(names, values, strict=True))})
        return anp.sum(_flatten_out(fun(q, *a)) * g)

    values = [getattr(params, n) for n in names]
    with warnings.catch_warnings():
        # Some functions do not depend on an argument (output on the drive, say): autograd
        # warns and returns zeros, which is the right cotangent.
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        g_params = dict(zip(names, autograd.grad(scalar, 0)(values, *args), strict=True))
        g_args = [autograd.grad(scalar, i + 1)(values, *args) for i in range(len(args))]
    return g_params, g_args


def _close(got, want):
    np.testing.assert_allclose(got, want, rtol=AUTOGRAD_RTOL, atol=AUTOGRAD_ATOL)


def _networks(rng):
    C, N = 2, 4
    wiring = ltc_ref.FullyConnected(N, output_dim=2).build(C)
    cond = ltc_ref.init_synaptic_params(wiring, rng)
    cond = cond.replace(input_w=rng.uniform(0.5, 2, C), input_b=rng.normal(size=C))
    cond = cond.replace(output_w=rng.uniform(0.5, 2, 2), output_b=rng.normal(size=2))
    out = [(paper, ltc_ref.init_paper_params(C, N, rng, activation=a)) for a in ACTIVATIONS]
    return [*out, (conductance, cond)], C, N


@pytest.mark.parametrize("dt_shape", [(), (3, 1), (*LEAD, 1), (*LEAD, 4)])
def test_step_vjps_with_leading_axes_match_autograd(rng, dt_shape):
    """input_drive_vjp, rhs_vjp, fused_step_vjp and output_vjp of both forms with states of
    shape (2, 3, N) and Δt a scalar or any array broadcastable against them: every cotangent
    equals autograd's, and g_dt has Δt's shape."""
    networks, C, N = _networks(rng)
    for dyn, p in networks:
        _check_step_vjps(dyn, p, C, N, dt_shape, rng)


def _check_step_vjps(dyn, p, C, N, dt_shape, rng):
    I = rng.standard_normal((*LEAD, C))
    x = rng.uniform(-1, 1, (*LEAD, N))
    dt = rng.uniform(0.1, 1.0, dt_shape) if dt_shape else 0.4
    drive = dyn.input_drive(p, I)
    eps = 1e-3

    g = rng.standard_normal((*LEAD, N, 2)) if dyn is conductance else None
    g_drive_in = (g[..., 0], g[..., 1]) if dyn is conductance else rng.standard_normal(x.shape)
    gp, g_I = dyn.input_drive_vjp(p, I, g_drive_in)
    want_p, (want_I,) = _autograd_vjp(
        dyn.input_drive, p, [I], g if dyn is conductance else g_drive_in
    )
    _close(g_I, want_I)
    for name, value in gp.items():
        _close(value, want_p[name])

    g_out = rng.standard_normal(x.shape)
    gp, g_x, _ = dyn.rhs_vjp(p, x, drive, g_out)
    want_p, (want_x,) = _autograd_vjp(lambda q, x_: dyn.rhs(q, x_, drive), p, [x], g_out)
    _close(g_x, want_x)
    for name, value in gp.items():
        _close(value, want_p[name])

    gp, g_x, _, g_dt = dyn.fused_step_vjp(p, x, drive, dt, eps, g_out)
    want_p, (want_x,) = _autograd_vjp(
        lambda q, x_: dyn.fused_step(q, x_, drive, dt, eps), p, [x], g_out
    )
    (want_dt,) = _autograd_vjp(
        lambda q, dt_: dyn.fused_step(q, x, drive, dt_, eps), p, [np.asarray(dt)], g_out
    )[1]
    _close(g_x, want_x)
    for name, value in gp.items():
        _close(value, want_p[name])
    assert np.shape(g_dt) == np.shape(dt)
    _close(g_dt, want_dt)

    g_y = rng.standard_normal((*LEAD, p.n_outputs))
    gp, g_x = dyn.output_vjp(p, x, g_y)
    want_p, (want_x,) = _autograd_vjp(dyn.output, p, [x], g_y)
    _close(g_x, want_x)
    for name, value in gp.items():
        _close(value, want_p[name])

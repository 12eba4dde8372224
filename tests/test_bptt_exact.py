"""Exact properties of the hand-written BPTT (``ltc_ref.gradients.bptt``) that the mutation
check (``scripts/mutation.py --target bptt``) showed the other tests did not pin down.

Each test states the identity it checks.
"""

from __future__ import annotations

import inspect

import autograd.numpy as anp
import numpy as np
import pytest

import ltc_ref

from .gradcases import runaway_paper_params

#: Two evaluations of the same linear map in different summation orders: a few ulp.
LINEARITY_RTOL = 1e-12
#: The Numba kernels against the NumPy specification in float64: the same operations in another
#: order (and a fused multiply-add here and there), a few hundred ulp after T = 4 steps.
BACKEND_RTOL = 1e-11
BACKEND_ATOL = 1e-13
#: Central difference of a smooth float64 map: truncation O(step²) ≈ 1e-10 relative, rounding
#: ≈ 1e-16 / step ≈ 1e-11; 1e-7 leaves room for the curvature of the network.
FD_STEP = 1e-5
FD_RTOL = 1e-7


def test_vjp_is_linear_in_the_cotangent(rng):
    """A VJP is linear in its cotangent: vjp(a g1 + b g2) = a vjp(g1) + b vjp(g2)."""
    p = ltc_ref.init_paper_params(2, 3, rng)
    x = rng.standard_normal((2, 4, 2))
    g1, g2 = rng.standard_normal((2, 2, 4, 3))
    r1 = ltc_ref.vjp(p, x, g1, dt=0.5)
    r2 = ltc_ref.vjp(p, x, g2, dt=0.5)
    r = ltc_ref.vjp(p, x, 2.0 * g1 - 3.0 * g2, dt=0.5)
    np.testing.assert_allclose(r[1], 2.0 * r1[1] - 3.0 * r2[1], rtol=LINEARITY_RTOL)
    for name in p.TRAINABLE_FIELDS:
        want = 2.0 * getattr(r1[0], name) - 3.0 * getattr(r2[0], name)
        np.testing.assert_allclose(getattr(r[0], name), want, rtol=LINEARITY_RTOL)


def _case(dtype=np.float64, form="paper"):
    rng = np.random.default_rng(11)
    if form == "paper":
        p = ltc_ref.init_paper_params(2, 3, rng, dtype=dtype)
    else:
        p = ltc_ref.init_synaptic_params(
            ltc_ref.FullyConnected(3, output_dim=2).build(2), rng, dtype=dtype
        )
    x = rng.standard_normal((2, 4, 2)).astype(dtype)
    g_y = rng.standard_normal((2, 4, p.n_outputs)).astype(dtype)
    g_h = rng.standard_normal((2, 4, 3)).astype(dtype)
    return p, x, g_y, g_h


def test_defaults_are_forwards():
    """vjp and value_and_grad take forward's defaults (Δt = 1, L = 6, fused, ε = 0, numpy)."""
    want = {
        name: prm.default
        for name, prm in inspect.signature(ltc_ref.forward).parameters.items()
        if prm.default is not inspect.Parameter.empty
    }
    for fn in (ltc_ref.vjp, ltc_ref.value_and_grad):
        sig = inspect.signature(fn).parameters
        assert {name: sig[name].default for name in want} == want


@pytest.mark.parametrize("form", ["paper", "conductance"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cotangents_have_the_dtype_and_type_of_their_primals(form, dtype):
    """Every cotangent has the dtype of what it is the cotangent of; g_params is the Cotangents
    of a container of params's type, at params (with its activation, in the paper's form)."""
    p, x, g_y, g_h = _case(dtype, form)
    h0 = np.zeros((2, 3), dtype)
    dt = np.full((2, 4), 0.5, dtype)
    g_params, g_x, g_h0, g_dt = ltc_ref.vjp(p, x, g_y, g_h=g_h, h0=h0, dt=dt)
    assert type(g_params) is ltc_ref.Cotangents and g_params.params is p
    if form == "paper":
        assert g_params.activation == p.activation
    for name in p.ARRAY_FIELDS:
        assert getattr(g_params, name).dtype == dtype, name
    for a in (g_x, g_h0, g_dt):
        assert a.dtype == dtype
    assert ltc_ref.grad_to_flat(p, g_params).dtype == dtype
    assert ltc_ref.grad_to_flat(p, g_params, raw=True).dtype == dtype


def test_numba_backend_gives_the_same_cotangents():
    """backend="numba" runs the compiled kernels: the same cotangents as the specification (to
    rounding), the state cotangent g_h included."""
    p, x, g_y, g_h = _case(form="conductance")
    kw = dict(g_h=g_h, dt=0.5, unfolds=3, epsilon=1e-8)
    want = ltc_ref.vjp(p, x, g_y, **kw)
    got = ltc_ref.vjp(p, x, g_y, backend="numba", **kw)
    for name in p.ARRAY_FIELDS:
        np.testing.assert_allclose(
            getattr(got[0], name), getattr(want[0], name), rtol=BACKEND_RTOL, atol=BACKEND_ATOL
        )
    for a, b in zip(got[1:], want[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=BACKEND_RTOL, atol=BACKEND_ATOL)


def test_numba_backend_refuses_other_solvers():
    p, x, g_y, _ = _case()
    message = r"^backend: the 'numba' backend implements the fused solver only, got solver='rk4'"
    with pytest.raises(ValueError, match=message):
        ltc_ref.vjp(p, x, g_y, solver="rk4", backend="numba")
    with pytest.raises(ValueError, match=message):
        ltc_ref.value_and_grad(lambda y: anp.sum(y**2), p, x, solver="rk4", backend="numba")


def test_value_and_grad_passes_every_option_on():
    """value_and_grad(loss, params, x, **kw) is (loss(forward(params, x, **kw).y),
    vjp(params, x, dloss/dy, **kw).g_params) for non-default options."""
    p, x, _, _ = _case(form="conductance")
    kw = dict(h0=np.full((2, 3), 0.1), dt=0.3, unfolds=2, solver="euler", epsilon=0.0)
    for options in (kw, dict(kw, solver="fused", epsilon=1e-2)):
        loss, g = ltc_ref.value_and_grad(lambda y: anp.sum(y**2), p, x, **options)
        y, _ = ltc_ref.forward(p, x, **options)
        assert loss == pytest.approx(float(np.sum(y**2)), rel=LINEARITY_RTOL)
        want = ltc_ref.vjp(p, x, 2 * y, **options)[0]
        for name in p.TRAINABLE_FIELDS:
            np.testing.assert_allclose(getattr(g, name), getattr(want, name), rtol=LINEARITY_RTOL)


def test_default_options_differentiate_the_default_forward():
    """Called without options, vjp is the VJP of forward called without options (checked by a
    central difference along a random input direction), and value_and_grad returns forward's
    loss and vjp's gradient."""
    p, x, g_y, _ = _case(form="conductance")
    d = np.random.default_rng(12).standard_normal(x.shape)

    def along(s):
        return float(np.sum(g_y * ltc_ref.forward(p, x + s * d)[0]))

    fd = (along(FD_STEP) - along(-FD_STEP)) / (2 * FD_STEP)
    g_params, g_x, *_ = ltc_ref.vjp(p, x, g_y)
    assert float(np.sum(g_x * d)) == pytest.approx(fd, rel=FD_RTOL)
    loss, g = ltc_ref.value_and_grad(lambda y: anp.sum(g_y * y), p, x)
    assert loss == pytest.approx(along(0.0), rel=LINEARITY_RTOL)
    for name in p.TRAINABLE_FIELDS:
        np.testing.assert_allclose(getattr(g, name), getattr(g_params, name), rtol=LINEARITY_RTOL)


def test_numba_backend_runs_the_kernels(monkeypatch):
    """backend="numba" calls ltc_ref.kernels.vjp; backend="numpy" does not."""
    import ltc_ref.kernels

    calls = []
    kernel_vjp = ltc_ref.kernels.vjp

    def recording(*args, **kwargs):
        calls.append(args)
        return kernel_vjp(*args, **kwargs)

    monkeypatch.setattr(ltc_ref.kernels, "vjp", recording)
    p, x, g_y, _ = _case()
    ltc_ref.vjp(p, x, g_y)
    assert calls == []
    ltc_ref.vjp(p, x, g_y, backend="numba")
    assert len(calls) == 1


def _tanh_case(T=5):
    rng = np.random.default_rng(0)
    params = ltc_ref.init_paper_params(2, 3, rng, activation="tanh").replace(tau=np.ones(3))
    return params, rng.standard_normal((2, T, 2)), rng.standard_normal((2, T, 3))


@pytest.mark.parametrize("bad", ["g_x", "g_h0", "g_dt", "g_gamma"])
def test_vjp_names_the_non_finite_cotangent(monkeypatch, bad):
    """``ltc_ref.vjp`` reports a non-finite cotangent by name, with the solver, L and the hint of
    the parameters' form; for ``g_x`` the step named is the last bad one (computed backwards)."""
    from ltc_ref.gradients import bptt

    params, x, g_y = _tanh_case()
    real = bptt._backward

    def backward(*args):
        g_params, g_x, g_h0, g_dt = real(*args)
        if bad == "g_x":
            g_x = g_x.copy()
            g_x[1, 1, 0] = g_x[0, 3, 1] = np.nan
        elif bad == "g_h0":
            g_h0 = np.full_like(g_h0, np.inf)
        elif bad == "g_dt":
            g_dt = np.full_like(g_dt, np.nan)
        else:
            fields = {f: getattr(g_params, f) for f in g_params.ARRAY_FIELDS}
            fields["gamma"] = np.full_like(fields["gamma"], np.inf)
            g_params = type(g_params).unvalidated(**fields, activation=g_params.activation)
        return g_params, g_x, g_h0, g_dt

    monkeypatch.setattr(bptt, "_backward", backward)
    with pytest.raises(ltc_ref.NonFiniteError) as err:
        ltc_ref.vjp(params, x, g_y, dt=0.5)
    assert err.value.quantity == bad and str(err.value).startswith(f"{bad} became non-finite")
    assert "with solver 'fused', L = 6: the fused step is bounded (Theorem 2) only when f >= 0" in (
        str(err.value)
    )
    if bad == "g_x":
        assert err.value.step == 3 and err.value.index == (0, 3, 1)
        assert "at input step t = 3 of 5 (sample 0, entry 1)" in str(err.value)


def test_vjp_names_a_run_away_state_before_differentiating():
    """The numpy backend checks the forward states first: a state that ran away is named as
    such (the paper form with tanh, tau = 10, f = -1, dt = 6: input step 51)."""
    p = runaway_paper_params()
    with np.errstate(all="ignore"), pytest.raises(ltc_ref.NonFiniteError) as err:
        ltc_ref.vjp(p, np.zeros((1, 60, 1)), np.ones((1, 60, 1)), h0=np.full((1, 1), 0.5), dt=6.0)
    assert err.value.quantity == "the states h" and err.value.step == 51
    assert str(err.value).startswith("the states h became non-finite (nan) at input step t = 51")
    assert "with solver 'fused', L = 6: the fused step is bounded" in str(err.value)
